/**
 * The HTTP edge: writing an async stream of events as a `text/event-stream` response, one
 * `data: <json>\n\n` frame per event, written as the events are produced.
 * @module
 */

/** The headers of every event stream (no proxy buffering, no transformation). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

const encoder = new TextEncoder();

/** One SSE frame of a JSON text: `data: <json>\n\n`. */
export function sseFrame(json: string): Uint8Array {
  return encoder.encode(`data: ${json}\n\n`);
}

/**
 * A streaming response: each event of `events`, serialised by `toJson`, becomes one frame.
 * When the client goes away (the body is cancelled) the iterator is `return()`ed, which is how
 * the producer learns of the disconnect; the response always ends cleanly.
 *
 * @example
 * ```ts
 * return sseResponse(events, (e) => JSON.stringify(e));
 * ```
 */
export function sseResponse<T>(events: AsyncIterable<T>, toJson: (event: T) => string): Response {
  const iterator = events[Symbol.asyncIterator]();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // Not awaited: the stream is readable (and cancellable) while events are produced.
      (async () => {
        try {
          while (!closed) {
            const next = await iterator.next();
            if (next.done || closed) break;
            controller.enqueue(sseFrame(toJson(next.value)));
          }
        } catch {
          // The producer turns its own failures into events; anything else ends the stream.
        }
        if (closed) return;
        closed = true;
        try {
          controller.close();
        } catch { /* already closed */ }
      })();
    },
    cancel() {
      closed = true;
      iterator.return?.()?.catch?.(() => {});
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}
