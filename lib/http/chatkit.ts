/**
 * The HTTP edge of the ChatKit routes: the protocol server's request context from a route's
 * `ctx`, and its answer (JSON, or a stream of events) written as an HTTP response.
 * @module
 */
import { type PreviewSigner, signEventPreviews, signPreviews } from "../attachments/present.ts";
import type { ChatKitResult, RequestContext } from "../chatkit/server.ts";
import { eventJson, toJson } from "../chatkit/json.ts";
import { readPageContext } from "../embed/page_context.ts";
import type { State } from "../state.ts";
import { jsonResponse } from "./json.ts";
import { sseResponse } from "./sse.ts";

/** The caller, request id, locale and public origin of a request. */
export function chatKitContext(ctx: { req: Request; url: URL; state: State }): RequestContext {
  const out: RequestContext = {
    owner: ctx.state.owner,
    store: ctx.state.store,
    requestId: ctx.state.requestId,
    // The public origin when configured (behind a proxy the request's own may be internal).
    origin: ctx.state.services.config.auth.baseUrl ?? ctx.url.origin,
  };
  const locale = ctx.req.headers.get("accept-language")?.split(",")[0]?.split(";")[0]?.trim();
  if (locale) out.locale = locale;
  const page = readPageContext(ctx.req, ctx.state.embed?.origin);
  if (page) out.page = page;
  return out;
}

/** A protocol value (null keys dropped, protocol §1.4) as a JSON response. */
export function chatKitJson(value: unknown): Response {
  return jsonResponse(toJson(value));
}

/**
 * Writes the server's answer: a JSON body, or an SSE stream of its events. With `sign`, image
 * attachments on their way out get fresh signed preview URLs (lib/attachments/present.ts).
 */
export async function chatKitResponse(
  result: ChatKitResult,
  sign?: PreviewSigner,
): Promise<Response> {
  if (result.type === "json") {
    return chatKitJson(sign ? await signPreviews(result.value, sign) : result.value);
  }
  return sseResponse(sign ? signEventPreviews(result.events, sign) : result.events, eventJson);
}
