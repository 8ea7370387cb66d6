/**
 * Production entry (`deno task start`): config → database → migrations → app → Deno.serve, in
 * one process or, on PostgreSQL, in one worker per core (`WORKERS`, `server.workers`).
 * Uses the prebuilt `_fresh/` bundles when `deno task build` made them, else builds at boot.
 */
import settings from "./fresh.config.ts";
import { runMain } from "./lib/cluster/main.ts";

await runMain({
  entry: import.meta.url,
  workers: settings.server?.workers,
  // Imported here, not above: the thread supervising several workers never loads the app.
  start: async (listen) => {
    const [{ serve }, { loadConfig }, { default: manifest }] = await Promise.all([
      import("./lib/app.ts"),
      import("./lib/config.ts"),
      import("./fresh.gen.ts"),
    ]);
    return serve({
      config: loadConfig(Deno.env.toObject(), "production"),
      settings,
      manifest,
      ...listen,
    });
  },
});
