/**
 * Runs before every route, in order:
 * 0. `embedIdentity` — an embed on another site: its Bearer visitor token or grant makes the
 *    caller on the chat routes, without cookies (lib/embed/middleware.ts); then 1. is skipped.
 * 1. `identity` — resolves the caller (session cookie or Bearer token → user; else a signed
 *    visitor cookie, minted on the first visit) into the typed `ctx.state`: `owner`, `user`,
 *    `session`, `newVisitor`, and `store`, the caller's own store view (the one door to the
 *    data). It also puts the visitor's new or renewed cookie, or a renewed session cookie, on
 *    the answer.
 * 2. `csrf` — refuses an unsafe request another site sends with our cookies (403), and any
 *    cross-site POST to the sign-in pages (lib/http/csrf.ts).
 * Request id, security headers and CORS come before, at the edge (lib/http/edge.ts).
 */
import { mutable, setCookies } from "../lib/auth/cookies.ts";
import { SESSION_COOKIES, VISITOR_COOKIES } from "../lib/auth/identity.ts";
import { errorResponse, HttpError } from "../lib/errors.ts";
import type { FreshContext } from "../lib/fresh/types.ts";
import { checkCsrf, ownOrigins } from "../lib/http/csrf.ts";
import { define, type State } from "../lib/state.ts";
import { EMBED_PUBLIC_PATHS, embedIdentity } from "../lib/embed/middleware.ts";

/** Paths whose unsafe requests are checked even without cookies (sign-in CSRF). */
const AUTH_PATHS = /^\/(auth|api\/auth)(\/|$)/;

/**
 * The operator's URLs: the same answer for anyone, from nothing of the caller's. They skip
 * identity, so that they answer while the database is away (a scraper's `Authorization: Bearer`
 * would otherwise be looked up as a session, and fail).
 */
const OPERATOR_PATHS = /^\/(health|metrics)$/;

/** Resolves the caller into `ctx.state`, then runs the rest and sets the caller's cookies. */
async function identity(ctx: FreshContext<State>): Promise<Response> {
  if (ctx.state.embed || OPERATOR_PATHS.test(ctx.url.pathname)) return await ctx.next();
  const { auth, store } = ctx.state.services;
  const caller = await auth.resolve(ctx.req);
  ctx.state.owner = caller.owner;
  ctx.state.store = store.forOwner(caller.owner);
  if (caller.user) ctx.state.user = caller.user;
  if (caller.session) ctx.state.session = caller.session;
  if (caller.cookieAuthenticated) ctx.state.cookieAuthenticated = true;
  if (caller.newVisitorId) ctx.state.newVisitor = true;

  let response: Response;
  try {
    response = mutable(await ctx.next());
  } catch (error) {
    // Our own refusals become their JSON answer here, so that the visitor cookie still goes out.
    if (!(error instanceof HttpError)) throw error;
    response = errorResponse(error, ctx.state.requestId);
  }

  if (caller.renewedCookie) {
    // Unless the route itself set (or cleared) the session cookie, e.g. sign-out.
    const set = setCookies(response);
    if (!set.some((c) => SESSION_COOKIES.includes(c.name))) {
      response.headers.append("set-cookie", caller.renewedCookie);
    }
  }
  if (caller.renewedVisitorCookie && !EMBED_PUBLIC_PATHS.test(ctx.url.pathname)) {
    // Another lifetime for a visitor in use, unless the route signed in or out (it set cookies);
    // never on the public embed answers, which caches may share.
    const set = setCookies(response);
    if (!set.some((c) => SESSION_COOKIES.includes(c.name) || VISITOR_COOKIES.includes(c.name))) {
      response.headers.append("set-cookie", caller.renewedVisitorCookie);
    }
  }
  if (caller.newVisitorId && !EMBED_PUBLIC_PATHS.test(ctx.url.pathname)) {
    const set = setCookies(response);
    const establishesSession = set.some((c) => SESSION_COOKIES.includes(c.name) && c.value);
    const touchesVisitor = set.some((c) => VISITOR_COOKIES.includes(c.name));
    if (!establishesSession && !touchesVisitor) {
      response.headers.append(
        "set-cookie",
        await auth.newVisitorCookie(caller.newVisitorId),
      );
    }
  }
  if (caller.user || caller.newVisitorId || caller.visitorId) {
    // Answers depend on who asks: never share them between callers in a cache.
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private");
    const vary = response.headers.get("vary");
    if (!vary) response.headers.set("vary", "Cookie, Authorization");
  }
  return response;
}

/** Refuses cross-site requests made with our cookies, and cross-site sign-in posts. */
function csrf(ctx: FreshContext<State>): Promise<Response> {
  if (ctx.state.cookieAuthenticated || AUTH_PATHS.test(ctx.url.pathname)) {
    const { auth } = ctx.state.services;
    checkCsrf(ctx.req, {
      allowedOrigins: auth.allowedOrigins,
      ownOrigins: ownOrigins(ctx.req, ctx.url, auth.baseUrl, auth.trustProxy),
    });
  }
  return ctx.next();
}

export const handler = [
  define.middleware(embedIdentity),
  define.middleware(identity),
  define.middleware(csrf),
];
