/**
 * The app as `deno task start` runs it (main.ts: production config, the same `serve()`), with one
 * change for the benchmark: the message rate limits are raised so high they never trigger, since
 * every simulated visitor shares the load generator's address. The limiter still counts every
 * message, so its database cost stays in the measurement.
 * @module
 */
import settings from "../fresh.config.ts";
import manifest from "../fresh.gen.ts";
import { runUntilSignalled, serve } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";

const NEVER = 1_000_000_000;

const config = loadConfig(Deno.env.toObject(), "production");
await runUntilSignalled(() =>
  serve({
    config,
    settings: {
      ...settings,
      rateLimit: {
        perMinute: NEVER,
        perDay: NEVER,
        perAddressPerMinute: NEVER,
        perAddressPerDay: NEVER,
      },
    },
    manifest,
  })
);
