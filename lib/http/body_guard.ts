/**
 * The HTTP edge: every request body is read under a cap and a deadline, before any route (or
 * better-auth) sees it. A huge body is refused (413) without being held in memory; a body that
 * trickles is answered 408 at the deadline and its connection closed; `multipart/form-data` is
 * accepted only where uploads are expected (415 elsewhere); a client that goes away mid-body is
 * logged at debug, not as a server error.
 *
 * Bodies of JSON and form routes are read whole here (they are small) and handed on as bytes;
 * upload bodies stream on through a guard that enforces the same rules while the route reads.
 * `Deno.serve` has no deadline for the request line and headers: a reverse proxy must give one
 * (see the README's operations section).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import {
  BodyAbortedError,
  HttpError,
  PayloadTooLargeError,
  RequestTimeoutError,
  UnsupportedMediaTypeError,
} from "../errors.ts";
import { log } from "../log.ts";

/** The limits of one kind of route. */
export interface BodyRule {
  maxBytes: number;
  /** How long the whole body may take to arrive, from the moment the handler starts. */
  timeoutMs: number;
  /** Whether `multipart/form-data` bodies are accepted. */
  multipart: boolean;
  /** Streamed to the route (uploads) rather than read whole here. */
  stream: boolean;
}

/** Picks the rule of a request path. */
export type BodyRules = (path: string) => BodyRule;

/** Reads `reader` to its end under `rule`; throws the edge's typed errors. */
async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  rule: BodyRule,
  deadline: Promise<never>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const part = await Promise.race([reader.read(), deadline]).catch(readFailed);
    if (part.done) break;
    total += part.value.byteLength;
    if (total > rule.maxBytes) throw new PayloadTooLargeError(rule.maxBytes);
    chunks.push(part.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A failed read: our own typed errors pass, anything else is the client going away. */
function readFailed(error: unknown): never {
  if (error instanceof HttpError) throw error;
  log.debug("request body aborted by the client", {
    error: error instanceof Error ? error.message : String(error),
  });
  throw new BodyAbortedError();
}

/** A deadline that rejects with 408 after `ms` (its timer is cleared by `clear`). */
function deadlineOf(ms: number): { promise: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RequestTimeoutError(ms)), ms);
  });
  promise.catch(() => {});
  return { promise, clear: () => clearTimeout(timer) };
}

/** The body as a stream that errors with the edge's typed errors under `rule`. */
function guardedStream(
  body: ReadableStream<Uint8Array>,
  rule: BodyRule,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const deadline = deadlineOf(rule.timeoutMs);
  let total = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const part = await Promise.race([reader.read(), deadline.promise]).catch(readFailed);
        if (part.done) {
          deadline.clear();
          controller.close();
          return;
        }
        total += part.value.byteLength;
        if (total > rule.maxBytes) throw new PayloadTooLargeError(rule.maxBytes);
        controller.enqueue(part.value);
      } catch (error) {
        deadline.clear();
        reader.releaseLock();
        controller.error(error);
      }
    },
    cancel() {
      deadline.clear();
      reader.releaseLock();
    },
  }, { highWaterMark: 0 });
}

/** The edge middleware that applies `rules` to every request with a body. */
export function bodyGuard(rules: BodyRules): MiddlewareHandler {
  return async (c, next) => {
    const req = c.req.raw;
    if (!req.body) return await next();
    const rule = rules(new URL(req.url).pathname);
    const type = (req.headers.get("content-type") ?? "").toLowerCase();
    if (!rule.multipart && type.startsWith("multipart/")) {
      throw new UnsupportedMediaTypeError("multipart bodies are accepted only by upload URLs");
    }
    const declared = req.headers.get("content-length");
    if (declared !== null && Number(declared) > rule.maxBytes) {
      // Not read: the server discards it (and closes the connection after answering).
      throw new PayloadTooLargeError(rule.maxBytes);
    }
    if (rule.stream) {
      c.req.raw = new Request(req, { body: guardedStream(req.body, rule) });
      return await next();
    }
    const deadline = deadlineOf(rule.timeoutMs);
    const reader = req.body.getReader();
    let bytes: Uint8Array;
    try {
      bytes = await readAll(reader, rule, deadline.promise);
    } catch (error) {
      // Stop reading; the server discards the rest. (No cancel(): see lib/http/body.ts.)
      reader.releaseLock();
      throw error;
    } finally {
      deadline.clear();
    }
    c.req.raw = new Request(req, { body: bytes as BodyInit });
    return await next();
  };
}
