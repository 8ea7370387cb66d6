/**
 * The embed feature: the assistant on other sites (`/embed.js`), its identity without cookies,
 * and the sign-in hand-over. Routes reach the service through `embedService()`.
 * @module
 */
import type { Config } from "../config.ts";
import type { Database } from "../db/mod.ts";
import type { Settings } from "../settings.ts";
import { EmbedService } from "./service.ts";
import { type EmbedSettings, resolveEmbedSettings } from "./settings.ts";

export { EmbedService } from "./service.ts";
export type { EmbedIdentity, EmbedResolution } from "./service.ts";

const services = new WeakMap<object, EmbedService>();

/** The embed service of an app's services (built on first use). */
export function embedService(
  owner: { config: Config; settings: Settings; db: Database },
): EmbedService {
  let service = services.get(owner);
  if (!service) {
    const settings = (owner.settings as { embed?: Partial<EmbedSettings> }).embed;
    service = new EmbedService({
      sql: owner.db.sql,
      secret: owner.config.secret ?? "",
      allowedOrigins: owner.config.auth.allowedOrigins,
      settings: resolveEmbedSettings(settings),
    });
    services.set(owner, service);
  }
  return service;
}
