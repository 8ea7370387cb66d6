/**
 * The app as `deno task start` runs it (main.ts: production config, the same `serve()`, as many
 * workers as main.ts would start: `WORKERS`, else one per core), with one change for the
 * benchmark: the message rate limits are raised so high they never trigger, since every
 * simulated visitor shares the load generator's address. The limiter still counts every
 * message, so its database cost stays in the measurement. The workers are threads of this one
 * process, so its CPU time and resident memory in /proc cover all of them.
 * @module
 */
import settings from "../fresh.config.ts";
import { runMain, startProduction } from "../lib/cluster/main.ts";

const NEVER = 1_000_000_000;

await runMain({
  entry: import.meta.url,
  workers: settings.server?.workers,
  start: startProduction({
    ...settings,
    rateLimit: {
      perMinute: NEVER,
      perDay: NEVER,
      perAddressPerMinute: NEVER,
      perAddressPerDay: NEVER,
      newVisitorsPerAddressPerMinute: NEVER,
      newVisitorsPerAddressPerDay: NEVER,
    },
  }),
});
