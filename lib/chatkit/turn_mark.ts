/**
 * One turn per thread at a time, across instances. A turn-starting request marks its thread
 * ("turn in progress": the turn's id and an expiry) in the statement that loads the thread; a
 * second one meanwhile gets 409 and changes nothing. The running turn renews the mark and clears
 * it when its producer ends, however it ends (done, error, client gone, cancel, shutdown). The
 * mark is not a lock held for the stream: that would pin a pooled connection per stream and
 * stall the embedded database's single one. A mark whose instance died expires by itself.
 * @module
 */
import { isTransientDatabaseError, withRetry } from "../db/retry.ts";
import { NotFoundError, TurnInProgressError } from "../errors.ts";
import { log } from "../log.ts";
import type { OwnerStore, TurnStamp } from "../store/mod.ts";
import type { Producer } from "./stream.ts";
import type { ThreadMetadata } from "./types.ts";

/**
 * How long a mark holds without renewal, and how often a running turn renews it. After a crash
 * the thread refuses new turns for at most `ttlMs`; a turn misses two renewals (a stalled event
 * loop, a slow database) before its mark could lapse.
 */
export const TURN_MARK_TIMING = { ttlMs: 30_000, renewMs: 10_000 };

/** The mark of one turn-starting request (made by the server for each such request). */
export class TurnMark {
  readonly stamp: TurnStamp;
  readonly #store: OwnerStore;
  readonly #renewMs: number;
  #threadId?: string;
  #ended?: Promise<void>;

  constructor(store: OwnerStore, timing = TURN_MARK_TIMING) {
    this.#store = store;
    this.stamp = { id: crypto.randomUUID(), ttlMs: timing.ttlMs };
    this.#renewMs = timing.renewMs;
  }

  /** Loads the thread and marks it (one statement): 404 when unknown, 409 when a turn runs. */
  async claim(threadId: string): Promise<ThreadMetadata> {
    const found = await this.#store.claimThread(threadId, this.stamp);
    if (!found) throw new NotFoundError("Thread not found");
    if (!found.claimed) throw new TurnInProgressError();
    this.#threadId = threadId;
    return found.thread;
  }

  /** A new thread inserted with `stamp` (threads.create): its mark is this turn's to end. */
  adopt(threadId: string): void {
    this.#threadId = threadId;
  }

  /** `produce` with the mark renewed while it runs and cleared when it ends. */
  around(produce: Producer): Producer {
    return async (sink, signal) => {
      const timer = setInterval(() => this.#renew(), this.#renewMs);
      try {
        await produce(sink, signal);
      } finally {
        clearInterval(timer);
        await this.end();
      }
    };
  }

  /** Clears the mark (once); for a request refused or dropped before its stream started too. */
  end(): Promise<void> {
    const threadId = this.#threadId;
    if (!threadId) return Promise.resolve();
    const store = this.#store;
    const { id, ttlMs } = this.stamp;
    this.#ended ??= store.endTurn(threadId, id).catch((error) => {
      log.warn("turn mark not cleared", { threadId, error: messageOf(error) });
      // The database is away: the stream ends now, and the mark is cleared once it is back (or
      // expires by itself), so that the thread takes turns again as soon as it can.
      if (!isTransientDatabaseError(error)) return;
      withRetry("clear turn mark", () => store.endTurn(threadId, id), { budgetMs: ttlMs })
        .catch(() => {});
    });
    return this.#ended;
  }

  #renew(): void {
    const threadId = this.#threadId;
    if (!threadId || this.#ended) return;
    this.#store.renewTurn(threadId, this.stamp).then((held) => {
      if (!held) log.warn("turn mark lapsed before the turn ended", { threadId });
    }, (error) => log.warn("turn mark not renewed", { threadId, error: messageOf(error) }));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
