/**
 * How long-running work learns that the app is stopping, and how the app waits for it. A
 * streaming turn listens to `signal`: when the drain deadline passes, the app aborts it, the turn
 * stops like a client disconnect (partial answer and "cancelled" note saved) and ends its
 * stream, and the app waits for that saving (`track`) before it closes the database.
 * @module
 */

/** The app's stop signal and the work it must wait for. */
export class Shutdown {
  readonly #controller = new AbortController();
  readonly #work = new Set<Promise<unknown>>();

  /** Aborts when the app gives up waiting for in-flight work to finish on its own. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Work that must finish (or fail) before the database closes. Returns `work`. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(() => {}, () => {});
    this.#work.add(settled);
    settled.then(() => this.#work.delete(settled));
    return work;
  }

  /** How many tracked pieces of work are still running. */
  get running(): number {
    return this.#work.size;
  }

  /**
   * Aborts `signal` and waits for the tracked work, at most `ms`. Resolves true when all of it
   * ended in time.
   */
  async stop(ms: number): Promise<boolean> {
    this.#controller.abort(new Error("the server is shutting down"));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
    try {
      while (this.#work.size > 0) {
        const all = Promise.all([...this.#work]).then(() => true as const);
        if (!await Promise.race([all, deadline])) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }
}
