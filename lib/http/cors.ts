/**
 * The HTTP edge: CORS for `ALLOWED_ORIGINS`, with credentials, never `*`. Hono's `cors()` does
 * the headers; ours only refuses a preflight from any other origin with a readable 403 (Hono's
 * answers it 204 without headers, which a browser reports as a bare network error).
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { cors as honoCors } from "hono/cors";
import { ForbiddenError } from "../errors.ts";

/** Headers a cross-origin page may read on our answers. */
const EXPOSED = ["retry-after", "x-request-id", "set-auth-token"];

/** True for a CORS preflight request. */
export function isPreflight(req: Request): boolean {
  return req.method === "OPTIONS" && req.headers.has("origin") &&
    req.headers.has("access-control-request-method");
}

/**
 * CORS for the given origins: preflights answered (204) and every answer to them tagged;
 * a preflight from another origin refused (403); other requests pass untouched.
 * @example
 * ```ts
 * app.use(cors({ allowedOrigins: ["https://partner.example"] }));
 * ```
 */
export function cors(options: { allowedOrigins: string[] }): MiddlewareHandler {
  const allowed = new Set(options.allowedOrigins);
  const headers = honoCors({
    origin: (origin) => allowed.has(origin) ? origin : null,
    credentials: true,
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    exposeHeaders: EXPOSED,
    maxAge: 600,
  });
  return async function corsMiddleware(c, next) {
    const origin = c.req.header("origin");
    if (origin !== undefined && allowed.has(origin)) return await headers(c, next);
    if (isPreflight(c.req.raw)) {
      throw new ForbiddenError("Origin not allowed", "origin_not_allowed");
    }
    await next();
  };
}
