/**
 * The HTTP edge: security headers on every answer (pages, JSON, static files, errors) through
 * Hono's `secureHeaders()`, with the app's Content-Security-Policy. A header a route sets itself
 * wins (e.g. the attachment preview's own sandboxing CSP).
 *
 * Left off on purpose: Cross-Origin-Opener-Policy (a sign-in popup must be able to answer the
 * page that opened it, also an embedding page on another site), Cross-Origin-Resource-Policy
 * (`/embed.js` loads on other sites), X-Frame-Options (`frame-ancestors` lists the partners
 * that may frame the app; SAMEORIGIN would refuse them), and HSTS (the TLS proxy's job).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";

/** The ChatKit web component's origin (script and iframe). */
export const CHATKIT_CDN = "https://cdn.platform.openai.com";

/** What the Content-Security-Policy depends on. */
export interface CspOptions {
  /** Origins of the ChatKit web component when it is on (script, iframe, connections); else empty. */
  chatkitOrigins: string[];
  /** Pages allowed to frame the app (besides itself). */
  frameAncestors: string[];
  /** Where sign-in forms may send the browser (OAuth providers). */
  formTargets: string[];
  /** `chatkit.allowedImageDomains`: hosts (and their subdomains) images may come from. */
  imageDomains?: string[];
}

/**
 * `img-src`: the app's own origin, `data:` (inline images in answers) and `blob:` (the composer's
 * thumbnails of files being attached), plus the allowed image domains with their subdomains.
 * Never `https:` at large: an image URL is a request the page makes without asking, so an
 * answer an injected prompt wrote could leak data through one (the built-in client also shows
 * such images as links).
 */
export function imageSources(domains: string[] = []): string[] {
  const hosts = new Set<string>();
  for (const entry of domains) {
    const domain = entry.toLowerCase().replace(/^\*?\./, "");
    hosts.add(domain);
    hosts.add(`*.${domain}`);
  }
  return ["'self'", "data:", "blob:", ...hosts];
}

/** The CSP directives, in the order they are written. */
export function cspDirectives(options: CspOptions): Record<string, string[]> {
  const cdn = options.chatkitOrigins;
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...cdn],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: imageSources(options.imageDomains),
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'", ...cdn],
    frameSrc: ["'self'", ...cdn],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'", ...options.formTargets],
    frameAncestors: ["'self'", ...options.frameAncestors],
  };
}

/** The app's Content-Security-Policy as one header value. */
export function contentSecurityPolicy(options: CspOptions): string {
  return Object.entries(cspDirectives(options))
    .map(([name, values]) =>
      `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(" ")}`
    )
    .join("; ");
}

/**
 * The security headers middleware.
 * @example
 * ```ts
 * app.use(securityHeaders({ chatkitOrigins: [], frameAncestors: [], formTargets: [] }));
 * ```
 */
export function securityHeaders(options: CspOptions): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: cspDirectives(options),
    referrerPolicy: "strict-origin-when-cross-origin",
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: false,
    crossOriginEmbedderPolicy: false,
    xFrameOptions: false,
    strictTransportSecurity: false,
    overwrite: false,
  });
}
