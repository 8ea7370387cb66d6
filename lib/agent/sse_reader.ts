/**
 * A lighter reader of the model's streamed answer. The OpenAI client decodes a stream through
 * several layers of web streams and async generators per chunk (bytes → lines → SSE messages →
 * JSON): about three times the work of this reader per answer; reading it here saved about 15 %
 * of the app's CPU per turn (BENCHMARKS.md, 2026-12-04). {@link withLightStreams} keeps the
 * client for everything else — the request, its retries, HTTP errors as `APIError`s, time-outs —
 * and the Agents SDK for the run (tools, handoffs, tracing), and only reads the bytes of a
 * streamed Responses request itself, with the client's semantics: `[DONE]` ends it, an `error` event or an `error` member is thrown as an
 * `APIError`, a broken JSON frame as a `SyntaxError`, and an abort ends it quietly.
 * @module
 */
import type OpenAI from "openai";
import { APIError } from "openai";

type Json = Record<string, unknown>;

/** One server-sent event: its `event:` name (if any) and its `data:` lines joined. */
export interface SseMessage {
  event: string | null;
  data: string;
}

/** Where the first complete SSE frame in `text` ends (its blank line), or null. */
function frameEnd(text: string): { at: number; length: number } | null {
  const lf = text.indexOf("\n\n");
  const crlf = text.indexOf("\r\n\r\n");
  if (lf < 0 && crlf < 0) {
    const cr = text.indexOf("\r\r");
    return cr < 0 ? null : { at: cr, length: 2 };
  }
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  return { at: lf, length: 2 };
}

/** Parses one SSE frame (without its blank line); null for a frame with no data (comments). */
export function parseFrame(frame: string): SseMessage | null {
  let event: string | null = null;
  let data: string[] | null = null;
  for (const line of frame.split(/\r\n|\r|\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") (data ??= []).push(value);
  }
  return data ? { event, data: data.join("\n") } : null;
}

/** The SSE messages of a byte stream, as they complete. */
export async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let finished = false;
  try {
    while (true) {
      const { value, done } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let end;
      while ((end = frameEnd(buffer))) {
        const message = parseFrame(buffer.slice(0, end.at));
        buffer = buffer.slice(end.at + end.length);
        if (message) yield message;
      }
      if (done) break;
    }
    const last = buffer.trim() ? parseFrame(buffer) : null;
    if (last) yield last;
    finished = true;
  } finally {
    // Stopped early (the consumer broke off, or a throw): let go of the connection.
    if (!finished) reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

function isAbort(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error &&
    error.name === "AbortError";
}

/** The JSON events of a streamed Responses answer, with the OpenAI client's semantics. */
export async function* responseEvents(response: Response, signal?: AbortSignal) {
  if (!response.body) return;
  try {
    for await (const sse of sseMessages(response.body)) {
      if (sse.data === "[DONE]") return;
      let data: Json;
      try {
        data = JSON.parse(sse.data);
      } catch {
        throw new SyntaxError("Error reading response: malformed server-sent event JSON.");
      }
      if (sse.event === "error") {
        throw new APIError(undefined, (data?.error ?? data) as object, undefined, response.headers);
      }
      if (data && data.error) {
        throw new APIError(undefined, data.error as object, undefined, response.headers);
      }
      yield data;
    }
  } catch (error) {
    // Aborted (client gone, silence timer): the run ends; the caller checks why.
    if (isAbort(error) || (signal?.aborted && error === signal.reason)) return;
    throw error;
  }
}

/**
 * `client` with streamed Responses requests read by {@link responseEvents}: what the Agents
 * SDK's Responses model calls (`responses.create(…, { stream: true })` then `withResponse()`)
 * gets the same events, decoded with less work. Any other call is the client's own.
 */
export function withLightStreams(client: OpenAI): OpenAI {
  const real = client.responses;
  const create = (body: { stream?: boolean | null }, options?: { signal?: AbortSignal }) => {
    const pending = (real.create as (b: unknown, o: unknown) => ReturnType<typeof real.create>)(
      body,
      options,
    );
    if (!body?.stream) return pending;
    const withResponse = async () => {
      // The raw answer, after the client's status check and retries; its body is not decoded.
      const response = await pending.asResponse();
      return {
        data: responseEvents(response, options?.signal),
        response,
        request_id: response.headers.get("x-request-id"),
      };
    };
    return {
      withResponse,
      then: (ok?: (v: unknown) => unknown, fail?: (e: unknown) => unknown) =>
        withResponse().then((r) => r.data).then(ok, fail),
    };
  };
  const responses = new Proxy(real, {
    get: (target, key, receiver) => key === "create" ? create : Reflect.get(target, key, receiver),
  });
  return new Proxy(client, {
    get: (target, key, receiver) =>
      key === "responses" ? responses : Reflect.get(target, key, receiver),
  });
}
