/**
 * The HTTP edge: fixed-window limits on model turns (requests the ChatKit request table marks
 * `startsTurn`), counted in Postgres (`rate_limits`) so that they hold across instances. One statement counts the request in every window it belongs to (per owner
 * and per client address, per minute and per UTC day) and returns the new counts.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { TooManyRequestsError } from "../errors.ts";
import { log } from "../log.ts";

/** Limits on model turns (`rateLimit` in `fresh.config.ts`) (`0` turns one off). */
export interface RateLimitSettings {
  /** Per signed-in user or anonymous visitor, per minute. */
  perMinute: number;
  /** Per signed-in user or anonymous visitor, per UTC day. */
  perDay: number;
  /** Per client address, per minute. */
  perAddressPerMinute: number;
  /** Per client address, per UTC day. */
  perAddressPerDay: number;
}

/** Defaults used for keys that `fresh.config.ts` leaves out. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  perMinute: 60,
  perDay: 1000,
  perAddressPerMinute: 300,
  perAddressPerDay: 5000,
};

/** The effective limits: defaults, then `fresh.config.ts`, then environment overrides. */
export function rateLimitsOf(
  ...sources: (Partial<Record<keyof RateLimitSettings, number | undefined>> | undefined)[]
): RateLimitSettings {
  const out = { ...DEFAULT_RATE_LIMITS };
  for (const source of sources) {
    for (const [key, value] of Object.entries(source ?? {})) {
      if (typeof value === "number") out[key as keyof RateLimitSettings] = value;
    }
  }
  return out;
}

type Period = "minute" | "day";

interface Window {
  key: string;
  period: Period;
  limit: number;
}

const CLEANUP_EVERY_MS = 60 * 60 * 1000;

/** Counts model turns and refuses those over a limit. */
export class RateLimiter {
  readonly limits: RateLimitSettings;
  #sql: Sql;
  #lastCleanup = 0;

  constructor(sql: Sql, limits: RateLimitSettings) {
    this.#sql = sql;
    this.limits = limits;
  }

  /**
   * Counts one new message of `owner` from `address` (when known); throws a 429 with
   * `Retry-After` (seconds until the window that is full starts over) when over a limit.
   */
  async hit(owner: string, address: string | undefined): Promise<void> {
    const windows: Window[] = [
      { key: `owner:${owner}`, period: "minute", limit: this.limits.perMinute },
      { key: `owner:${owner}`, period: "day", limit: this.limits.perDay },
    ];
    if (address) {
      windows.push(
        { key: `addr:${address}`, period: "minute", limit: this.limits.perAddressPerMinute },
        { key: `addr:${address}`, period: "day", limit: this.limits.perAddressPerDay },
      );
    }
    const active = windows.filter((w) => w.limit > 0);
    if (active.length === 0) return;
    const rows = await this.#sql<{ key: string; period: Period; count: number; retry: number }[]>`
      with input (key, period) as (
        select * from unnest(${active.map((w) => w.key)}::text[], ${
      active.map((w) => w.period)
    }::text[])
      )
      insert into rate_limits (key, period, window_start, count)
      select key, period, date_trunc(period, now() at time zone 'utc'), 1 from input
      on conflict (key, period, window_start) do update set count = rate_limits.count + 1
      returning key, period, count,
        ceil(extract(epoch from (window_start + ('1 ' || period)::interval
          - (now() at time zone 'utc'))))::int as retry`;
    this.#cleanup();
    let retryAfter = 0;
    for (const row of rows) {
      const window = active.find((w) => w.key === row.key && w.period === row.period);
      if (window && row.count > window.limit) retryAfter = Math.max(retryAfter, row.retry);
    }
    if (retryAfter > 0) {
      throw new TooManyRequestsError(
        retryAfter,
        "Too many messages: wait a moment before sending another",
      );
    }
  }

  /** Drops windows that ended more than a day ago (at most once an hour per instance). */
  #cleanup(): void {
    const now = Date.now();
    if (now - this.#lastCleanup < CLEANUP_EVERY_MS) return;
    this.#lastCleanup = now;
    this.#sql`delete from rate_limits
      where window_start < (now() at time zone 'utc') - interval '2 days'`
      .execute()
      .catch((error) => log.warn("rate limit cleanup failed", { error }));
  }
}
