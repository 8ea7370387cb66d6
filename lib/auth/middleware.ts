/**
 * The per-request part of auth, run by `routes/_middleware.ts`: resolves the caller into
 * `ctx.state` (user, session, owner), refuses cross-site cookie requests (403), counts new
 * messages against the rate limits (429 before any stream starts), and gives a new visitor its
 * cookie on the first response.
 * @module
 */
import { readBodyCapped } from "../chatkit/http.ts";
import { errorResponse, HttpError } from "../errors.ts";
import type { FreshContext } from "../fresh/types.ts";
import type { State } from "../state.ts";
import { mutable, setCookies } from "./cookies.ts";
import { SESSION_COOKIES, VISITOR_COOKIES } from "./identity.ts";
import { MESSAGE_REQUEST_TYPES } from "./rate_limit.ts";
import { checkCsrf, clientAddress, ownOrigins } from "./web.ts";

/** Paths whose unsafe requests are checked even without cookies (sign-in CSRF). */
const AUTH_PATHS = /^\/(auth|api\/auth)(\/|$)/;

/** Resolves the caller, enforces CSRF and rate limits, then runs the route. */
export async function authMiddleware(ctx: FreshContext<State>): Promise<Response> {
  const { auth } = ctx.state.services;
  const identity = await auth.resolve(ctx.req);
  ctx.state.owner = identity.owner;
  if (identity.user) ctx.state.user = identity.user;
  if (identity.session) ctx.state.session = identity.session;

  let response: Response;
  try {
    if (identity.cookieAuthenticated || AUTH_PATHS.test(ctx.url.pathname)) {
      checkCsrf(ctx.req, {
        allowedOrigins: auth.allowedOrigins,
        ownOrigins: ownOrigins(ctx.req, ctx.url, auth.baseUrl, auth.trustProxy),
      });
    }
    if (ctx.req.method === "POST" && ctx.url.pathname === "/chatkit") {
      const type = await peekRequestType(ctx.req, ctx.state.services.chatkit.limits.maxBodyBytes);
      if (type && MESSAGE_REQUEST_TYPES.has(type)) {
        await auth.limiter.hit(identity.owner, clientAddress(ctx.req, ctx.info, auth.trustProxy));
      }
    }
    response = mutable(await ctx.next());
  } catch (error) {
    // Our own refusals become their JSON answer here, so that the visitor cookie still goes out.
    if (!(error instanceof HttpError)) throw error;
    response = errorResponse(error, ctx.state.requestId);
  }

  if (identity.newVisitorId) {
    const set = setCookies(response);
    const establishesSession = set.some((c) => SESSION_COOKIES.includes(c.name) && c.value);
    const touchesVisitor = set.some((c) => VISITOR_COOKIES.includes(c.name));
    if (!establishesSession && !touchesVisitor) {
      response.headers.append(
        "set-cookie",
        await auth.newVisitorCookie(ctx.req, identity.newVisitorId),
      );
    }
  }
  if (identity.user || identity.newVisitorId || identity.visitorId) {
    // Answers depend on who asks: never share them between callers in a cache.
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private");
    const vary = response.headers.get("vary");
    if (!vary) response.headers.set("vary", "Cookie, Authorization");
  }
  response.headers.set("x-request-id", ctx.state.requestId);
  return response;
}

/**
 * The `type` of a ChatKit request body, read from a copy of the request (the route reads the
 * original). Undefined when the body is not JSON or too large (the route answers those).
 */
async function peekRequestType(req: Request, maxBytes: number): Promise<string | undefined> {
  if (!req.body) return undefined;
  let body: Uint8Array;
  try {
    body = await readBodyCapped(req.clone(), maxBytes);
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body));
    return typeof parsed?.type === "string" ? parsed.type : undefined;
  } catch {
    return undefined;
  }
}
