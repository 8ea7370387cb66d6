/**
 * The HTTP edge: reading a request body with a hard cap (413 beyond it). JSON bodies of
 * `/chatkit`, sign-in forms and uploads (`upload.ts`) are all read through here.
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
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop reading; the server discards the rest. (No cancel(): on a cloned request body
      // whose other branch was cancelled too, Deno 2.9 spins on unhandled rejections.)
      reader.releaseLock();
      throw new PayloadTooLargeError(maxBytes);
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
