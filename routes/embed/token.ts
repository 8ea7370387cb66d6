/**
 * `POST /embed/token`: the embed's start-up request. An allowed origin gets its visitor token
 * (the one it sent back when still valid, else a new one, minted under a per-address limit) and
 * learns whether its stored sign-in still holds. Any other origin gets a refusal it can read,
 * and nothing of its request is read or written.
 */
import { clientAddress } from "../../lib/http/client_address.ts";
import { privateJson, readJson, refusal, StartBody } from "../../lib/embed/http.ts";
import { define } from "../../lib/state.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const { services } = ctx.state;
    const embed = services.embed;
    const origin = ctx.req.headers.get("origin");
    if (!embed.allows(origin)) return refusal(origin);
    const body = await readJson(ctx.req, StartBody);
    const address = clientAddress(ctx.req, ctx.info, services.auth.trustProxy);
    return privateJson(await embed.start(origin, body, address));
  },
});
