/**
 * The HTTP edge: every request body is capped and deadlined here, once, before any route or
 * better-auth sees the request — so no route can forget it, whoever reads the body.
 *
 * - A declared `Content-Length` over the route's cap: 413 before a byte is read.
 * - `multipart/form-data` outside the upload routes: 415 (nothing else parses it).
 * - Otherwise the request is handed on with its body wrapped: reading stops as soon as the body
 *   passes the cap (413) or is not finished by the deadline (408), whoever reads it. The reader
 *   gets the typed error, which lib/errors.ts turns into the answer.
 * - A body the client abandons half-way (it went away, or cut the upload) fails with
 *   `BodyAbortedError` and a debug line: expected traffic, not an error with a stack.
 *
 * What this cannot do: time out slow request headers, or close a socket whose client keeps
 * trickling after the answer (Deno keeps reading the rest of the body). That is the reverse
 * proxy's job (README, Operations).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import type { ChatKitLimits } from "../chatkit/limits.ts";
import {
  BodyAbortedError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnsupportedMediaTypeError,
} from "../errors.ts";
import { MAX_INGEST_BODY } from "../knowledge/remote.ts";
import { log } from "../log.ts";
import { MULTIPART_OVERHEAD } from "./upload.ts";

/** What one route may receive. */
export interface BodyRule {
  /** Largest body, in bytes. */
  maxBytes: number;
  /** How long the whole body may take to arrive, from the request's start, in ms. */
  timeoutMs: number;
  /** Whether `multipart/form-data` is accepted (uploads only). */
  multipart: boolean;
}

const UPLOAD_PATHS = /^\/chatkit\/upload(\/[^/]+)?\/?$/;

/**
 * The rule of each route family, from `limits` in `fresh.config.ts`: `/chatkit` JSON, attachment
 * uploads, `deno task ingest` writing through the app, and everything else (forms, the auth API,
 * the embed's endpoints).
 */
export function bodyRules(limits: ChatKitLimits): (pathname: string) => BodyRule {
  const chatkit = { maxBytes: limits.maxBodyBytes, timeoutMs: limits.bodyTimeoutMs };
  const upload = {
    maxBytes: limits.maxAttachmentBytes + MULTIPART_OVERHEAD,
    timeoutMs: limits.uploadTimeoutMs,
    multipart: true,
  };
  // The local CLI's batches (token-checked by the route before it reads the body).
  const ingest = { maxBytes: MAX_INGEST_BODY, timeoutMs: limits.uploadTimeoutMs };
  const other = { maxBytes: limits.maxFormBytes, timeoutMs: limits.bodyTimeoutMs };
  return (pathname) => {
    if (pathname === "/chatkit" || pathname === "/chatkit/") {
      return { ...chatkit, multipart: false };
    }
    if (UPLOAD_PATHS.test(pathname)) return upload;
    if (pathname === "/api/knowledge") return { ...ingest, multipart: false };
    return { ...other, multipart: false };
  };
}

/** A body wrapped with its cap and deadline. */
interface Guarded {
  stream: ReadableStream<Uint8Array>;
  /** Stops the deadline (the request was answered, read or not). */
  done(): void;
}

/**
 * Wraps `source` so that reading it stops past `rule.maxBytes` (413) or `rule.timeoutMs` (408).
 * The source is never cancelled, only released: the server discards what is left of it (and
 * cancelling request bodies that someone cloned spins in Deno 2.9; see body.ts).
 */
export function guardBody(
  source: ReadableStream<Uint8Array>,
  rule: Pick<BodyRule, "maxBytes" | "timeoutMs">,
  onAbort: (error: unknown) => void = () => {},
): Guarded {
  const reader = source.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  const deadline = new Promise<"late">((resolve) => {
    timer = setTimeout(() => {
      late = true;
      resolve("late");
    }, rule.timeoutMs);
  });
  let released = false;
  const stop = () => {
    clearTimeout(timer);
    if (released) return;
    released = true;
    // A read still pending (the deadline case) is rejected by the release; it is handled below.
    try {
      reader.releaseLock();
    } catch { /* already released */ }
  };
  let total = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let part: ReadableStreamReadResult<Uint8Array> | "late";
      try {
        part = await Promise.race([reader.read(), deadline]);
      } catch (error) {
        stop();
        if (late) return controller.error(new RequestTimeoutError(rule.timeoutMs));
        onAbort(error);
        return controller.error(new BodyAbortedError());
      }
      if (part === "late") {
        stop();
        return controller.error(new RequestTimeoutError(rule.timeoutMs));
      }
      if (part.done) {
        stop();
        return controller.close();
      }
      total += part.value.byteLength;
      if (total > rule.maxBytes) {
        stop();
        return controller.error(new PayloadTooLargeError(rule.maxBytes));
      }
      controller.enqueue(part.value);
    },
    cancel() {
      stop();
    },
  }, { highWaterMark: 0 });
  return { stream, done: () => clearTimeout(timer) };
}

/**
 * The middleware: checks what can be checked from the headers, then hands the request on with its
 * body guarded (`ctx.req` of every route and middleware after the edge is that request).
 */
export function bodyGuard(ruleOf: (pathname: string) => BodyRule): MiddlewareHandler {
  return async function bodyGuardMiddleware(c, next) {
    const req = c.req.raw;
    // GET and HEAD have none (Deno gives null), nor does a POST without one.
    if (!req.body) return await next();
    const rule = ruleOf(new URL(req.url).pathname);
    const type = (req.headers.get("content-type") ?? "").trim().toLowerCase();
    if (type.startsWith("multipart/") && !rule.multipart) {
      throw new UnsupportedMediaTypeError(
        "multipart bodies are accepted by the upload routes only",
        "multipart_not_accepted",
      );
    }
    const declared = req.headers.get("content-length");
    if (declared !== null && Number(declared) > rule.maxBytes) {
      // Not read at all: the server discards it.
      throw new PayloadTooLargeError(rule.maxBytes);
    }
    const requestId = c.get("requestId") as string | undefined;
    const guarded = guardBody(req.body, rule, (error) => {
      log.debug("request body cut off by the client", {
        requestId,
        error: error instanceof Error ? error.message : String(error),
      });
    });
    c.req.raw = new Request(req.url, {
      method: req.method,
      headers: req.headers,
      body: guarded.stream,
      // @ts-ignore: `duplex` is required for a stream body, and missing from the DOM types.
      duplex: "half",
    });
    try {
      await next();
    } finally {
      guarded.done();
    }
  };
}
