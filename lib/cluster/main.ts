/**
 * The production entry's start: one app in this process, or (on PostgreSQL, by default one per
 * core) several app workers on one port. `main.ts` and `bench/app_server.ts` call it with their
 * own module URL, which each worker runs again; there `runMain` serves instead of deciding.
 * @module
 */
import { startupFailure } from "../errors.ts";
import { log } from "../log.ts";
import type { SettingsInput } from "../settings.ts";
import { planWorkers, type WorkerSetting } from "./count.ts";
import { supervise } from "./supervisor.ts";
import { isAppWorker, runWorker, type StartServer } from "./worker.ts";

export interface MainOptions {
  /** The entry module's own URL (`import.meta.url`): what every worker runs. */
  entry: string;
  /** `server.workers` of `fresh.config.ts`. */
  workers: WorkerSetting | undefined;
  /** Builds and serves the app (imports it: the supervising thread never does). */
  start: StartServer;
}

/** Serves until SIGINT/SIGTERM, as one process or as supervised workers. */
export async function runMain(options: MainOptions): Promise<void> {
  if (isAppWorker()) return runWorker(options.start);
  let plan;
  try {
    plan = planWorkers({
      env: Deno.env.toObject(),
      setting: options.workers,
      cores: navigator.hardwareConcurrency,
    });
  } catch (error) {
    log.error(startupFailure(error) ?? String(error));
    Deno.exit(1);
  }
  if (plan.reason) log.info("one worker", { reason: plan.reason });
  if (plan.count === 1) {
    const { runUntilSignalled } = await import("../app.ts");
    return runUntilSignalled(() => options.start({}));
  }
  await supervise(options.entry, plan.count);
}

/**
 * The app as production runs it: the environment's config in production mode, the given
 * settings, the generated manifest. Imported when called, so the supervising thread, which only
 * passes this function on, never loads the app.
 */
export function startProduction(settings: SettingsInput): StartServer {
  return async (listen) => {
    const [{ serve }, { loadConfig }, { default: manifest }] = await Promise.all([
      import("../app.ts"),
      import("../config.ts"),
      import("../../fresh.gen.ts"),
    ]);
    return serve({
      config: loadConfig(Deno.env.toObject(), "production"),
      settings,
      manifest,
      ...listen,
    });
  };
}
