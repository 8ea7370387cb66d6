/**
 * The HTTP edge: reading a request body with a hard cap (413 beyond it). JSON bodies of
 * `/chatkit`, sign-in forms and uploads (`upload.ts`) are all read through here. Every body is
 * also capped and deadlined once for all at the edge (`body_guard.ts`); a cap here can only be
 * smaller.
 * @module
 */
import { PayloadTooLargeError } from "../errors.ts";

/**
 * Reads the whole body, but never more than `maxBytes`: a larger `Content-Length` is refused up
 * front and reading stops as soon as a streamed body grows past the cap; both throw 413.
 */
export async function readBodyCapped(req: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    // Not read and not cancelled: the server discards it (cancelling a cloned request's
    // body in Deno can spin on unhandled rejections).
    throw new PayloadTooLargeError(maxBytes);
  }
  if (!req.body) return new Uint8Array(0);
  const body = await readStreamCapped(req.body, maxBytes);
  if (!body) throw new PayloadTooLargeError(maxBytes);
  return body;
}

/**
 * The same request with its body already read (within `maxBytes`, and the edge's cap and
 * deadline): for code that reads bodies itself, such as better-auth, which would turn a refused
 * body into an error of its own instead of our 413 or 408.
 */
export async function withBufferedBody(
  req: Request,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<Request> {
  if (!req.body) return req;
  const body = await readBodyCapped(req, maxBytes);
  return new Request(req.url, {
    method: req.method,
    headers: req.headers,
    body: body as Uint8Array<ArrayBuffer>,
  });
}

/**
 * Reads a stream to its end, but never more than `maxBytes`: past that it stops and answers
 * `undefined` with the stream's lock released, so the caller decides what becomes of the rest.
 * (No cancel() here: on a cloned request body whose other branch was cancelled too, Deno 2.9
 * spins on unhandled rejections.) Request bodies above and fetched pages (lib/knowledge) both
 * come through here.
 */
export async function readStreamCapped(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      reader.releaseLock();
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
