/**
 * Production entry (`deno task start`): config → database → migrations → app → Deno.serve, in
 * one process or, on PostgreSQL, in one worker per core (`WORKERS`, `server.workers`).
 * Uses the prebuilt `_fresh/` bundles when `deno task build` made them, else builds at boot.
 */
import settings from "./fresh.config.ts";
import { runMain, startProduction } from "./lib/cluster/main.ts";

await runMain({
  entry: import.meta.url,
  workers: settings.server?.workers,
  start: startProduction(settings),
});
