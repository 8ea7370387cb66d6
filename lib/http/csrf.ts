/**
 * The HTTP edge: CSRF checks on unsafe requests a browser sends with our cookies. Hono's `csrf()`
 * only looks at form-encoded bodies; ours also covers the JSON requests of `/chatkit` (a page on
 * another site can send those with the visitor's cookies too).
 * @module
 */
import { ForbiddenError } from "../errors.ts";

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
