/**
 * `deno run -A bench/uploads.ts [count] [megabytes]`: do large uploads hold up other requests
 * on the embedded database? Starts the app on a fresh embedded database (PGlite, as
 * `deno task dev` runs it), sends `count` (default 8) concurrent uploads of `megabytes`
 * (default 10) MB each from one visitor, and polls `GET /health` every 50 ms meanwhile.
 * Prints how long the uploads took and how `/health` answered during them (each request
 * bounded to 10 s). Loopback only; it stops by itself.
 * @module
 */
import settingsFile from "../fresh.config.ts";
import manifest from "../fresh.gen.ts";
import { serve } from "../lib/app.ts";
import { loadConfig } from "../lib/config.ts";
import { log } from "../lib/log.ts";

const count = Number(Deno.args[0] ?? 8);
const megabytes = Number(Deno.args[1] ?? 10);
const size = Math.floor(megabytes * 1024 * 1024);

log.setLevel("error");
const dataDir = await Deno.makeTempDir({ prefix: "bench-uploads-" });
const config = loadConfig({
  BETTER_AUTH_SECRET: "bench-secret-not-for-production-0123456789abcdef",
  DATA_DIR: dataDir,
  PORT: "0",
  HOSTNAME: "127.0.0.1",
}, "development");
const server = await serve({ config, settings: settingsFile, manifest, quiet: true });

try {
  // One visitor: its cookie comes with the first answer.
  const first = await fetch(new URL("/health", server.url));
  await first.body?.cancel();
  const probe = await fetch(new URL("/chatkit", server.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "threads.list", params: {} }),
  });
  const cookie = probe.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  await probe.body?.cancel();

  const text = new Uint8Array(size).map((_, i) => 97 + (i % 26));
  let uploading = true;
  const health: { ms: number; status: number }[] = [];
  const poll = (async () => {
    while (uploading) {
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(new URL("/health", server.url), {
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.body?.cancel();
      } catch {
        status = -1;
      }
      health.push({ ms: performance.now() - t0, status });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();

  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: count }, async (_, i) => {
    const form = new FormData();
    form.append("file", new File([text], `big-${i}.txt`, { type: "text/plain" }));
    const res = await fetch(new URL("/chatkit/upload", server.url), {
      method: "POST",
      headers: { cookie },
      body: form,
      signal: AbortSignal.timeout(120_000),
    });
    await res.body?.cancel();
    return res.status;
  }));
  const uploadMs = performance.now() - t0;
  uploading = false;
  await poll;

  const times = health.map((h) => h.ms).sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  const bad = health.filter((h) => h.status !== 200).length;
  const out = {
    uploads: `${count} × ${megabytes} MB`,
    statuses: results.join(","),
    uploadMs: Math.round(uploadMs),
    healthRequests: health.length,
    healthNon200: bad,
    healthP50Ms: Math.round(pct(0.5)),
    healthP95Ms: Math.round(pct(0.95)),
    healthMaxMs: Math.round(times.at(-1) ?? 0),
    rssMB: Math.round(Deno.memoryUsage().rss / 1024 / 1024),
  };
  console.log(JSON.stringify(out));
} finally {
  await server.shutdown();
  await Deno.remove(dataDir, { recursive: true }).catch(() => {});
}
