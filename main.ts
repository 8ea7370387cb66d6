/**
 * Production entry (`deno task start`): config → database → migrations → app → Deno.serve.
 * Uses the prebuilt `_fresh/` bundles when `deno task build` made them, else builds at boot.
 */
import settings from "./fresh.config.ts";
import manifest from "./fresh.gen.ts";
import { exitOnSignals, serve } from "./lib/app.ts";
import { ConfigError, loadConfig } from "./lib/config.ts";
import { MigrationError } from "./lib/db/migrate.ts";
import { log } from "./lib/log.ts";

try {
  const config = loadConfig(Deno.env.toObject(), "production");
  exitOnSignals(await serve({ config, settings, manifest }));
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    log.error(`cannot start: ${error.message}`);
    Deno.exit(1);
  }
  throw error;
}
