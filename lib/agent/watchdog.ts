/**
 * The silence timer of a turn: aborts the run when the provider stays quiet too long, first
 * waiting for its first event (`first_event`), then between events (`idle`).
 * @module
 */
import { ProviderTimeoutError } from "./errors.ts";

/**
 * `touch()` on every event only records the time; the single timer re-arms itself for the
 * remainder when it fires early, so there is one timer per silence period, not one per event.
 */
export class Watchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last = 0;
  #ms = 0;
  #phase: "first_event" | "idle" = "first_event";
  /** The time-out that aborted the run, if one did. */
  fired: ProviderTimeoutError | null = null;

  constructor(readonly controller: AbortController) {}

  /** Starts (or restarts) the timer for a phase. */
  arm(phase: "first_event" | "idle", ms: number) {
    this.stop();
    this.#phase = phase;
    this.#ms = ms;
    this.#last = performance.now();
    this.#schedule(ms);
  }

  /** Records activity; (re)starts the idle phase if the timer is not running. */
  touch(idleMs: number) {
    if (this.#timer === undefined || this.#phase !== "idle") return this.arm("idle", idleMs);
    this.#last = performance.now();
  }

  /** Stops the timer (a local tool is running, or the turn is over). */
  stop() {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number) {
    this.#timer = setTimeout(() => {
      const quiet = performance.now() - this.#last;
      if (quiet < this.#ms) return this.#schedule(this.#ms - quiet);
      this.#timer = undefined;
      this.fired = new ProviderTimeoutError(this.#phase, this.#ms);
      this.controller.abort(this.fired);
    }, Math.max(1, delay));
  }
}
