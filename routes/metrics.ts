import { define } from "../lib/state.ts";
import { peerSnapshots, registry, render } from "../lib/metrics/mod.ts";

/** Compares without an early exit, so the time taken says nothing about the token. */
async function sameToken(given: string, expected: string): Promise<boolean> {
  const hash = async (text: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([hash(given), hash(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Prometheus metrics of the whole app (every worker's, added up: counters and gauges summed,
 * histograms bucket by bucket; `chatkit_workers` says how many answered), for a scraper holding `METRICS_TOKEN`
 * (`Authorization: Bearer <token>`). Without the variable the URL does not exist.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const expected = ctx.state.services.config.metricsToken;
    if (!expected) {
      return Response.json({ error: { code: "not_found", message: "Not found" } }, {
        status: 404,
      });
    }
    const given = ctx.req.headers.get("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1] ?? "";
    if (!given || !(await sameToken(given, expected))) {
      return Response.json(
        { error: { code: "unauthorized", message: "A valid metrics token is required" } },
        { status: 401, headers: { "www-authenticate": 'Bearer realm="metrics"' } },
      );
    }
    const others = await peerSnapshots();
    return new Response(render([registry.snapshot(), ...others]), {
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  },
});
