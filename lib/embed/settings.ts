/**
 * The `embed` section of `fresh.config.ts`: the defaults of `/embed.js` on other sites (each
 * one can be changed per page with a `data-*` attribute on the script tag) and the lifetimes
 * and limits of the embed's tokens. Browser-safe: the widget options travel in `/embed.js`.
 * @module
 */
import { DEFAULT_MINT_LIMITS, type MintLimits } from "./mint_limit.ts";

/** Widget options a host page may set on the script tag. */
export interface EmbedWidgetOptions {
  /** Which bottom corner the launcher sits in. */
  position: "right" | "left";
  /** Unset: the `chatkit.theme.colorScheme` of the site. */
  colorScheme?: "system" | "light" | "dark";
  /** Accent colour (CSS hex); unset: the site's accent. */
  accent?: string;
  /** Start-screen greeting; unset: the site's. */
  greeting?: string;
  /** Open the panel as soon as the page loads. */
  openOnLoad: boolean;
  /** UI locale (e.g. `de-DE`); unset: the browser's. */
  locale?: string;
}

/** The `embed` section. */
export interface EmbedSettings extends EmbedWidgetOptions {
  /** How long an embed visitor's token lasts, in seconds (default 30 days). */
  visitorSeconds: number;
  /** How long a sign-in from an embed lasts, in seconds (default 8 hours; never past the session). */
  grantSeconds: number;
  /** New visitor tokens per client address. */
  mintLimits: MintLimits;
}

export const DEFAULT_EMBED_SETTINGS: EmbedSettings = {
  position: "right",
  openOnLoad: false,
  visitorSeconds: 30 * 24 * 60 * 60,
  grantSeconds: 8 * 60 * 60,
  mintLimits: DEFAULT_MINT_LIMITS,
};

/** Fills unset values with the defaults. */
export function resolveEmbedSettings(input: Partial<EmbedSettings> = {}): EmbedSettings {
  return {
    ...DEFAULT_EMBED_SETTINGS,
    ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
    mintLimits: { ...DEFAULT_MINT_LIMITS, ...input.mintLimits },
  };
}

/** The widget options of the settings (what `/embed.js` carries). */
export function widgetDefaults(settings: EmbedSettings): EmbedWidgetOptions {
  const { position, colorScheme, accent, greeting, openOnLoad, locale } = settings;
  const out: EmbedWidgetOptions = { position, openOnLoad };
  if (colorScheme) out.colorScheme = colorScheme;
  if (accent) out.accent = accent;
  if (greeting) out.greeting = greeting;
  if (locale) out.locale = locale;
  return out;
}
