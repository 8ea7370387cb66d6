/**
 * The HTTP edge: fixed-window limits on model turns (requests the ChatKit request table marks
 * `startsTurn`) and uploads, counted in Postgres (`rate_limits`) so that they hold across
 * instances. One statement counts the request in every window of its caller (per owner, per
 * client network, and per network for visitors without a cookie yet; per minute and per UTC day)
 * and returns the new counts; when the caller is within its limits, a second one counts it
 * against the app-wide model budget (only when one is set).
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { ModelBudgetExhaustedError, TooManyRequestsError } from "../errors.ts";
import { log } from "../log.ts";
import type { FreshContext } from "../fresh/types.ts";
import type { State } from "../state.ts";
import { addressKey, clientAddress } from "./client_address.ts";

/** Limits on model turns (`rateLimit` in `fresh.config.ts`) (`0` turns one off). */
export interface RateLimitSettings {
  /** Per signed-in user or anonymous visitor, per minute. */
  perMinute: number;
  /** Per signed-in user or anonymous visitor, per UTC day. */
  perDay: number;
  /** Per client address (an IPv6 address counts as its /64), per minute. */
  perAddressPerMinute: number;
  /** Per client address, per UTC day. */
  perAddressPerDay: number;
  /**
   * Turns of brand-new visitors (a request without a visitor cookie, which is minted on it), all
   * together per client address, per minute: without it every cookieless request would be a new
   * visitor with a full budget of its own.
   */
  newVisitorsPerAddressPerMinute: number;
  /** The same, per UTC day. */
  newVisitorsPerAddressPerDay: number;
  /** Model turns of the whole app (every caller together), per minute (`0`: no budget). */
  globalPerMinute: number;
  /** The same, per UTC day. */
  globalPerDay: number;
}

/** Defaults used for keys that `fresh.config.ts` leaves out. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  perMinute: 60,
  perDay: 1000,
  perAddressPerMinute: 300,
  perAddressPerDay: 5000,
  newVisitorsPerAddressPerMinute: 10,
  newVisitorsPerAddressPerDay: 100,
  globalPerMinute: 0,
  globalPerDay: 0,
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

/** Who is asking for a turn. */
export interface Caller {
  /** The owner id (user or visitor). */
  owner: string;
  /** The client's address, when known. */
  address?: string;
  /** True when the visitor's cookie is minted by this very request (it came without one). */
  newVisitor?: boolean;
}

/** The caller of a request, as `routes/_middleware.ts` resolved it. */
export function callerOf(ctx: FreshContext<State>): Caller {
  const { trustProxy } = ctx.state.services.config.auth;
  return {
    owner: ctx.state.owner,
    address: clientAddress(ctx.req, ctx.info, trustProxy),
    newVisitor: ctx.state.newVisitor === true,
  };
}

/** The key of the app-wide model budget in `rate_limits`. */
export const GLOBAL_KEY = "global";

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
   * Counts one new turn (or upload) of a caller; throws a 429 with `Retry-After` (seconds until
   * the window that is full starts over) when the caller is over a limit, and a 503 with
   * `Retry-After` when the app's model budget is spent (uploads, `modelTurn: false`, leave the
   * budget alone).
   */
  async hit(caller: Caller, options: { modelTurn?: boolean } = {}): Promise<void> {
    const l = this.limits;
    const windows: Window[] = [
      { key: `owner:${caller.owner}`, period: "minute", limit: l.perMinute },
      { key: `owner:${caller.owner}`, period: "day", limit: l.perDay },
    ];
    const network = caller.address ? addressKey(caller.address) : undefined;
    if (network) {
      windows.push(
        { key: `addr:${network}`, period: "minute", limit: l.perAddressPerMinute },
        { key: `addr:${network}`, period: "day", limit: l.perAddressPerDay },
      );
      if (caller.newVisitor) {
        windows.push(
          { key: `new:${network}`, period: "minute", limit: l.newVisitorsPerAddressPerMinute },
          { key: `new:${network}`, period: "day", limit: l.newVisitorsPerAddressPerDay },
        );
      }
    }
    const over = await this.#count(windows);
    if (over.retryAfter > 0) {
      throw new TooManyRequestsError(
        over.retryAfter,
        over.keys.every((key) => key.startsWith("new:"))
          ? "Too many messages from new visitors on this network: allow cookies, or wait a moment"
          : "Too many messages: wait a moment before sending another",
      );
    }
    if (options.modelTurn === false) return;
    // Only turns the caller's own limits let through count against everyone's budget, so that
    // one caller hammering past its limit cannot spend it for all.
    const spent = await this.#count([
      { key: GLOBAL_KEY, period: "minute", limit: l.globalPerMinute },
      { key: GLOBAL_KEY, period: "day", limit: l.globalPerDay },
    ]);
    if (spent.retryAfter > 0) throw new ModelBudgetExhaustedError(spent.retryAfter);
  }

  /**
   * Counts one hit in each window whose limit is on; returns the keys of the windows over their
   * limit and the seconds until the last of them starts over (0 when none is over).
   */
  async #count(windows: Window[]): Promise<{ retryAfter: number; keys: string[] }> {
    const active = windows.filter((w) => w.limit > 0);
    if (active.length === 0) return { retryAfter: 0, keys: [] };
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
    const keys: string[] = [];
    for (const row of rows) {
      const window = active.find((w) => w.key === row.key && w.period === row.period);
      if (window && row.count > window.limit) {
        retryAfter = Math.max(retryAfter, row.retry);
        keys.push(row.key);
      }
    }
    return { retryAfter, keys };
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
