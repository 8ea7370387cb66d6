/**
 * Bounded waits for tests. Every wait in the suite goes through here (or through a Playwright
 * wait, which has its own time-out), so that something that never happens fails the test with a
 * sentence saying what never happened, instead of hanging the run.
 *
 * The limits are deadlines for "something is broken", never measurements: they are generous (a
 * loaded 2-core machine must never reach them) and no test asserts how fast anything was.
 * @module
 */

/** Default deadline of a wait, in ms (override the whole suite's with TEST_WAIT_MS). */
export const WAIT_MS = Number(Deno.env.get("TEST_WAIT_MS")) || 20_000;

/** Thrown when a bounded wait runs out. */
export class NeverHappened extends Error {
  override name = "NeverHappened";
}

/**
 * Resolves as `promise` does, or rejects with "never happened within N s: <what>" once `ms`
 * pass. The timer never outlives the wait.
 */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new NeverHappened(`never happened within ${ms / 1000} s: ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Retries `check` until it passes (returns without throwing); after `ms`, fails with
 * `what` and the last assertion error as the cause.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  what = "the check passed",
  ms = WAIT_MS,
): Promise<T> {
  const deadline = performance.now() + ms;
  while (true) {
    try {
      return await check();
    } catch (error) {
      if (performance.now() > deadline) {
        const last = error instanceof Error ? error.message : String(error);
        throw new NeverHappened(`never happened within ${ms / 1000} s: ${what} (last: ${last})`, {
          cause: error,
        });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls `predicate` until it is truthy and returns its value; fails with `what` after `ms`. */
export async function waitUntil<T>(
  predicate: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  ms = WAIT_MS,
): Promise<T> {
  const deadline = performance.now() + ms;
  while (true) {
    const value = await predicate();
    if (value) return value;
    if (performance.now() > deadline) {
      throw new NeverHappened(`never happened within ${ms / 1000} s: ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
