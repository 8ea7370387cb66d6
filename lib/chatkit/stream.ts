/**
 * A streaming answer as an async iterable of events, with no HTTP in it: the producer sends
 * events into a queue; whoever iterates (the route's SSE writer) takes them in order. Ending the
 * iteration early (`return()`, e.g. the client went away) aborts the producer's signal at once,
 * and the producer runs on to persist what it must. A throw inside the producer becomes one
 * `error` event and the stream ends cleanly (protocol §6.6).
 * @module
 */
import { HttpError } from "../errors.ts";
import { log } from "../log.ts";
import { CustomStreamError, StreamError } from "./errors.ts";
import type { ThreadStreamEvent } from "./types.ts";

/** Receives the events of a stream. */
export interface EventSink {
  send(event: ThreadStreamEvent): void;
}

/**
 * The app going away: `signal` aborts at the shutdown's drain deadline, and the app waits for the
 * work passed to `track` (each producer, until it has saved what it must) before it closes the
 * database.
 */
export interface StreamLifecycle {
  readonly signal: AbortSignal;
  track<T>(work: Promise<T>): Promise<T>;
}

/** The event a stream ends with when the server stops under it (the client may resend). */
export const RESTARTING_EVENT: ThreadStreamEvent = {
  type: "error",
  code: "custom",
  message: "The server is restarting. Try again in a moment.",
  allow_retry: true,
};

/** Produces a stream's events; `signal` aborts when the consumer stops listening. */
export type Producer = (sink: EventSink, signal: AbortSignal) => Promise<void>;

/**
 * The events `produce` sends, as an async iterable (started on the first `next()`).
 * @example
 * ```ts
 * for await (const event of eventStream("req-1", async (sink) => sink.send(event))) { … }
 * ```
 */
export function eventStream(
  requestId: string,
  produce: Producer,
  lifecycle?: StreamLifecycle,
): AsyncIterable<ThreadStreamEvent> {
  return {
    [Symbol.asyncIterator]() {
      const abort = new AbortController();
      const queue: ThreadStreamEvent[] = [];
      let finished = false;
      let started = false;
      let wake: (() => void) | undefined;
      const notify = () => {
        wake?.();
        wake = undefined;
      };
      const sink: EventSink = {
        send(event) {
          if (finished) return;
          queue.push(event);
          notify();
        },
      };
      // The producer stops when the client goes away or the app stops, whichever comes first.
      const stopped = lifecycle?.signal;
      const signal = stopped ? AbortSignal.any([abort.signal, stopped]) : abort.signal;
      const start = () => {
        started = true;
        const running = produce(sink, signal)
          .catch((error) => {
            if (!signal.aborted) sink.send(errorEvent(error, requestId));
            else logError(error, requestId);
          })
          .finally(() => {
            // Stopped by the app, not the client: the client is still listening, tell it why.
            if (stopped?.aborted && !abort.signal.aborted) sink.send(RESTARTING_EVENT);
            finished = true;
            notify();
          });
        lifecycle?.track(running);
      };
      return {
        async next(): Promise<IteratorResult<ThreadStreamEvent>> {
          if (!started) start();
          while (queue.length === 0 && !finished && !abort.signal.aborted) {
            await new Promise<void>((resolve) => wake = resolve);
          }
          if (queue.length > 0 && !abort.signal.aborted) {
            return { done: false, value: queue.shift()! };
          }
          return { done: true, value: undefined };
        },
        return(): Promise<IteratorResult<ThreadStreamEvent>> {
          queue.length = 0;
          abort.abort();
          finished = true;
          notify();
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

/** Logs a stream failure with its request id (the message never reaches the client). */
export function logError(error: unknown, requestId: string): void {
  log.error("chatkit stream failed", {
    requestId,
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
}

/** Maps a thrown error to an `error` event; unexpected errors are logged, never leaked. */
export function errorEvent(error: unknown, requestId: string): ThreadStreamEvent {
  if (error instanceof CustomStreamError) {
    return { type: "error", code: "custom", message: error.message, allow_retry: error.allowRetry };
  }
  if (error instanceof StreamError) {
    return { type: "error", code: error.code, allow_retry: error.allowRetry };
  }
  if (error instanceof HttpError && error.status < 500) {
    return { type: "error", code: "custom", message: error.message, allow_retry: false };
  }
  logError(error, requestId);
  return { type: "error", code: "stream.error", allow_retry: true };
}
