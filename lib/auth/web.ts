/**
 * The browser-facing rules every response follows: CSRF checks on cookie-authenticated unsafe
 * requests, CORS for `ALLOWED_ORIGINS`, security headers, and the client address.
 * @module
 */
import { ForbiddenError } from "../errors.ts";

/** The ChatKit web component's origin (script and iframe). */
export const CHATKIT_CDN = "https://cdn.platform.openai.com";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The origins this app answers as: where the request was sent, and `BETTER_AUTH_URL`. */
export function ownOrigins(req: Request, url: URL, baseUrl?: string, trustProxy = false): string[] {
  const origins = [url.origin];
  if (baseUrl) origins.push(baseUrl);
  if (trustProxy) {
    const proto = req.headers.get("x-forwarded-proto")?.split(",")[0].trim();
    const host = req.headers.get("x-forwarded-host")?.split(",")[0].trim() ?? url.host;
    if (proto === "http" || proto === "https") origins.push(`${proto}://${host}`);
  }
  return origins;
}

/** Options of the CSRF check. */
export interface CsrfOptions {
  /** Origins allowed besides the app's own (`ALLOWED_ORIGINS`). */
  allowedOrigins: string[];
  /** The app's own origins (see `ownOrigins`). */
  ownOrigins: string[];
}

/**
 * Throws 403 when an unsafe request comes from another site: its `Origin` is neither the app's
 * own nor allowed, or (without `Origin`) its `Sec-Fetch-Site` is `cross-site` or `same-site`.
 * Requests with neither header (non-browser clients) pass. Call it for cookie-authenticated
 * requests only (a Bearer token cannot be sent by another site's page without the page's code).
 */
export function checkCsrf(req: Request, options: CsrfOptions): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  if (origin !== null) {
    if (options.ownOrigins.includes(origin) || options.allowedOrigins.includes(origin)) return;
    throw new ForbiddenError("Cross-site request refused", "cross_site_request");
  }
  const site = req.headers.get("sec-fetch-site");
  if (site === null || site === "same-origin" || site === "none") return;
  throw new ForbiddenError("Cross-site request refused", "cross_site_request");
}

const DEFAULT_ALLOWED_HEADERS = "Content-Type, Authorization, Accept, Accept-Language";
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** True for a CORS preflight request. */
export function isPreflight(req: Request): boolean {
  return req.method === "OPTIONS" && req.headers.has("origin") &&
    req.headers.has("access-control-request-method");
}

/** The answer to a preflight from an allowed origin. */
export function preflightResponse(req: Request, origin: string): Response {
  const requested = req.headers.get("access-control-request-headers")?.trim();
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-credentials": "true",
    "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers": requested && HEADER_LIST.test(requested)
      ? requested
      : DEFAULT_ALLOWED_HEADERS,
    "access-control-max-age": "600",
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  });
  return new Response(null, { status: 204, headers });
}

/** Adds the CORS headers of an allowed origin to a response (never `*`: credentials are allowed). */
export function addCorsHeaders(headers: Headers, origin: string): void {
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-allow-credentials", "true");
  const expose = new Set(
    (headers.get("access-control-expose-headers") ?? "").split(",").map((h) => h.trim())
      .filter(Boolean),
  );
  for (const name of ["retry-after", "x-request-id", "set-auth-token"]) expose.add(name);
  headers.set("access-control-expose-headers", [...expose].join(", "));
  appendVary(headers, "Origin");
}

function appendVary(headers: Headers, name: string): void {
  const current = headers.get("vary");
  if (!current) headers.set("vary", name);
  else if (!current.split(",").some((v) => v.trim().toLowerCase() === name.toLowerCase())) {
    headers.set("vary", `${current}, ${name}`);
  }
}

/** What the Content-Security-Policy depends on. */
export interface CspOptions {
  /** Origins of the ChatKit web component when it is on (script, iframe, connections); else empty. */
  chatkitOrigins: string[];
  /** Pages allowed to frame the app (besides itself). */
  frameAncestors: string[];
  /** Where sign-in forms may send the browser (OAuth providers). */
  formTargets: string[];
}

/** The app's Content-Security-Policy. */
export function contentSecurityPolicy(options: CspOptions): string {
  const cdn = options.chatkitOrigins.map((o) => ` ${o}`).join("");
  return [
    "default-src 'self'",
    `script-src 'self'${cdn}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    `connect-src 'self'${cdn}`,
    `frame-src 'self'${cdn}`,
    "object-src 'none'",
    "base-uri 'self'",
    `form-action 'self'${options.formTargets.map((t) => ` ${t}`).join("")}`,
    `frame-ancestors 'self'${options.frameAncestors.map((o) => ` ${o}`).join("")}`,
  ].join("; ");
}

/** Sets the security headers a response does not set itself. */
export function addSecurityHeaders(headers: Headers, csp: string): void {
  if (!headers.has("content-security-policy")) headers.set("content-security-policy", csp);
  headers.set("x-content-type-options", "nosniff");
  if (!headers.has("referrer-policy")) {
    headers.set("referrer-policy", "strict-origin-when-cross-origin");
  }
}

/**
 * The client's address: the peer address (`ctx.info`), or behind a trusted proxy
 * (`TRUST_PROXY`) the last `X-Forwarded-For` entry (the one the proxy added).
 */
export function clientAddress(
  req: Request,
  info: Deno.ServeHandlerInfo | undefined,
  trustProxy: boolean,
): string | undefined {
  if (trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for")?.split(",").map((s) => s.trim())
      .filter(Boolean).at(-1);
    if (forwarded) return forwarded;
  }
  const addr = info?.remoteAddr as Deno.NetAddr | undefined;
  return addr?.hostname || undefined;
}
