/**
 * `Settings` come from `fresh.config.ts` — how the app behaves (site, agent, widget, limits);
 * `Config` comes from the environment — secrets and deployment (`lib/config.ts`).
 *
 * `fresh.config.ts` may leave out any key; `resolveSettings` fills the gaps once, at boot, from
 * `DEFAULT_SETTINGS` (the one place the defaults are put together; `fresh.config.ts` shows each
 * of them, which `settings_test.ts` checks). Everything after boot reads the filled `Settings`.
 * A new section: its input type in `SettingsInput`, its filled type in `Settings`, its default
 * in `DEFAULT_SETTINGS`, one line in `resolveSettings`, and its values in `fresh.config.ts`.
 * @module
 */
import {
  type AgentSettings,
  DEFAULT_AGENT_SETTINGS,
  resolveAgentSettings,
  type ResolvedAgentSettings,
} from "./agent/settings.ts";
import {
  type AuthSettings,
  DEFAULT_AUTH_SETTINGS,
  resolveAuthSettings,
  type ResolvedAuthSettings,
} from "./auth/settings.ts";
import { type ChatKitLimits, DEFAULT_LIMITS } from "./chatkit/limits.ts";
import {
  type ChatKitSettings,
  type ChatKitSettingsInput,
  DEFAULT_CHATKIT_SETTINGS,
  resolveChatKitSettings,
} from "../components/chat/settings.ts";
import type { Config } from "./config.ts";
import {
  DEFAULT_EMBED_SETTINGS,
  type EmbedSettings,
  resolveEmbedSettings,
} from "./embed/settings.ts";
import {
  DEFAULT_KNOWLEDGE_SETTINGS,
  type KnowledgeSettings,
  type KnowledgeSettingsInput,
  resolveKnowledgeSettings,
} from "./knowledge/settings.ts";
import { DEFAULT_RATE_LIMITS, type RateLimitSettings, rateLimitsOf } from "./http/rate_limit.ts";
import type { WorkerSetting } from "./cluster/count.ts";

/** How `deno task start` runs the app. */
export interface ServerSettings {
  /**
   * App workers on one port (PostgreSQL only: the embedded database always runs one): "auto"
   * is one per core. `WORKERS` in the environment overrides it.
   */
  workers: WorkerSetting;
}

/** The site's name and description. */
export interface SiteSettings {
  /** Shown in the page title and header. */
  title: string;
  /** The page's meta description. */
  description: string;
}

/** What `fresh.config.ts` gives: every section but `site`, and every key in them, optional. */
export interface SettingsInput {
  site: SiteSettings;
  /** Request and upload limits of `/chatkit`. */
  limits?: Partial<ChatKitLimits>;
  /** The assistant: name, instructions, model settings, history budget, titles. */
  agent?: AgentSettings;
  /** The chat widget: chatkit.js URL, built-in client, theme, start screen, composer, history. */
  chatkit?: ChatKitSettingsInput;
  /** Sign-in options (see `lib/auth/settings.ts`). */
  auth?: AuthSettings;
  /** The assistant on other sites (`/embed.js`): widget defaults, token lifetimes and limits. */
  embed?: Partial<EmbedSettings>;
  /** Limits on model turns, per owner and per client address (env variables override them). */
  rateLimit?: Partial<RateLimitSettings>;
  /** The knowledge base: sources to ingest, chunking, retrieval (see `lib/knowledge/settings.ts`). */
  knowledge?: KnowledgeSettingsInput;
  /** How `deno task start` runs: workers per instance. */
  server?: Partial<ServerSettings>;
}

/** The app's settings with every default filled in (`services.settings`). */
export interface Settings {
  site: SiteSettings;
  limits: ChatKitLimits;
  agent: ResolvedAgentSettings;
  chatkit: ChatKitSettings;
  auth: ResolvedAuthSettings;
  embed: EmbedSettings;
  /** With the environment's overrides applied. */
  rateLimit: RateLimitSettings;
  knowledge: KnowledgeSettings;
  server: ServerSettings;
}

/** Every default (but `site`, which `fresh.config.ts` must give). */
export const DEFAULT_SETTINGS: Omit<Settings, "site"> = {
  limits: DEFAULT_LIMITS,
  agent: DEFAULT_AGENT_SETTINGS,
  chatkit: DEFAULT_CHATKIT_SETTINGS,
  auth: DEFAULT_AUTH_SETTINGS,
  embed: DEFAULT_EMBED_SETTINGS,
  rateLimit: DEFAULT_RATE_LIMITS,
  knowledge: DEFAULT_KNOWLEDGE_SETTINGS,
  server: { workers: "auto" },
};

/**
 * Fills `fresh.config.ts`'s gaps with the defaults (and applies the environment's rate limit
 * overrides). A bad value stops start-up, naming the setting.
 */
export function resolveSettings(
  input: SettingsInput,
  env: Pick<Config, "rateLimit"> = { rateLimit: {} },
): Settings {
  const d = DEFAULT_SETTINGS;
  return {
    site: input.site,
    limits: { ...d.limits, ...defined(input.limits) },
    agent: resolveAgentSettings(input.agent),
    chatkit: resolveChatKitSettings(input.chatkit),
    auth: resolveAuthSettings(input.auth),
    embed: resolveEmbedSettings(input.embed),
    rateLimit: rateLimitsOf(input.rateLimit, env.rateLimit),
    knowledge: resolveKnowledgeSettings(input.knowledge),
    server: { ...d.server, ...defined(input.server) },
  };
}

/**
 * Typed identity for `fresh.config.ts`.
 * @example
 * ```ts
 * export default defineConfig({ site: { title: "My chat", description: "…" } });
 * ```
 */
export function defineConfig(settings: SettingsInput): SettingsInput {
  return settings;
}

/** The keys of `value` whose value is not undefined (so they do not hide defaults). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
