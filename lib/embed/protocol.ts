/**
 * What the embed script and the server agree on: header names, message types of the sign-in
 * popup, the start-up answer and the page context. Browser-safe (no Deno APIs).
 * @module
 */

/** Header with the host page's URL (no query string, no fragment) on each protocol request. */
export const PAGE_URL_HEADER = "x-chatkit-page-url";
/** Header with the host page's title, percent-encoded (headers are ASCII). */
export const PAGE_TITLE_HEADER = "x-chatkit-page-title";

/** Longest page URL and title kept. */
export const MAX_PAGE_URL = 2048;
export const MAX_PAGE_TITLE = 300;

/** The page a message was sent from. */
export interface PageContext {
  url: string;
  title?: string;
}

/** Messages between the widget (on the host page) and our sign-in popup. */
export const POPUP_READY = "deno-chatkit:popup-ready";
export const POPUP_VISITOR = "deno-chatkit:visitor";
export const POPUP_SIGNED_IN = "deno-chatkit:signed-in";
export const POPUP_FAILED = "deno-chatkit:failed";

/** The signed-in user as the embed shows it. */
export interface EmbedUser {
  id: string;
  name: string;
}

/** The body of `POST /embed/token` (sent as `text/plain`, so that no preflight is needed). */
export interface StartRequest {
  /** The visitor token the embed already holds. */
  visitorToken?: string;
  /** The grant from an earlier sign-in, to check that it still holds. */
  grant?: string;
}

/** The answer of `POST /embed/token` on an allowed origin. */
export interface StartResponse {
  visitorToken: string;
  visitorId: string;
  expiresAt: string;
  /** Present when the grant sent is still valid. */
  user?: EmbedUser;
}

/** The answer of `POST /embed/grant` (the popup hands it to the widget). */
export interface GrantResponse {
  token: string;
  expiresAt: string;
  user: EmbedUser;
  /** Threads that moved from the visitor to the account. */
  claimed: number;
}

/** The error code of the refusal any origin can read. */
export const ORIGIN_NOT_ALLOWED = "origin_not_allowed";

/**
 * The page context of a URL: only http(s), without query string and fragment (they may carry
 * personal data and are no part of which page it is), or undefined when it is not a page URL.
 */
export function pageUrl(raw: string): string | undefined {
  if (raw.length > MAX_PAGE_URL * 2) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  const clean = url.origin + url.pathname;
  return clean.length <= MAX_PAGE_URL ? clean : undefined;
}

/** A page title as it is kept: control characters removed, whitespace collapsed, capped. */
export function pageTitle(raw: string): string | undefined {
  // deno-lint-ignore no-control-regex
  const title = raw.replace(/[\u0000-\u001f\u007f]/g, " ").replace(/\s+/g, " ").trim();
  return title ? title.slice(0, MAX_PAGE_TITLE) : undefined;
}

/** What `/embed.js` hands to the bundle it loads (`window.DenoChatKit._boot.config`). */
export interface EmbedBootConfig {
  /** The content-hashed bundle, relative to `/embed.js`. */
  bundle: string;
  /** Widget defaults from `fresh.config.ts` (`embed` section). */
  defaults: import("./settings.ts").EmbedWidgetOptions;
  /** The resolved `chatkit` section (theme, start screen, composer, history). */
  settings: import("../../components/chat/settings.ts").ChatKitSettings;
  /** `CHATKIT_DOMAIN_KEY` when it is set (ChatKit's web component is used only then). */
  domainKey?: string;
  attachments: import("../../components/chat/client/options.ts").AttachmentLimits;
}
