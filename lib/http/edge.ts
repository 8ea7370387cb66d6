/**
 * The HTTP edge, in the order every request meets it (static files and errors included): a
 * request id (Hono's `requestId()`; a well-formed `X-Request-Id` from a proxy is kept), security
 * headers and CSP (`security_headers.ts`), CORS (`cors.ts`), then the body cap and deadline of
 * every request (`body_guard.ts`). Per-route concerns are called by the routes and middleware
 * themselves: CSRF (`csrf.ts`, in `routes/_middleware.ts`), rate limits (`rate_limit.ts`, in
 * `routes/chatkit.ts`), smaller per-route caps (`body.ts`, `upload.ts`).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { Config } from "../config.ts";
import type { Settings } from "../settings.ts";
import { bodyGuard, bodyRules } from "./body_guard.ts";
import { cors } from "./cors.ts";
import { CHATKIT_CDN, type CspOptions, securityHeaders } from "./security_headers.ts";

/** The edge middleware of the app, outermost first. */
export function edgeMiddleware(config: Config, settings: Settings): MiddlewareHandler[] {
  return [
    requestId(),
    securityHeaders(cspOptions(config, settings)),
    cors({ allowedOrigins: config.auth.allowedOrigins }),
    bodyGuard(bodyRules(settings.limits)),
  ];
}

/**
 * What the app's CSP allows: the ChatKit CDN when the UI uses it, partners, OAuth forms, images
 * from the allowed image domains.
 */
export function cspOptions(config: Config, settings: Settings): CspOptions {
  return {
    chatkitOrigins: chatkitOrigins(settings),
    frameAncestors: config.auth.allowedOrigins,
    formTargets: [
      ...(config.auth.github ? ["https://github.com"] : []),
      ...(config.auth.google ? ["https://accounts.google.com"] : []),
    ],
    imageDomains: settings.chatkit.allowedImageDomains,
  };
}

/**
 * Where the ChatKit web component comes from, when the UI uses it (`chatkit.builtInClient`
 * "always", or `chatkit.ui: false`, never loads it).
 */
function chatkitOrigins(settings: Settings): string[] {
  const { chatkit } = settings;
  if (chatkit.builtInClient === "always") return [];
  const origins = new Set([CHATKIT_CDN]);
  try {
    if (chatkit.scriptUrl) origins.add(new URL(chatkit.scriptUrl).origin);
  } catch { /* a bad URL loads nothing */ }
  return [...origins];
}
