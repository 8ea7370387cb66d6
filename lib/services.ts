/**
 * The long-lived parts of the app, built once at boot and handed to every request through
 * `ctx.state.services`. Each feature adds its service here.
 * @module
 */
import { createResponder } from "./agent/mod.ts";
import { AuthService } from "./auth/mod.ts";
import type { Responder } from "./chatkit/responder.ts";
import { ChatKitServer } from "./chatkit/server.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/mod.ts";
import type { Settings } from "./settings.ts";
import { PostgresStore } from "./store/mod.ts";

export interface Services {
  config: Config;
  settings: Settings;
  db: Database;
  /** The ChatKit protocol server behind `POST /chatkit` (its `responder` is the assistant). */
  chatkit: ChatKitServer;
  /** The assistant answering each turn (from the provider env vars and `settings.agent`). */
  responder: Responder;
  /** Sign-in, visitors, CSRF/CORS, security headers and rate limits (lib/auth). */
  auth: AuthService;
}

/** Builds the services from the parsed environment, the settings and the open database. */
export function createServices(
  config: Config,
  settings: Settings,
  db: Database,
): Promise<Services> {
  const responder = createResponder(config, settings.agent, { sql: db.sql });
  const chatkit = new ChatKitServer({
    store: new PostgresStore(db.sql),
    limits: settings.limits,
    responder,
  });
  const auth = new AuthService(config, settings, db);
  return Promise.resolve({ config, settings, db, chatkit, responder, auth });
}
