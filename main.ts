/**
 * Production entry (`deno task start`): config → database → migrations → app → Deno.serve.
 * Uses the prebuilt `_fresh/` bundles when `deno task build` made them, else builds at boot.
 */
import settings from "./fresh.config.ts";
import manifest from "./fresh.gen.ts";
import { runUntilSignalled, serve } from "./lib/app.ts";
import { loadConfig } from "./lib/config.ts";

await runUntilSignalled(() =>
  serve({ config: loadConfig(Deno.env.toObject(), "production"), settings, manifest })
);
