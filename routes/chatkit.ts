import { readBodyCapped } from "../lib/chatkit/http.ts";
import { define } from "../lib/state.ts";
import { chatKitContext } from "../lib/chatkit/context.ts";

/**
 * `POST /chatkit`: the ChatKit protocol endpoint (one JSON request in; JSON or an SSE stream
 * out). The body is read with a cap (413 beyond `limits.maxBodyBytes`); other methods get 405.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const chatkit = ctx.state.services.chatkit;
    const body = await readBodyCapped(ctx.req, chatkit.limits.maxBodyBytes);
    return await chatkit.handle(body, {
      ...chatKitContext(ctx),
      // New messages count against the rate limits (429 before any stream starts).
      admit: (type) => ctx.state.services.auth.admitChatKitRequest(ctx, type),
    });
  },
});
