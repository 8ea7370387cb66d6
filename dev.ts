#!/usr/bin/env -S deno run -A --watch=routes/,islands/,components/,lib/,static/,migrations/,fresh.config.ts
/**
 * Development entry (`deno task dev`): regenerates `fresh.gen.ts`, then serves the app on the
 * embedded database (unless DATABASE_URL is set) with secrets generated once into DATA_DIR.
 * `deno run -A dev.ts build` writes the production bundles to `_fresh/` instead.
 */
import settings from "./fresh.config.ts";
import { CLIENT_SCRIPTS, ROOT, runUntilSignalled, serve } from "./lib/app.ts";
import { loadConfig } from "./lib/config.ts";
import { withDevSecrets } from "./lib/dev_secrets.ts";
import { buildClient, islandFiles, writeSnapshot } from "./lib/fresh/build.ts";
import { writeManifest } from "./lib/fresh/manifest.ts";
import type { Manifest } from "./lib/fresh/types.ts";
import { log } from "./lib/log.ts";

if (await writeManifest(ROOT)) log.info("fresh.gen.ts updated");
// Imported after regeneration so that a new route or island is picked up on this start.
const { default: manifest }: { default: Manifest } = await import("./fresh.gen.ts");

if (Deno.args[0] === "build") {
  const build = await buildClient({
    root: ROOT,
    islands: islandFiles(manifest),
    scripts: CLIENT_SCRIPTS,
    minify: true,
  });
  await writeSnapshot(build, `${ROOT}_fresh`);
  log.info("client bundles written", { dir: "_fresh", files: build.files.size });
} else {
  await runUntilSignalled(
    async () =>
      serve({
        config: await withDevSecrets(loadConfig(Deno.env.toObject(), "development")),
        settings,
        manifest,
      }),
    // `deno task dev` runs this file under --watch.
    { watched: true },
  );
}
