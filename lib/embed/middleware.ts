/**
 * The embed's part of identity (run by `routes/_middleware.ts` before the cookie identity): a
 * visitor token or grant sent as `Authorization: Bearer` by a page of an allowed origin makes
 * the caller on the chat routes — no cookie is read or set then. An embed credential that does
 * not hold there (forged, expired, revoked, another origin) is a 401, never a fresh visitor, so
 * the widget starts over instead of writing into a new owner's threads.
 * @module
 */
import { UnauthorizedError } from "../errors.ts";
import type { FreshContext } from "../fresh/types.ts";
import type { State } from "../state.ts";
import { EMBED_PATHS } from "./tokens.ts";

/** Public embed endpoints: answered the same to everyone, so no visitor cookie is minted. */
export const EMBED_PUBLIC_PATHS = /^\/embed(?:\.js|\/token|\/signout)$/;

/** Resolves an embed's Bearer credential into `ctx.state`, then runs the rest. */
export async function embedIdentity(ctx: FreshContext<State>): Promise<Response> {
  const { embed, store } = ctx.state.services;
  const found = await embed.resolve(ctx.req, ctx.url.pathname);
  if (found.kind === "invalid" && EMBED_PATHS.test(ctx.url.pathname)) {
    throw new UnauthorizedError(
      "This chat's sign-in is no longer valid. Reload the page.",
      "embed_token_invalid",
    );
  }
  if (found.kind !== "ok") return await ctx.next();
  const { identity } = found;
  ctx.state.owner = identity.owner;
  ctx.state.store = store.forOwner(identity.owner);
  ctx.state.embed = { origin: identity.origin };
  if (identity.kind === "embed-user") ctx.state.user = identity.user;
  const response = await ctx.next();
  // Answers depend on who asks: never share them between callers in a cache.
  if (!response.headers.has("cache-control")) response.headers.set("cache-control", "private");
  if (!response.headers.has("vary")) response.headers.set("vary", "Authorization");
  return response;
}
