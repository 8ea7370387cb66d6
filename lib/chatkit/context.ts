/**
 * Builds the ChatKit request context from a route's `ctx`.
 * @module
 */
import type { State } from "../state.ts";
import type { RequestContext } from "./server.ts";

/** The caller, request id, locale and public origin of a request. */
export function chatKitContext(ctx: { req: Request; url: URL; state: State }): RequestContext {
  const out: RequestContext = {
    owner: ctx.state.owner,
    requestId: ctx.state.requestId,
    // The public origin when configured (behind a proxy the request's own may be internal).
    origin: ctx.state.services.config.auth.baseUrl ?? ctx.url.origin,
  };
  const locale = ctx.req.headers.get("accept-language")?.split(",")[0]?.split(";")[0]?.trim();
  if (locale) out.locale = locale;
  return out;
}
