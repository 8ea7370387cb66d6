/**
 * Resident memory of the app idle and under load, and its CPU per turn:
 * `DATABASE_URL=postgres://… deno run -A bench/memory.ts` (a role that may create databases; a
 * scratch database is made and dropped). `C` conversations (default 200) of `K` turns each
 * (default 3), closed loop, against `bench/app_server.ts` and the fake model (16 deltas 25 ms
 * apart). The app starts with the allocator settings of `deno task start` unless `RAW=1`;
 * `WORKERS` and `V8` (V8 flags) pass through. Prints one JSON line.
 * @module
 */
import postgres from "postgres";
import { serveFakeModel } from "./fake_model.ts";
import { cpuMs, freePort, loadAverage, memoryKiB } from "./procs.ts";

const env = Deno.env.toObject();
if (!env.DATABASE_URL) throw new Error("set DATABASE_URL (a role that may create databases)");
const C = Number(env.C ?? 200), K = Number(env.K ?? 3);
const startTask = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)))
  .tasks.start as string;
const allocator = env.RAW
  ? {}
  : Object.fromEntries([...startTask.matchAll(/(?:^|\s)([A-Z_]+)=(\S+)(?=\s)/g)].map((m) => [
    m[1],
    m[2],
  ]));

const admin = postgres(env.DATABASE_URL, { max: 1, onnotice: () => {} });
const name = `chatkit_memory_${Date.now()}`;
await admin.unsafe(`create database ${name}`);
const dbUrl = new URL(env.DATABASE_URL);
dbUrl.pathname = `/${name}`;
const fakePort = freePort();
const fake = serveFakeModel({ tokens: 16, intervalMs: 25, firstDelayMs: 50 }, { port: fakePort });
const port = freePort();
const app = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", ...(env.V8 ? [`--v8-flags=${env.V8}`] : []), "bench/app_server.ts"],
  cwd: new URL("../", import.meta.url).pathname,
  env: {
    ...allocator,
    DATABASE_URL: dbUrl.href,
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    OPENAI_API_KEY: "bench",
    OPENAI_BASE_URL: `http://127.0.0.1:${fakePort}/v1`,
    OPENAI_API: "responses",
    MODEL: "fake-model",
    TITLE_MODEL: "",
    GEMINI_API_KEY: "",
    OPENAI_AGENTS_TRACING: "false",
    LOG_LEVEL: "warn",
    BETTER_AUTH_SECRET: crypto.randomUUID() + crypto.randomUUID(),
  },
  stdout: "null",
  stderr: "inherit",
}).spawn();
const url = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 120_000;
while (true) {
  const up = await fetch(`${url}/health`).then(
    async (r) => (await r.body?.cancel(), r.ok),
    () => false,
  );
  if (up) break;
  if (Date.now() > deadline) throw new Error("the app did not start");
  await new Promise((r) => setTimeout(r, 200));
}

const input = (text: string) => ({
  content: [{ type: "input_text", text }],
  attachments: [],
  inference_options: {},
});
async function turn(cookie: string | undefined, body: unknown) {
  const res = await fetch(`${url}/chatkit`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
  const set = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const text = await res.text();
  if (!text.includes('"type":"assistant_message"')) {
    throw new Error(`turn failed (${res.status}): ${text.slice(0, 300)}`);
  }
  const thread = text.match(/"thread\.created","thread":\{[^}]*?"id":"(thr_[^"]+)"/)?.[1];
  return { cookie: set || cookie, thread };
}

// Warm up, then idle.
for (let i = 0; i < 10; i++) {
  await turn(undefined, { type: "threads.create", params: { input: input("warm") } });
}
await new Promise((r) => setTimeout(r, 3000));
const idle = memoryKiB(app.pid).rss;
let peak = idle;
const sampler = setInterval(() => peak = Math.max(peak, memoryKiB(app.pid).rss), 50);
const cpu0 = cpuMs(app.pid);
const load0 = loadAverage();
let turns = 0;
await Promise.all(Array.from({ length: C }, async (_, i) => {
  await new Promise((r) => setTimeout(r, Math.random() * 400));
  const first = await turn(undefined, {
    type: "threads.create",
    params: { input: input(`hi ${i}`) },
  });
  turns++;
  for (let k = 1; k < K; k++) {
    await turn(first.cookie, {
      type: "threads.add_user_message",
      params: { thread_id: first.thread, input: input(`more ${k}`) },
    });
    turns++;
  }
}));
const cpu = cpuMs(app.pid) - cpu0;
clearInterval(sampler);
await new Promise((r) => setTimeout(r, 2000));
const MiB = (kib: number) => Math.round(kib / 1024);
console.log(JSON.stringify({
  workers: env.WORKERS ?? "default",
  allocator,
  v8: env.V8 ?? "",
  conversations: C,
  turns,
  idleMiB: MiB(idle),
  peakMiB: MiB(peak),
  afterMiB: MiB(memoryKiB(app.pid).rss),
  cpuMsPerTurn: +(cpu / turns).toFixed(2),
  load: [load0, loadAverage()],
}));
app.kill("SIGTERM");
await app.status;
await fake.shutdown();
await admin.unsafe(`drop database ${name}`);
await admin.end();
