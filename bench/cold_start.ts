/**
 * `deno run -A bench/cold_start.ts [runs]`: how long `main.ts` takes from process start to its
 * first `/health` 200, and its resident memory once idle, on a PostgreSQL server (with the
 * `_fresh/` build, as on Deno Deploy) and on the embedded database. Each run is a fresh
 * process; the median and the spread are printed as a Markdown table for BENCHMARKS.md.
 * @module
 */
import { ROOT } from "../lib/app.ts";
import {
  createDatabase,
  startPostgresCluster,
  THROWAWAY_SETTINGS,
} from "../tests/support/postgres_server.ts";
import { cpuMs, memoryKiB } from "./procs.ts";

const RUNS = Number(Deno.args[0] ?? 5);
/** How long the server sits idle before its resident memory is read. */
const IDLE_MS = 3_000;
const SECRET = "cold-start-benchmark-secret-0123456789abcdef";

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

interface Sample {
  healthMs: number;
  /** CPU time (user + system) the process used until then: less sensitive to a busy machine. */
  healthCpuMs: number;
  idleRssMiB: number;
}

async function once(env: Record<string, string>, entry = `${ROOT}main.ts`): Promise<Sample> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      "--allow-sys",
      "--allow-write",
      "--allow-ffi",
      entry,
    ],
    env: {
      ...env,
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BETTER_AUTH_SECRET: SECRET,
      LOG_LEVEL: "error",
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    const deadline = started + 120_000;
    for (;;) {
      if (performance.now() > deadline) throw new Error("no /health 200 within 120 s");
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        await response.body?.cancel();
        if (response.status === 200) break;
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 10));
    }
    const healthMs = performance.now() - started;
    const healthCpuMs = cpuMs(child.pid);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { healthMs, healthCpuMs, idleRssMiB: memoryKiB(child.pid).rss / 1024 };
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${median.toFixed(0)} (${sorted[0].toFixed(0)}–${sorted.at(-1)!.toFixed(0)})`;
}

const hasBuild = await Deno.stat(`${ROOT}_fresh/snapshot.json`).then(() => true, () => false);
if (!hasBuild) throw new Error("run `deno task build` first: Deploy starts from the _fresh/ build");

const cluster = await startPostgresCluster(THROWAWAY_SETTINGS);
const rows: string[] = [];
try {
  const url = await createDatabase(cluster.url, "cold_start");
  // The first start applies the migrations; the measured ones start on a migrated database.
  await once({ DATABASE_URL: url });
  const server: Sample[] = [];
  for (let i = 0; i < RUNS; i++) server.push(await once({ DATABASE_URL: url }));
  rows.push(
    `| PostgreSQL server, \`_fresh/\` build | ${RUNS} | ${
      summary(server.map((s) => s.healthMs))
    } | ${summary(server.map((s) => s.healthCpuMs))} | ${
      summary(server.map((s) => s.idleRssMiB))
    } |`,
  );
  // The same code with esbuild and PGlite imported up front (how every start was before).
  const staticEntry = new URL("./cold_start_static.ts", import.meta.url).pathname;
  const eager: Sample[] = [];
  for (let i = 0; i < RUNS; i++) eager.push(await once({ DATABASE_URL: url }, staticEntry));
  rows.push(
    `| PostgreSQL server, \`_fresh/\` build, esbuild + PGlite imported up front | ${RUNS} | ${
      summary(eager.map((s) => s.healthMs))
    } | ${summary(eager.map((s) => s.healthCpuMs))} | ${summary(eager.map((s) => s.idleRssMiB))} |`,
  );
  const dataDir = await Deno.makeTempDir({ prefix: "chatkit-cold-" });
  try {
    await once({ DATA_DIR: dataDir });
    const embedded: Sample[] = [];
    for (let i = 0; i < RUNS; i++) embedded.push(await once({ DATA_DIR: dataDir }));
    rows.push(
      `| embedded PGlite, \`_fresh/\` build | ${RUNS} | ${
        summary(embedded.map((s) => s.healthMs))
      } | ${summary(embedded.map((s) => s.healthCpuMs))} | ${
        summary(embedded.map((s) => s.idleRssMiB))
      } |`,
    );
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
} finally {
  await cluster.stop();
}
console.log(
  "| start | runs | process start → first /health 200, ms: median (min–max) | " +
    "CPU ms until then | idle RSS, MiB |",
);
console.log("| --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
