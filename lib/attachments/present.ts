/**
 * Attachments leaving the server get fresh signed preview URLs: stored items keep the plain
 * URL (`/chatkit/preview/<id>`), and every answer — JSON bodies and stream events alike —
 * is passed through here on its way out, so a thread reopened tomorrow shows its thumbnails
 * with URLs that work then (and stop working after `limits.previewUrlSeconds`).
 * @module
 */

/** Signs one image attachment's preview URL. */
export type PreviewSigner = (attachmentId: string) => Promise<string>;

function isImageAttachment(
  value: Record<string, unknown>,
): value is { type: "image"; id: string; preview_url: string } {
  return value.type === "image" && typeof value.id === "string" &&
    value.id.startsWith("atc_") && typeof value.preview_url === "string";
}

/** A copy of `value` with every image attachment's `preview_url` signed (others untouched). */
export async function signPreviews<T>(value: T, sign: PreviewSigner): Promise<T> {
  if (Array.isArray(value)) {
    return await Promise.all(value.map((v) => signPreviews(v, sign))) as T;
  }
  if (!value || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    out[key] = v && typeof v === "object" ? await signPreviews(v, sign) : v;
  }
  if (isImageAttachment(record)) out.preview_url = await sign(record.id);
  return out as T;
}

/** Event types that can carry attachments (the others pass through untouched). */
const CARRIERS = new Set([
  "thread.created",
  "thread.updated",
  "thread.item.added",
  "thread.item.done",
  "thread.item.replaced",
]);

/**
 * The events with signed previews. A plain iterator, not an async generator: `return()` (the
 * client went away) must reach the inner stream at once, even while a `next()` is pending.
 */
export function signEventPreviews<T extends { type: string }>(
  events: AsyncIterable<T>,
  sign: PreviewSigner,
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const inner = events[Symbol.asyncIterator]();
      return {
        async next() {
          const next = await inner.next();
          if (next.done || !CARRIERS.has(next.value.type)) return next;
          return { done: false, value: await signPreviews(next.value, sign) };
        },
        return(value?: unknown) {
          return inner.return
            ? inner.return(value as never)
            : Promise.resolve({ done: true, value: value as never });
        },
      };
    },
  };
}
