/**
 * How many visitor tokens one client address may mint: fixed windows per minute and per UTC
 * day, counted in the shared `rate_limits` table (key `embed-mint:<address>`, an IPv6 address
 * counted as its /64) so that the limit
 * holds across instances. Re-validating a token the embed already has is not counted.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { TooManyRequestsError } from "../errors.ts";
import { addressKey } from "../http/client_address.ts";

/** Visitor tokens per client address (`0` turns a window off). */
export interface MintLimits {
  perMinute: number;
  perDay: number;
}

export const DEFAULT_MINT_LIMITS: MintLimits = { perMinute: 20, perDay: 500 };

/** Counts one mint from `address`; throws 429 (with Retry-After) over a limit. */
export async function countMint(sql: Sql, address: string, limits: MintLimits): Promise<void> {
  const windows = ([["minute", limits.perMinute], ["day", limits.perDay]] as const)
    .filter(([, limit]) => limit > 0);
  if (windows.length === 0) return;
  const key = `embed-mint:${addressKey(address)}`;
  const rows = await sql<{ period: "minute" | "day"; count: number; retry: number }[]>`
    insert into rate_limits (key, period, window_start, count)
    select ${key}, period, date_trunc(period, now() at time zone 'utc'), 1
    from unnest(${windows.map(([period]) => period)}::text[]) as period
    on conflict (key, period, window_start) do update set count = rate_limits.count + 1
    returning period, count,
      ceil(extract(epoch from (window_start + ('1 ' || period)::interval
        - (now() at time zone 'utc'))))::int as retry`;
  let retryAfter = 0;
  for (const row of rows) {
    const limit = windows.find(([period]) => period === row.period)?.[1] ?? 0;
    if (row.count > limit) retryAfter = Math.max(retryAfter, row.retry);
  }
  if (retryAfter > 0) {
    throw new TooManyRequestsError(retryAfter, "Too many new chat visitors from this address");
  }
}
