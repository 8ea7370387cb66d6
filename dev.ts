#!/usr/bin/env -S deno run -A --watch=routes/,islands/,components/,lib/,static/,migrations/,fresh.config.ts
/**
 * Development entry (`deno task dev`): regenerates `fresh.gen.ts`, then serves the app on the
 * embedded database (unless DATABASE_URL is set) with secrets generated once into DATA_DIR.
 * `deno run -A dev.ts build` writes the production bundles to `_fresh/` instead.
 */
import settings from "./fresh.config.ts";
import { exitOnSignals, ROOT, serve } from "./lib/app.ts";
import { ConfigError, loadConfig } from "./lib/config.ts";
import { MigrationError } from "./lib/db/migrate.ts";
import { withDevSecrets } from "./lib/dev_secrets.ts";
import { buildClient, writeSnapshot } from "./lib/fresh/build.ts";
import { islandName } from "./lib/fresh/islands.ts";
import { writeManifest } from "./lib/fresh/manifest.ts";
import type { Manifest } from "./lib/fresh/types.ts";
import { log } from "./lib/log.ts";

if (await writeManifest(ROOT)) log.info("fresh.gen.ts updated");
// Imported after regeneration so that a new route or island is picked up on this start.
const { default: manifest }: { default: Manifest } = await import("./fresh.gen.ts");

if (Deno.args[0] === "build") {
  const islands = Object.fromEntries(
    Object.keys(manifest.islands).map((
      key,
    ) => [islandName(key), new URL(key, manifest.baseUrl).pathname]),
  );
  const build = await buildClient({ root: ROOT, islands, minify: true });
  await writeSnapshot(build, `${ROOT}_fresh`);
  log.info("client bundles written", { dir: "_fresh", files: build.files.size });
} else {
  try {
    const config = await withDevSecrets(loadConfig(Deno.env.toObject(), "development"));
    exitOnSignals(await serve({ config, settings, manifest }));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof MigrationError) {
      log.error(`cannot start: ${error.message}`);
      Deno.exit(1);
    }
    throw error;
  }
}
