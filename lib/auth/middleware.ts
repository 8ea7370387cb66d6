/**
 * The per-request part of auth, run by `routes/_middleware.ts`: resolves the caller into
 * `ctx.state` (user, session, owner), refuses cross-site cookie requests (403), and gives a new
 * visitor its cookie on the first response. (New ChatKit messages are counted against the rate
 * limits by `AuthService.admitTurn`, once `/chatkit` has parsed the body and the request table
 * says it starts a model turn.)
 * @module
 */
import { errorResponse, HttpError } from "../errors.ts";
import type { FreshContext } from "../fresh/types.ts";
import type { State } from "../state.ts";
import { mutable, setCookies } from "./cookies.ts";
import { SESSION_COOKIES, VISITOR_COOKIES } from "./identity.ts";
import { checkCsrf, ownOrigins } from "./web.ts";

/** Paths whose unsafe requests are checked even without cookies (sign-in CSRF). */
const AUTH_PATHS = /^\/(auth|api\/auth)(\/|$)/;

/** Resolves the caller, enforces CSRF, then runs the route. */
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
    response = mutable(await ctx.next());
  } catch (error) {
    // Our own refusals become their JSON answer here, so that the visitor cookie still goes out.
    if (!(error instanceof HttpError)) throw error;
    response = errorResponse(error, ctx.state.requestId);
  }

  if (identity.renewedCookie) {
    // Unless the route itself set (or cleared) the session cookie, e.g. sign-out.
    const set = setCookies(response);
    if (!set.some((c) => SESSION_COOKIES.includes(c.name))) {
      response.headers.append("set-cookie", identity.renewedCookie);
    }
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
