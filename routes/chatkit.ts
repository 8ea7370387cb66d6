import type { ChatKitResult } from "../lib/chatkit/server.ts";
import { chatKitContext, chatKitResponse } from "../lib/http/chatkit.ts";
import { readBodyCapped } from "../lib/http/body.ts";
import { callerOf } from "../lib/http/rate_limit.ts";
import { define } from "../lib/state.ts";

/**
 * `POST /chatkit`: the ChatKit protocol endpoint (one JSON request in; JSON or an SSE stream
 * out). The body is read with a cap (413 beyond `limits.maxBodyBytes`); a request that starts a
 * model turn counts against the rate limits (429 before any stream starts) and the app's model
 * budget (503 once spent); other methods 405.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { chatkit, limiter, attachments } = ctx.state.services;
    const body = await readBodyCapped(ctx.req, chatkit.limits.maxBodyBytes);
    const request = chatkit.parse(body);
    const context = chatKitContext(ctx);
    let answer: ChatKitResult;
    if (chatkit.startsTurn(request)) {
      // The limit and the request's own checks (thread lookup, …) run side by side, one round
      // trip less before the model call. Safe: a stream handler only reads before it returns,
      // and its stream starts writing when it is first read — never, when the limit refuses.
      const [limited, handled] = await Promise.allSettled([
        limiter.hit(callerOf(ctx)),
        chatkit.handle(request, context),
      ]);
      if (limited.status === "rejected") {
        // The stream is never read: clear the thread's turn mark its handler set.
        if (handled.status === "fulfilled" && handled.value.type === "stream") {
          await handled.value.discard();
        }
        throw limited.reason;
      }
      if (handled.status === "rejected") throw handled.reason;
      answer = handled.value;
    } else {
      answer = await chatkit.handle(request, context);
    }
    // Image previews leave with fresh signed URLs (they work in iframes and embeds).
    const sign = attachments.signer(context.owner, context.origin);
    return await chatKitResponse(answer, sign);
  },
});
