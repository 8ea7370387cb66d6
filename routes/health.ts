import { log } from "../lib/log.ts";
import { define } from "../lib/state.ts";

/**
 * Liveness for load balancers: 200 when the database answers, 503 otherwise. Anyone may ask, so
 * the answer names no detail (the database's error text can carry host names and users); the
 * detail goes to the log.
 */
export const handler = define.handlers({
  async GET(ctx) {
    try {
      await ctx.state.services.db.ping();
      return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
    } catch (error) {
      log.warn("health: database did not answer", {
        requestId: ctx.state.requestId,
        error: error instanceof Error ? error.message : String(error),
      });
      return Response.json({ status: "unavailable", reason: "database unavailable" }, {
        status: 503,
        headers: { "cache-control": "no-store" },
      });
    }
  },
});
