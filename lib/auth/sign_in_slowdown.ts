/**
 * The per-account slow-down of password sign-ins (`sign_in_attempts`, shared by every instance).
 *
 * Keyed by account *and* client address: a hard per-account lockout would let anyone lock a
 * user out by guessing at their account; keyed this way, an attacker's tries slow down only the
 * attacker's own address, while the owner signs in from theirs. better-auth's per-address
 * limiter stops fast guessing at many accounts; this stops slow, patient guessing at one.
 *
 * Every try is counted before the password is checked (in one statement, so parallel tries
 * cannot all slip through on a stale count), and a success clears the row: the answer while
 * slowed down is the same whether the password would have been right or not.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import type { SignInLimits } from "./settings.ts";

/** A try that must wait: seconds until the next one is allowed. */
export interface SlowedDown {
  retryAfterSeconds: number;
}

const CLEANUP_EVERY_MS = 60 * 60 * 1000;
/** Tries are forgotten a day after the last one (or twice the longest wait, if longer). */
const FORGET_AFTER_SECONDS = 24 * 60 * 60;
const encoder = new TextEncoder();

/** The key of an account: SHA-256 (hex) of its email, trimmed and lower-cased. */
export async function accountHash(email: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(email.trim().toLowerCase()));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Counts sign-in tries per account and address, and says when one must wait. */
export class SignInSlowdown {
  readonly #sql: Sql;
  readonly #limits: SignInLimits["perAccount"];
  #lastCleanup = 0;

  constructor(sql: Sql, limits: SignInLimits["perAccount"]) {
    this.#sql = sql;
    this.#limits = limits;
  }

  /**
   * Counts a try at `email` from `address`, or returns how long it must wait (then it is not
   * counted). Tries are forgotten a day after the last one: the next try starts over.
   */
  async attempt(email: string, address: string): Promise<SlowedDown | null> {
    const { freeAttempts, delaySeconds, maxDelaySeconds } = this.#limits;
    if (delaySeconds <= 0) return null;
    const forget = this.#forgetSeconds();
    const hash = await accountHash(email);
    // The wait after the n-th try (n >= freeAttempts): delay * 2^(n - freeAttempts), capped.
    const counted = await this.#sql`
      insert into sign_in_attempts as a (account_hash, address, attempts, last_at)
      values (${hash}, ${address}, 1, now())
      on conflict (account_hash, address) do update set
        attempts = case
          when a.last_at <= now() - make_interval(secs => ${forget}::float8) then 1
          else a.attempts + 1 end,
        last_at = now()
      where a.attempts < ${freeAttempts}::int
        or a.last_at <= now() - make_interval(secs => ${forget}::float8)
        or a.last_at + make_interval(secs => least(
             ${delaySeconds}::float8 * power(2, a.attempts - ${freeAttempts}::int),
             ${maxDelaySeconds}::float8)) <= now()
      returning attempts`;
    this.#cleanup();
    if (counted.length > 0) return null;
    const [row] = await this.#sql<{ retry: number }[]>`
      select ceil(extract(epoch from a.last_at + make_interval(secs => least(
          ${delaySeconds}::float8 * power(2, a.attempts - ${freeAttempts}::int),
          ${maxDelaySeconds}::float8)) - now()))::int as retry
      from sign_in_attempts a
      where a.account_hash = ${hash} and a.address = ${address}`;
    return { retryAfterSeconds: Math.max(1, row?.retry ?? 1) };
  }

  /** A successful sign-in: the account's tries from that address are forgotten. */
  async succeeded(email: string, address: string): Promise<void> {
    await this.#sql`
      delete from sign_in_attempts
      where account_hash = ${await accountHash(email)} and address = ${address}`;
  }

  #forgetSeconds(): number {
    return Math.max(FORGET_AFTER_SECONDS, 2 * this.#limits.maxDelaySeconds);
  }

  /** Drops forgotten rows (at most once an hour per instance). */
  #cleanup(): void {
    const now = Date.now();
    if (now - this.#lastCleanup < CLEANUP_EVERY_MS) return;
    this.#lastCleanup = now;
    this.#sql`delete from sign_in_attempts
      where last_at < now() - make_interval(secs => ${this.#forgetSeconds()}::float8)`
      .execute()
      .catch((error) => log.warn("sign-in attempts cleanup failed", { error }));
  }
}
