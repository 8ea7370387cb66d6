/**
 * A store view whose writes ride out a short database outage (a restart, a failover, a dropped
 * connection): each write is retried with backoff (`lib/db/retry.ts`) while the error is about
 * reaching the database, within one time budget shared by all writes of the view — a streaming
 * request makes one view, so a turn waits at most that long in all before its user is told.
 * When the budget is spent the write fails with `SaveFailedError`, whose message says that what
 * was written on screen was not saved. A statement error is thrown at once, as before; on the
 * embedded database (one in-process connection) only those occur, so nothing is retried there.
 *
 * The writes retried may safely run twice: upserts, deletes, and inserts of a new id that take
 * their own earlier success as success (`createThread`, `addThreadItem`).
 * @module
 */
import { CustomStreamError } from "../chatkit/errors.ts";
import { isTransientDatabaseError, withRetry } from "../db/retry.ts";
import { log } from "../log.ts";
import type { OwnerStore } from "./contract.ts";

const WRITES = new Set<string>([
  "createThread",
  "addThreadItem",
  "saveItem",
  "saveThread",
  "deleteThreadItem",
  "deleteItemsAfter",
]);

/** A write given up on: the database stayed unreachable for the whole budget. */
export class SaveFailedError extends CustomStreamError {
  constructor(cause: unknown) {
    super(
      "The database could not be reached, so this exchange was not saved. Try again in a moment.",
      { allowRetry: true },
    );
    this.name = "SaveFailedError";
    this.cause = cause;
  }
}

/** `store` with its writes retried for at most `budgetMs` in all. */
export function retryingStore(store: OwnerStore, budgetMs: number): OwnerStore {
  let spentMs = 0;
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      // Called on the store itself: its methods use private fields.
      if (typeof key !== "string" || !WRITES.has(key)) return value.bind(target);
      return async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await withRetry(key, () => value.apply(target, args), {
            budgetMs: Math.max(0, budgetMs - spentMs),
          });
        } catch (error) {
          if (!isTransientDatabaseError(error)) throw error;
          log.error("database write given up", {
            what: key,
            error: error instanceof Error ? error.message : String(error),
          });
          throw new SaveFailedError(error);
        } finally {
          spentMs += performance.now() - started;
        }
      };
    },
  });
}
