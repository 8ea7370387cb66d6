/**
 * The long-lived parts of the app, built once at boot and handed to every request through
 * `ctx.state.services`. Each feature adds its service here.
 * @module
 */
import type { Config } from "./config.ts";
import type { Database } from "./db/mod.ts";
import type { Settings } from "./settings.ts";

export interface Services {
  config: Config;
  settings: Settings;
  db: Database;
}

/** Builds the services from the parsed environment, the settings and the open database. */
export function createServices(
  config: Config,
  settings: Settings,
  db: Database,
): Promise<Services> {
  return Promise.resolve({ config, settings, db });
}
