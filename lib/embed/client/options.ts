/**
 * The embed's options: the script tag's `data-*` attributes over the defaults of
 * `fresh.config.ts`. A malformed attribute is ignored (with a console warning), never fatal.
 * @module
 */
import type { ChatKitSettings } from "../../../components/chat/settings.ts";
import type { EmbedWidgetOptions } from "../settings.ts";

/** The options in effect on a host page. */
export interface EmbedOptions extends EmbedWidgetOptions {
  /** A better-auth session token the host passes (`data-session-token`). */
  sessionToken?: string;
}

const HEX_COLOUR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const LOCALE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const SCHEMES = new Set(["system", "light", "dark"]);

function warn(name: string, value: string): void {
  console.warn(`deno-chatkit: ignoring data-${name}="${value}"`);
}

/** Reads the options from the script tag's dataset. */
export function readOptions(
  data: Record<string, string | undefined>,
  defaults: EmbedWidgetOptions,
): EmbedOptions {
  const out: EmbedOptions = { ...defaults };
  const position = data.position;
  if (position !== undefined) {
    if (position === "left" || position === "right") out.position = position;
    else warn("position", position);
  }
  const scheme = data.colorScheme;
  if (scheme !== undefined) {
    if (SCHEMES.has(scheme)) out.colorScheme = scheme as EmbedOptions["colorScheme"];
    else warn("color-scheme", scheme);
  }
  const accent = data.accent;
  if (accent !== undefined) {
    if (HEX_COLOUR.test(accent)) out.accent = accent;
    else warn("accent", accent);
  }
  if (data.greeting !== undefined && data.greeting.trim()) {
    out.greeting = data.greeting.trim().slice(0, 200);
  }
  const openOnLoad = data.openOnLoad;
  if (openOnLoad !== undefined) {
    if (openOnLoad === "" || openOnLoad === "true") out.openOnLoad = true;
    else if (openOnLoad === "false") out.openOnLoad = false;
    else warn("open-on-load", openOnLoad);
  }
  const locale = data.locale;
  if (locale !== undefined) {
    if (LOCALE.test(locale)) out.locale = locale;
    else warn("locale", locale);
  }
  if (data.sessionToken) out.sessionToken = data.sessionToken;
  return out;
}

/**
 * The chat settings on the host page: the site's, with the embed's options applied, the
 * endpoint made absolute, and the built-in client unless ChatKit has a domain key.
 */
export function embedChatSettings(
  settings: ChatKitSettings,
  options: EmbedOptions,
  base: string,
  domainKey: string | undefined,
): ChatKitSettings {
  const out: ChatKitSettings = {
    ...settings,
    apiUrl: new URL(settings.apiUrl, base).href,
    theme: { ...settings.theme, accent: { ...settings.theme.accent } },
    startScreen: { ...settings.startScreen },
  };
  if (!domainKey) out.builtInClient = "always";
  if (options.colorScheme) out.theme.colorScheme = options.colorScheme;
  if (options.accent) out.theme.accent.primary = options.accent;
  if (options.greeting) out.startScreen.greeting = options.greeting;
  if (options.locale) out.locale = options.locale;
  return out;
}
