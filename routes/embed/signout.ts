/**
 * `POST /embed/signout`: the embed's sign-out revokes its grant (`Authorization: Bearer`).
 * Idempotent; an unknown token is no error (there is nothing left to revoke).
 */
import { bearerToken } from "../../lib/embed/service.ts";
import { define } from "../../lib/state.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const embed = ctx.state.services.embed;
    const token = bearerToken(ctx.req);
    if (token) await embed.grants.revoke(token);
    return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
  },
});
