import { chatKitContext, chatKitResponse } from "../lib/http/chatkit.ts";
import { readBodyCapped } from "../lib/http/body.ts";
import { clientAddress } from "../lib/http/client_address.ts";
import { define } from "../lib/state.ts";

/**
 * `POST /chatkit`: the ChatKit protocol endpoint (one JSON request in; JSON or an SSE stream
 * out). The body is read with a cap (413 beyond `limits.maxBodyBytes`); a request that starts a
 * model turn counts against the rate limits (429 before any stream starts); other methods 405.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { chatkit, limiter, config, attachments } = ctx.state.services;
    const body = await readBodyCapped(ctx.req, chatkit.limits.maxBodyBytes);
    const request = chatkit.parse(body);
    if (chatkit.startsTurn(request)) {
      const address = clientAddress(ctx.req, ctx.info, config.auth.trustProxy);
      await limiter.hit(ctx.state.owner, address);
    }
    const context = chatKitContext(ctx);
    // Image previews leave with fresh signed URLs (they work in iframes and embeds).
    const sign = attachments.signer(context.owner, context.origin);
    return await chatKitResponse(await chatkit.handle(request, context), sign);
  },
});
