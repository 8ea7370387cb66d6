import { define } from "../lib/state.ts";

/** Liveness for load balancers: 200 when the database answers, 503 with the reason otherwise. */
export const handler = define.handlers({
  async GET(ctx) {
    try {
      await ctx.state.services.db.ping();
      return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      const reason = `database did not answer: ${error instanceof Error ? error.message : error}`;
      return Response.json({ status: "unavailable", reason }, {
        status: 503,
        headers: { "cache-control": "no-store" },
      });
    }
  },
});
