/**
 * Retrying a database write through a short outage (a server restart, a failover, a dropped
 * connection): the statement is tried again with growing pauses until it succeeds, the error is
 * not about the connection, or the time budget is spent. postgres.js opens a new connection for
 * the next attempt by itself. Only for statements that may safely run twice (upserts, inserts of
 * a fixed id that tolerate their own earlier success).
 * @module
 */
import { log } from "../log.ts";

/** How long and how often to retry. */
export interface RetryOptions {
  /** Total time the retries may take, in ms (the first attempt is not counted). */
  budgetMs?: number;
  /** The first pause, in ms; each next one doubles, up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Stops retrying (the last error is thrown). */
  signal?: AbortSignal;
}

/** Enough for a PostgreSQL restart or a Neon compute waking up; short enough for a user. */
const DEFAULTS = { budgetMs: 20_000, firstDelayMs: 200, maxDelayMs: 3_000 };

/** Connection-level codes of postgres.js and of the socket layer. */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs after which the same statement may succeed: connection exceptions (class 08), the
 * server shutting down or starting up (57P01–57P03), serialization failures and deadlocks.
 */
const RETRYABLE_SQLSTATE = /^(08...|57P0[123]|40001|40P01)$/;

/**
 * Whether an error means "the database could not be reached", not "the statement is wrong".
 * `CONNECTION_ENDED` (the app closed its own client) is final.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || RETRYABLE_SQLSTATE.test(code))) {
    return true;
  }
  if (typeof errno === "string" && CONNECTION_CODES.has(errno)) return true;
  // Deno's own socket errors, when they are not wrapped by postgres.js.
  return error instanceof Deno.errors.ConnectionRefused ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.NotConnected;
}

/**
 * Runs `write`, retrying it while it fails with a transient error.
 * @example
 * ```ts
 * await withRetry("save reply", () => store.saveItem(thread.id, item));
 * ```
 */
export async function withRetry<T>(
  what: string,
  write: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const { budgetMs, firstDelayMs, maxDelayMs } = { ...DEFAULTS, ...options };
  const started = performance.now();
  let delay = firstDelayMs;
  for (let attempt = 1;; attempt++) {
    try {
      const result = await write();
      if (attempt > 1) log.info("database write succeeded after retrying", { what, attempt });
      return result;
    } catch (error) {
      const left = budgetMs - (performance.now() - started);
      if (!isTransientDatabaseError(error) || left <= 0 || options.signal?.aborted) throw error;
      // Jitter, so that instances that lost the database together do not return in lockstep.
      const pause = Math.min(delay * (0.75 + Math.random() / 2), left);
      log.warn("database write failed; retrying", {
        what,
        attempt,
        retryInMs: Math.round(pause),
        error: error instanceof Error ? error.message : String(error),
      });
      await sleep(pause, options.signal);
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
