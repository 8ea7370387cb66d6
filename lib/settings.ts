import type { AgentSettings } from "./agent/settings.ts";
import type { AuthSettings } from "./auth/settings.ts";
import type { RateLimitSettings } from "./http/rate_limit.ts";
import type { ChatKitLimits } from "./chatkit/limits.ts";
import type { ChatKitSettingsInput } from "./chatkit_client/settings.ts";
import type { EmbedSettings } from "./embed/settings.ts";

/**
 * The type of `fresh.config.ts`, the one file where a developer changes the app's behaviour:
 * the site, and (as features land) theme, prompts, agent and limits.
 * @module
 */

/** The app's settings. Each feature adds its own section. */
export interface Settings {
  site: {
    /** Shown in the page title and header. */
    title: string;
    /** The page's meta description. */
    description: string;
  };
  /** Request and upload limits of `/chatkit` (unset keys keep their defaults). */
  limits?: Partial<ChatKitLimits>;
  /** The assistant: name, instructions, model settings, history budget, titles (unset keys keep their defaults). */
  agent?: AgentSettings;
  /** The chat widget: chatkit.js URL, built-in client, theme, start screen, composer, history. */
  chatkit?: ChatKitSettingsInput;
  /** Sign-in options (see `lib/auth/settings.ts`). */
  auth?: AuthSettings;
  /** The assistant on other sites (`/embed.js`): widget defaults, token lifetimes and limits. */
  embed?: Partial<EmbedSettings>;
  /** Limits on new messages, per owner and per client address (env variables override them). */
  rateLimit?: Partial<RateLimitSettings>;
}

/**
 * Typed identity for `fresh.config.ts`.
 * @example
 * ```ts
 * export default defineConfig({ site: { title: "My chat", description: "…" } });
 * ```
 */
export function defineConfig(settings: Settings): Settings {
  return settings;
}
