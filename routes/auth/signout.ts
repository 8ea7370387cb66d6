import { define } from "../../lib/state.ts";

/** `POST /auth/signout`: ends the session (cookie and database row), then back to the start page. */
export const handler = define.handlers({
  async POST(ctx) {
    const headers = new Headers({ location: "/" });
    if (ctx.state.session) {
      const outcome = await ctx.state.services.auth.signOut(ctx);
      if (outcome.ok) {
        for (const c of outcome.headers.getSetCookie()) headers.append("set-cookie", c);
      }
    }
    return new Response(null, { status: 303, headers });
  },
});
