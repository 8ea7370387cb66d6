/**
 * `deno task bench [--quick] [--profile]`: measures what deno-chatkit adds to the model's own
 * speed, side by side with raw baselines from the same run, on this machine.
 *
 * It starts everything it needs: a throwaway PostgreSQL cluster (unless `DATABASE_URL` is set),
 * a cheap fake model (bench/fake_model.ts), a minimal SSE relay (bench/relay.ts) and the app in
 * production mode (main.ts), each in its own process so their CPU and memory can be read from
 * /proc. It then drives them over loopback HTTP and prints a Markdown table, one `Summary:` line,
 * and writes JSON + Markdown to bench/results/.
 *
 * `--profile` also records a V8 CPU profile of the app (`--cpu-prof`) and lists where its time
 * went. `--custom-plans` is an experiment: the app's database plans every statement with its
 * values (`plan_cache_mode = force_custom_plan`), never with a generic plan.
 * @module
 */
import postgres from "postgres";
import { readVisitorId, visitorOwner } from "../lib/auth/identity.ts";
import { createDatabase } from "../tests/support/postgres_server.ts";
import {
  CHATKIT_FRAMES,
  type PoolResult,
  RESPONSES_FRAMES,
  runPool,
  streamTurn,
  timedJson,
  type TurnResult,
} from "./load.ts";
import { type BenchCluster, startBenchCluster } from "./postgres.ts";
import {
  freePort,
  loadAverage,
  machine,
  memoryKiB,
  ProcessMeter,
  type Service,
  startDeno,
  withChildren,
} from "./procs.ts";
import freshSettings from "../fresh.config.ts";
import { planWorkers } from "../lib/cluster/count.ts";
import { summarizeProfile } from "./profile.ts";
import { bytes, fmt, ms, ratio, summarize, type Summary } from "./stats.ts";
import { explainStore, type PlanReport, seedStore } from "./store.ts";
import {
  KNOWLEDGE_MODES,
  knowledgeMarkdown,
  type KnowledgeReport,
  knowledgeTarget,
  phaseKnowledge,
} from "./knowledge_phase.ts";

// == settings ===================================================================================

const QUICK = Deno.args.includes("--quick");
const PROFILE = Deno.args.includes("--profile");
/** The `VAR=value` prefixes of the `start` task in deno.json (the C allocator's settings). */
const START_TASK_ENV: Record<string, string> = Object.fromEntries(
  [
    ...(JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url))).tasks
      .start as string)
      .matchAll(/(?:^|\s)([A-Z_]+)=(\S+)(?=\s)/g),
  ].map((m) => [m[1], m[2]]),
);
/** Workers the app on PostgreSQL runs, decided as main.ts does (`WORKERS=1 deno task bench`). */
const APP_WORKERS = planWorkers({
  env: { ...Deno.env.toObject(), DATABASE_URL: "postgres://bench" },
  setting: freshSettings.server?.workers,
  cores: navigator.hardwareConcurrency,
}).count;
/** Experiment: the app's connections plan every statement with its values (no generic plans). */
const CUSTOM_PLANS = Deno.args.includes("--custom-plans");

const MODE = QUICK
  ? {
    name: "quick",
    ttftSamples: 40,
    ttftWarmup: 10,
    embeddedSamples: 20,
    levels: [20, 100],
    turnsPerConversation: 2,
    tokens: 16,
    intervalMs: 25,
    costConversations: 10,
    costTurns: 2,
    costTokens: 64,
    storeThreads: 10_000,
    storeItems: 100_000,
    bigThreadItems: 10_000,
    storeReads: 60,
  }
  : {
    name: "full",
    ttftSamples: 200,
    ttftWarmup: 30,
    embeddedSamples: 100,
    levels: [50, 200, 500],
    turnsPerConversation: 4,
    tokens: 16,
    intervalMs: 25,
    costConversations: 20,
    costTurns: 3,
    costTokens: 64,
    storeThreads: 100_000,
    storeItems: 1_000_000,
    bigThreadItems: 100_000,
    storeReads: 400,
  };

/** First turns of a pool are spread over this long (about one turn). */
const RAMP_MS = MODE.tokens * MODE.intervalMs;

/** Issue 16's targets, and the store and round-trip targets of the first batch. */
const TARGETS = {
  /** Conversations of the throughput and CPU targets (quick mode: its nearest level). */
  throughputAt: 200,
  throughputRatio: 0.9,
  /** p99 added gap between deltas at the top level: at most the relay's plus this. */
  gapOverRelayP99: 25,
  cpuRatio: 1.4,
  /** Added time to first token at this many concurrent conversations, without knowledge. */
  ttftConcurrency: 10,
  ttftOverRelayP50: 3,
  ttftP99: 25,
  embeddedTtftP50: 5,
  idleMbPerWorker: 150,
  peakMbAt200: 300,
  storeP99: 10,
  roundTrips: 6,
};

const RESULTS = new URL("results/", import.meta.url);

// == progress ===================================================================================

const started = performance.now();
function progress(message: string): void {
  const t = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  console.error(`[${t}s] ${message}`);
}

function throttled(label: string): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (done === total || now - last > 2000) {
      last = now;
      progress(`${label}: ${done}/${total} turns`);
    }
  };
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

// == services ===================================================================================

interface Stack {
  cluster?: BenchCluster;
  adminUrl?: string;
  dbUrl: string;
  sql: postgres.Sql;
  admin?: postgres.Sql;
  pgss: boolean;
  fake: Service;
  relay: Service;
  app: Service;
  appUrl: string;
  fakeUrl: string;
  relayUrl: string;
  profileDir?: string;
  dataDir: string;
  secret: string;
}

const cleanups: (() => Promise<void>)[] = [];
async function cleanup(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
}

function randomSecret(): string {
  const buf = new Uint8Array(32);
  crypto.getRandomValues(buf);
  return btoa(String.fromCharCode(...buf));
}

/** Starts the app (bench/app_server.ts, production mode) and waits for `/health`. */
function startApp(
  name: string,
  port: number,
  env: Record<string, string>,
  profileDir?: string,
): Promise<Service> {
  return startDeno(name, new URL("app_server.ts", import.meta.url).pathname, [], {
    port,
    env: {
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      OPENAI_API_KEY: "bench",
      OPENAI_API: "responses",
      MODEL: "fake-model",
      TITLE_MODEL: "",
      GEMINI_API_KEY: "",
      OPENAI_AGENTS_TRACING: "false",
      // The allocator settings `deno task start` gives the app (deno.json), so that its memory
      // is measured as it runs in production.
      ...START_TASK_ENV,
      ...env,
    },
    denoFlags: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
    ready: async (p) => (await fetch(`http://127.0.0.1:${p}/health`).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    })),
    timeoutMs: 120_000,
  });
}

async function startStack(): Promise<Stack> {
  const given = Deno.env.get("DATABASE_URL");
  let cluster: BenchCluster | undefined;
  let dbUrl: string;
  let adminUrl: string | undefined;
  if (given) {
    dbUrl = given;
    progress("using DATABASE_URL (no cluster started)");
  } else {
    progress("starting a throwaway PostgreSQL cluster");
    cluster = await startBenchCluster();
    cleanups.push(() => cluster!.stop());
    adminUrl = cluster.url;
    dbUrl = await createDatabase(cluster.url, "chatkit_bench");
  }
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 2 }));
  const admin = adminUrl ? postgres(adminUrl, { max: 1, onnotice: () => {} }) : undefined;
  if (admin) cleanups.push(() => admin.end({ timeout: 2 }));
  if (CUSTOM_PLANS) {
    const name = new URL(dbUrl).pathname.slice(1);
    await sql.unsafe(`alter database "${name}" set plan_cache_mode = force_custom_plan`);
    progress("experiment: plan_cache_mode = force_custom_plan for the app's database");
  }
  let pgss = false;
  try {
    await (admin ?? sql)`create extension if not exists pg_stat_statements`;
    await (admin ?? sql)`select 1 from pg_stat_statements limit 1`;
    pgss = true;
  } catch (error) {
    progress(`pg_stat_statements unavailable, no round-trip counts: ${error}`);
  }

  progress("starting the fake model and the relay");
  const fake = await startDeno("fake model", new URL("fake_model.ts", import.meta.url).pathname, [
    `--tokens=${MODE.tokens}`,
    `--interval=${MODE.intervalMs}`,
  ]);
  cleanups.push(() => fake.stop());
  const fakeUrl = `http://127.0.0.1:${fake.port}`;
  const relay = await startDeno("relay", new URL("relay.ts", import.meta.url).pathname, [
    `--upstream=${fakeUrl}/v1`,
  ]);
  cleanups.push(() => relay.stop());

  progress("starting the app (production mode)");
  const port = freePort();
  const dataDir = await Deno.makeTempDir({ prefix: "chatkit-bench-data-" });
  cleanups.push(() => Deno.remove(dataDir, { recursive: true }));
  const profileDir = PROFILE ? new URL(`profile-${stamp}/`, RESULTS).pathname : undefined;
  const secret = randomSecret();
  const app = await startApp("app", port, {
    DATABASE_URL: dbUrl,
    DATA_DIR: dataDir,
    BETTER_AUTH_SECRET: secret,
    OPENAI_BASE_URL: `${fakeUrl}/v1`,
  }, profileDir);
  cleanups.push(() => app.stop());
  return {
    cluster,
    adminUrl,
    dbUrl,
    sql,
    admin,
    pgss,
    fake,
    relay,
    app,
    appUrl: `http://127.0.0.1:${port}`,
    fakeUrl,
    relayUrl: `http://127.0.0.1:${relay.port}/relay`,
    profileDir,
    dataDir,
    secret,
  };
}

async function configureFake(s: Stack, settings: Record<string, number>): Promise<void> {
  const res = await fetch(`${s.fakeUrl}/_config`, {
    method: "POST",
    body: JSON.stringify(settings),
  });
  await res.body?.cancel();
}

// == requests ===================================================================================

function userInput(text: string) {
  return { content: [{ type: "input_text", text }], attachments: [], inference_options: {} };
}

const DIRECT_BODY = JSON.stringify({ model: "fake-model", input: "hello", stream: true });

/** A simulated user: an anonymous visitor with its own cookie (and so its own owner id). */
interface Visitor {
  cookie: string;
  owner: string;
}

/** Gets a visitor cookie from the app (a page; /health and /metrics skip identity). */
async function newVisitor(s: Stack): Promise<Visitor> {
  const res = await fetch(`${s.appUrl}/`, { headers: { accept: "text/html" } });
  await res.body?.cancel();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const id = await readVisitorId(
    s.secret,
    new Request(s.appUrl, { headers: { cookie } }),
  );
  if (!id) throw new Error(`no visitor cookie from the app (got "${cookie}")`);
  return { cookie, owner: visitorOwner(id) };
}

async function newVisitors(s: Stack, n: number): Promise<Visitor[]> {
  const out: Visitor[] = [];
  for (let i = 0; i < n; i += 50) {
    out.push(
      ...await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => newVisitor(s))),
    );
  }
  return out;
}

function appTurn(s: Stack, who: Visitor, threadId: string, text: string): Promise<TurnResult> {
  return streamTurn(
    `${s.appUrl}/chatkit`,
    JSON.stringify({
      type: "threads.add_user_message",
      params: { thread_id: threadId, input: userInput(text) },
    }),
    CHATKIT_FRAMES,
    { headers: { cookie: who.cookie } },
  );
}

const directTurn = (s: Stack) =>
  streamTurn(`${s.fakeUrl}/v1/responses`, DIRECT_BODY, RESPONSES_FRAMES);
const relayTurn = (s: Stack) => streamTurn(s.relayUrl, "{}", CHATKIT_FRAMES);

/** Creates one thread through the app (title included) and checks it landed for the visitor. */
async function checkApp(s: Stack, who: Visitor): Promise<void> {
  const result = await streamTurn(
    `${s.appUrl}/chatkit`,
    JSON.stringify({ type: "threads.create", params: { input: userInput("Hello benchmark") } }),
    CHATKIT_FRAMES,
    { keepFirstFrame: true, headers: { cookie: who.cookie } },
  );
  if (!result.ok) throw new Error(`threads.create failed: ${result.error}`);
  const threadId = result.firstFrame?.match(/"id":"(thr_[^"]+)"/)?.[1];
  if (!threadId) throw new Error(`no thread id in ${result.firstFrame}`);
  const rows = await s.sql`select owner_id from threads where id = ${threadId}`;
  if (rows[0]?.owner_id !== who.owner) {
    throw new Error("the created thread is not in the benchmark's database under the visitor");
  }
}

/**
 * One titled, empty thread per owner given (titled: no title request muddles the turns measured).
 */
async function seedConversations(s: Stack, owners: string[]): Promise<string[]> {
  const ids = owners.map(() => `thr_${crypto.randomUUID().replaceAll("-", "")}`);
  await s.sql`
    insert into threads (id, owner_id, title)
    select t.id, t.owner, 'Benchmark conversation'
    from unnest(${ids}::text[], ${owners}::text[]) as t(id, owner)`;
  return ids;
}

// == measurement ================================================================================

interface Meters {
  app: ProcessMeter;
  relay: ProcessMeter;
  fake: ProcessMeter;
  postgres?: ProcessMeter;
  loadgen: ProcessMeter;
  machine: ProcessMeter;
}

type MeterReport = Record<string, { cpuMs: number; cores: number; peakRssMiB: number }>;

function meters(s: Stack): Meters {
  const pg = s.cluster;
  return {
    app: new ProcessMeter("app", () => [s.app.pid]),
    relay: new ProcessMeter("relay", () => [s.relay.pid]),
    fake: new ProcessMeter("fake", () => [s.fake.pid]),
    postgres: pg ? new ProcessMeter("postgres", () => withChildren(pg.pid)) : undefined,
    loadgen: new ProcessMeter("loadgen", () => [Deno.pid]),
    machine: new ProcessMeter("machine", () => [], true),
  };
}

async function measured<T>(s: Stack, fn: () => Promise<T>): Promise<[T, MeterReport]> {
  const m = meters(s);
  const list = Object.values(m).filter((x): x is ProcessMeter => x !== undefined);
  for (const meter of list) meter.start();
  const value = await fn();
  const report: MeterReport = {};
  for (const meter of list) report[meter.name] = meter.stop();
  return [value, report];
}

interface Statement {
  query: string;
  calls: number;
  rows: number;
  walBytes: number;
  meanMs: number;
  maxMs: number;
}

async function resetStatements(s: Stack): Promise<void> {
  if (s.pgss) await (s.admin ?? s.sql)`select pg_stat_statements_reset()`;
}

async function readStatements(s: Stack): Promise<Statement[]> {
  if (!s.pgss) return [];
  const dbName = new URL(s.dbUrl).pathname.slice(1);
  const rows = await (s.admin ?? s.sql)`
    select query, calls::float8 as calls, rows::float8 as rows, wal_bytes::float8 as wal,
           mean_exec_time as mean, max_exec_time as max
    from pg_stat_statements
    where dbid = (select oid from pg_database where datname = ${dbName}) and toplevel
    order by calls desc`;
  return rows
    .map((r) => ({
      query: String(r.query).replace(/\s+/g, " ").trim(),
      calls: r.calls,
      rows: r.rows,
      walBytes: r.wal,
      meanMs: r.mean,
      maxMs: r.max,
    }))
    .filter((r) => !/pg_stat_statements/.test(r.query));
}

interface Cost {
  label: string;
  tokens: number;
  turns: number;
  roundTripsPerTurn: number;
  walBytesPerTurn: number;
  rowsPerTurn: number;
  statements: { query: string; callsPerTurn: number; walBytesPerTurn: number }[];
}

function cost(label: string, tokens: number, turns: number, statements: Statement[]): Cost {
  const sum = (f: (x: Statement) => number) => statements.reduce((n, x) => n + f(x), 0);
  const writes = statements.filter((x) => /^\s*(insert|update|delete|with)/i.test(x.query));
  return {
    label,
    tokens,
    turns,
    roundTripsPerTurn: turns ? sum((x) => x.calls) / turns : NaN,
    walBytesPerTurn: turns ? sum((x) => x.walBytes) / turns : NaN,
    rowsPerTurn: turns ? writes.reduce((n, x) => n + x.rows, 0) / turns : NaN,
    statements: statements.map((x) => ({
      query: x.query.slice(0, 160),
      callsPerTurn: x.calls / turns,
      walBytesPerTurn: x.walBytes / turns,
    })),
  };
}

interface LevelRow {
  target: "direct" | "relay" | "app";
  concurrency: number;
  turnsPerSecond: number;
  eventsPerSecond: number;
  completed: number;
  turns: number;
  errors: number;
  errorSamples: string[];
  firstDelta: Summary;
  gap: Summary;
  addedGap: Summary;
  meters: MeterReport;
  wallMs: number;
}

function levelRow(
  target: LevelRow["target"],
  pool: PoolResult,
  report: MeterReport,
  intervalMs: number,
): LevelRow {
  const seconds = pool.wallMs / 1000;
  return {
    target,
    concurrency: pool.concurrency,
    turnsPerSecond: pool.completed / seconds,
    eventsPerSecond: pool.frames / seconds,
    completed: pool.completed,
    turns: pool.turns,
    errors: pool.errors,
    errorSamples: pool.errorSamples,
    firstDelta: summarize(pool.firstDeltas),
    gap: summarize(pool.gaps),
    addedGap: summarize(pool.gaps.map((g) => g - intervalMs)),
    meters: report,
    wallMs: pool.wallMs,
  };
}

// == phases =====================================================================================

async function phaseTtft(s: Stack, who: Visitor) {
  progress(`1/4 time to first token: ${MODE.ttftSamples} sequential turns each`);
  await configureFake(s, { tokens: 8, intervalMs: 5, firstDelayMs: 0 });
  const threads = await seedConversations(s, Array(10).fill(who.owner));
  const direct: number[] = [];
  const relay: number[] = [];
  const app: number[] = [];
  const appFirstFrame: number[] = [];
  let errors = 0;
  const total = MODE.ttftWarmup + MODE.ttftSamples;
  for (let i = 0; i < total; i++) {
    const d = await directTurn(s);
    const r = await relayTurn(s);
    const a = await appTurn(s, who, threads[i % threads.length], `Question ${i}`);
    if (!d.ok || !r.ok || !a.ok) {
      errors++;
      if (errors < 3) progress(`  ttft error: ${d.error ?? r.error ?? a.error}`);
    }
    if (i < MODE.ttftWarmup) continue;
    if (d.ok) direct.push(d.firstDelta);
    if (r.ok) relay.push(r.firstDelta);
    if (a.ok) {
      app.push(a.firstDelta);
      appFirstFrame.push(a.firstFrameMs);
    }
    if ((i + 1) % 50 === 0) progress(`  ${i + 1}/${total}`);
  }
  // The same at 10 concurrent conversations (closed loop, one thread each), with answers paced as
  // in the streaming phase (16 deltas 25 ms apart, first after 50 ms), as issue 16 measured it:
  // with the 40 ms answers above, 10 conversations would ask for about 200 turns/s, which is the
  // app's saturation, and time to first token would measure queueing.
  await configureFake(s, { tokens: MODE.tokens, intervalMs: MODE.intervalMs, firstDelayMs: 50 });
  const c = TARGETS.ttftConcurrency;
  const turns = Math.ceil(MODE.ttftSamples / c);
  const own = await newVisitors(s, c);
  const ownThreads = await seedConversations(s, own.map((v) => v.owner));
  const pools = {
    direct: await runPool(c, turns, () => directTurn(s)),
    relay: await runPool(c, turns, () => relayTurn(s)),
    app: await runPool(
      c,
      turns,
      (conv, i) => appTurn(s, own[conv], ownThreads[conv], `Concurrent question ${i}`),
    ),
  };
  errors += pools.direct.errors + pools.relay.errors + pools.app.errors;
  const concurrent = {
    conversations: c,
    ...addedOverDirect(pools.direct.firstDeltas, pools.relay.firstDeltas, pools.app.firstDeltas),
  };
  // One database round trip from a Deno process with postgres.js, for scale: the app makes two
  // in a row before it asks the model ([rate limit ‖ thread], [user message ‖ history]).
  const roundTrips: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await s.sql`select 1 as one`;
    roundTrips.push(performance.now() - t0);
  }
  return {
    dbRoundTrip: summarize(roundTrips.slice(20)),
    // The app's first frame is the saved user message: auth, rate limit, thread lookup and insert
    // are done; what follows is history, the Agents SDK run and the model's first token.
    appUserMessage: summarize(appFirstFrame),
    appModelPart: summarize(app.map((x, i) => x - appFirstFrame[i])),
    samples: { direct, relay, app },
    ...addedOverDirect(direct, relay, app),
    concurrent,
    errors,
  };
}

/** First-delta times of the fake called directly, the relay and the app, and what each adds. */
function addedOverDirect(direct: number[], relay: number[], app: number[]) {
  const d = summarize(direct);
  const r = summarize(relay);
  const a = summarize(app);
  return {
    direct: d,
    relay: r,
    app: a,
    addedP50: a.p50 - d.p50,
    addedP99: a.p99 - d.p99,
    relayAddedP50: r.p50 - d.p50,
    relayAddedP99: r.p99 - d.p99,
  };
}

/**
 * The single-user case: time to first token of an app on the embedded database (PGlite, one
 * connection), beside the fake model called directly. Threads are made through HTTP here (the
 * embedded database has no outside connection), so each gets its title on its first turn.
 */
async function phaseEmbedded(s: Stack) {
  progress(`1b/4 time to first token on the embedded database: ${MODE.embeddedSamples} turns`);
  const dataDir = await Deno.makeTempDir({ prefix: "chatkit-bench-embedded-" });
  const port = freePort();
  const app = await startApp("embedded app", port, {
    DATABASE_URL: "",
    DATA_DIR: dataDir,
    BETTER_AUTH_SECRET: s.secret,
    OPENAI_BASE_URL: `${s.fakeUrl}/v1`,
  });
  try {
    await configureFake(s, { tokens: 8, intervalMs: 5, firstDelayMs: 0 });
    const embedded: Stack = { ...s, app, appUrl: `http://127.0.0.1:${port}` };
    const who = await newVisitor(embedded);
    const threads: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await streamTurn(
        `${embedded.appUrl}/chatkit`,
        JSON.stringify({ type: "threads.create", params: { input: userInput(`Hello ${i}`) } }),
        CHATKIT_FRAMES,
        { keepFirstFrame: true, headers: { cookie: who.cookie } },
      );
      const id = r.firstFrame?.match(/"id":"(thr_[^"]+)"/)?.[1];
      if (!r.ok || !id) throw new Error(`threads.create on the embedded app failed: ${r.error}`);
      threads.push(id);
    }
    const direct: number[] = [];
    const appSamples: number[] = [];
    let errors = 0;
    for (let i = 0; i < MODE.ttftWarmup + MODE.embeddedSamples; i++) {
      const d = await directTurn(s);
      const a = await appTurn(embedded, who, threads[i % threads.length], `Question ${i}`);
      if (!d.ok || !a.ok) errors++;
      if (i < MODE.ttftWarmup) continue;
      if (d.ok) direct.push(d.firstDelta);
      if (a.ok) appSamples.push(a.firstDelta);
    }
    const sd = summarize(direct);
    const sa = summarize(appSamples);
    return {
      direct: sd,
      app: sa,
      addedP50: sa.p50 - sd.p50,
      addedP99: sa.p99 - sd.p99,
      errors,
    };
  } finally {
    await app.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

async function phaseStreaming(s: Stack, crowd: Visitor[]) {
  await configureFake(s, { tokens: MODE.tokens, intervalMs: MODE.intervalMs, firstDelayMs: 0 });
  const rows: LevelRow[] = [];
  const costs: Cost[] = [];
  for (const [li, c] of MODE.levels.entries()) {
    const label =
      `2/4 streaming, ${c} concurrent conversations × ${MODE.turnsPerConversation} turns`;
    progress(`${label}: direct`);
    const [d, dm] = await measured(
      s,
      () => runPool(c, MODE.turnsPerConversation, () => directTurn(s), { rampMs: RAMP_MS }),
    );
    rows.push(levelRow("direct", d, dm, MODE.intervalMs));
    await sleep(500);
    progress(`${label}: relay`);
    const [r, rm] = await measured(
      s,
      () =>
        runPool(c, MODE.turnsPerConversation, () => relayTurn(s), {
          rampMs: RAMP_MS,
          onProgress: throttled(`  relay c=${c}`),
        }),
    );
    rows.push(levelRow("relay", r, rm, MODE.intervalMs));
    await sleep(500);
    progress(`${label}: app`);
    const visitors = crowd.slice(0, c);
    const threads = await seedConversations(s, visitors.map((v) => v.owner));
    await resetStatements(s);
    const [a, am] = await measured(
      s,
      () =>
        runPool(
          c,
          MODE.turnsPerConversation,
          (conv, i) =>
            appTurn(s, visitors[conv], threads[conv], `Message ${i} of conversation ${conv}`),
          { rampMs: RAMP_MS, onProgress: throttled(`  app c=${c}`) },
        ),
    );
    rows.push(levelRow("app", a, am, MODE.intervalMs));
    costs.push(cost(`streaming c=${c}`, MODE.tokens, a.completed, await readStatements(s)));
    if (a.errors) progress(`  app errors: ${a.errorSamples.join(" | ")}`);
    if (li < MODE.levels.length - 1) await sleep(1000);
  }
  return { rows, costs };
}

async function phaseCost(s: Stack): Promise<Cost> {
  progress(
    `3/4 cost per turn: ${MODE.costConversations} conversations × ${MODE.costTurns} turns of ${MODE.costTokens} deltas`,
  );
  await configureFake(s, { tokens: MODE.costTokens, intervalMs: 5, firstDelayMs: 0 });
  const visitors = await newVisitors(s, MODE.costConversations);
  const threads = await seedConversations(s, visitors.map((v) => v.owner));
  await resetStatements(s);
  const pool = await runPool(
    MODE.costConversations,
    MODE.costTurns,
    (conv, i) => appTurn(s, visitors[conv], threads[conv], `Long answer please ${i}`),
  );
  return cost(
    `${MODE.costTokens} deltas`,
    MODE.costTokens,
    pool.completed,
    await readStatements(s),
  );
}

interface ReadRow {
  request: string;
  summary: Summary;
  errors: number;
}

async function phaseStore(s: Stack, who: Visitor) {
  const owner = who.owner;
  const headers = { cookie: who.cookie };
  progress(
    `4/4 store: seeding ${MODE.storeThreads} threads and ${MODE.storeItems} items for one owner`,
  );
  const seeded = await seedStore(s.sql, {
    owner,
    threads: MODE.storeThreads,
    items: MODE.storeItems,
    bigThreadItems: MODE.bigThreadItems,
    tag: stamp,
    onProgress: (m) => progress(`  seed: ${m}`),
  });
  progress(`  seeded in ${seeded.seconds.toFixed(1)} s; timing reads through HTTP`);
  const url = `${s.appUrl}/chatkit`;
  const kinds: { name: string; body: (i: number) => string }[] = [
    {
      name: "threads.list first page",
      body: () => JSON.stringify({ type: "threads.list", params: { limit: 20, order: "desc" } }),
    },
    {
      name: "threads.list deep `after` (80–99 %)",
      body: (i) =>
        JSON.stringify({
          type: "threads.list",
          params: {
            limit: 20,
            order: "desc",
            after: seeded.deepThreadCursors[i % seeded.deepThreadCursors.length],
          },
        }),
    },
    {
      name: `items.list first page (thread of ${seeded.bigThreadItems} items)`,
      body: () =>
        JSON.stringify({
          type: "items.list",
          params: { thread_id: seeded.bigThread, limit: 20, order: "desc" },
        }),
    },
    {
      name: "items.list deep `after` (80–99 %)",
      body: (i) =>
        JSON.stringify({
          type: "items.list",
          params: {
            thread_id: seeded.bigThread,
            limit: 20,
            order: "desc",
            after: seeded.deepItemCursors[i % seeded.deepItemCursors.length],
          },
        }),
    },
    {
      name: "threads.get_by_id (random thread)",
      body: (i) =>
        JSON.stringify({
          type: "threads.get_by_id",
          params: { thread_id: seeded.sampleThreads[i % seeded.sampleThreads.length] },
        }),
    },
  ];
  const reads: ReadRow[] = [];
  // Baseline: a bare Deno.serve answer of the same size (the fake echoing a threads.list page).
  const page = (await timedJson(url, kinds[0].body(0), headers)).text;
  kinds.push({ name: "baseline: bare Deno.serve echo of a threads.list page", body: () => page });
  const baselineIndex = kinds.length - 1;
  // Warm up every kind, then interleave them so no kind gets a quieter moment than another.
  for (let i = 0; i < 20; i++) {
    for (const k of kinds.slice(0, baselineIndex)) await timedJson(url, k.body(i), headers);
    await timedJson(`${s.fakeUrl}/_echo`, page);
  }
  await resetStatements(s);
  const samples = kinds.map(() => [] as number[]);
  const errors = kinds.map(() => 0);
  let firstError = "";
  for (let i = 0; i < MODE.storeReads; i++) {
    for (const [j, k] of kinds.entries()) {
      const target = j === baselineIndex ? `${s.fakeUrl}/_echo` : url;
      const r = await timedJson(target, k.body(i), j === baselineIndex ? {} : headers);
      if (r.status === 200) samples[j].push(r.ms);
      else {
        errors[j]++;
        firstError ||= `${k.name}: HTTP ${r.status} ${r.text.slice(0, 200)}`;
      }
    }
  }
  if (firstError) progress(`  read error: ${firstError}`);
  const statements = (await readStatements(s)).filter((x) => /^\s*select/i.test(x.query));
  for (const [j, k] of kinds.entries()) {
    reads.push({ request: k.name, summary: summarize(samples[j]), errors: errors[j] });
  }
  progress("  EXPLAIN of the store queries");
  let plans: PlanReport[] = [];
  try {
    plans = await explainStore(s.sql, seeded);
  } catch (error) {
    progress(`  EXPLAIN failed: ${error}`);
  }
  return {
    seeded: { ...seeded, sampleThreads: seeded.sampleThreads.length },
    reads,
    plans,
    statements: statements.map((x) => ({
      query: x.query.slice(0, 200),
      calls: x.calls,
      meanMs: x.meanMs,
      maxMs: x.maxMs,
    })),
  };
}

// == report =====================================================================================

type Results = {
  mode: string;
  startedAt: string;
  machine: Record<string, unknown>;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  load: { start: number; end: number; perPhase: Record<string, number> };
  ttft: Awaited<ReturnType<typeof phaseTtft>>;
  /** The app's resident memory after warm-up, idle (all workers). */
  idleRssMiB: number;
  embedded: Awaited<ReturnType<typeof phaseEmbedded>> | string;
  streaming: Awaited<ReturnType<typeof phaseStreaming>>;
  deltaCost: Cost;
  store: Awaited<ReturnType<typeof phaseStore>>;
  /** The knowledge phase, or why it did not run. */
  knowledge: KnowledgeReport | string;
  targets: { name: string; value: string; met: boolean }[];
  profile?: unknown;
  summary: string;
};

function cores(m: MeterReport, name: string): string {
  const x = m[name];
  return x ? fmt(x.cores, 2) : "—";
}

function evaluate(r: Omit<Results, "targets" | "summary">) {
  const top = Math.max(...MODE.levels);
  const at = (target: string) =>
    r.streaming.rows.find((x) => x.target === target && x.concurrency === top)!;
  const app = at("app");
  const relay = at("relay");
  const storeReads = r.store.reads.filter((x) => !x.request.startsWith("baseline"));
  const storeP99 = Math.max(...storeReads.map((x) => x.summary.p99));
  const storeErrors = storeReads.reduce((n, x) => n + x.errors, 0);
  const seq = r.store.plans.some((p) => p.seqScan);
  const trips = Math.max(...r.streaming.costs.map((c) => c.roundTripsPerTurn));
  const base = r.streaming.costs[0]?.roundTripsPerTurn ?? NaN;
  const perDelta = (r.deltaCost.roundTripsPerTurn - base) / (r.deltaCost.tokens - MODE.tokens);
  const scaled = QUICK ? " (quick: scaled down)" : "";
  // The level of the throughput and CPU targets: 200, or quick mode's nearest.
  const mid = MODE.levels.reduce((a, b) =>
    Math.abs(b - TARGETS.throughputAt) < Math.abs(a - TARGETS.throughputAt) ? b : a
  );
  const atMid = (target: string) =>
    r.streaming.rows.find((x) => x.target === target && x.concurrency === mid)!;
  const appMid = atMid("app");
  const relayMid = atMid("relay");
  const midRatio = ratio(appMid.turnsPerSecond, relayMid.turnsPerSecond);
  const perTurn = (row: LevelRow, name: string) =>
    row.meters[name].cpuMs / Math.max(1, row.completed);
  const cpuApp = perTurn(appMid, "app");
  const cpuRelay = perTurn(relayMid, "relay");
  const midScaled = mid === TARGETS.throughputAt ? "" : ` (quick: ${mid})`;
  const tt = r.ttft.concurrent;
  const mb = (mib: number) => mib * 1.048576;
  const targets = [
    {
      name:
        `${TARGETS.throughputAt} concurrent conversations${midScaled}: app turns/s ≥ ${TARGETS.throughputRatio} × relay, zero errors`,
      value: `${fmt(midRatio, 2)} × (${fmt(appMid.turnsPerSecond)} vs ${
        fmt(relayMid.turnsPerSecond)
      } turns/s); ${appMid.errors} errors`,
      met: midRatio >= TARGETS.throughputRatio && appMid.errors === 0,
    },
    {
      name:
        `${top} concurrent${scaled}: zero errors, p99 added delay between deltas ≤ relay's + ${TARGETS.gapOverRelayP99} ms`,
      value: `${app.errors} errors of ${app.turns} turns; ${ms(app.addedGap.p99)} (relay ${
        ms(relay.addedGap.p99)
      })`,
      met: app.errors === 0 && app.addedGap.p99 <= relay.addedGap.p99 + TARGETS.gapOverRelayP99,
    },
    {
      name:
        `server CPU per completed turn at ${TARGETS.throughputAt}${midScaled} ≤ ${TARGETS.cpuRatio} × relay's (all workers)`,
      value: `${fmt(ratio(cpuApp, cpuRelay), 2)} × (${fmt(cpuApp, 2)} vs ${fmt(cpuRelay, 2)} ms)`,
      met: cpuApp <= TARGETS.cpuRatio * cpuRelay,
    },
    {
      name:
        `added time to first token at ${tt.conversations} concurrent, no knowledge base: p50 ≤ relay's + ${TARGETS.ttftOverRelayP50} ms, p99 ≤ ${TARGETS.ttftP99} ms`,
      value: `${ms(tt.addedP50)} / ${ms(tt.addedP99)} (relay ${ms(tt.relayAddedP50)} / ${
        ms(tt.relayAddedP99)
      })`,
      met: tt.addedP50 <= tt.relayAddedP50 + TARGETS.ttftOverRelayP50 &&
        tt.addedP99 <= TARGETS.ttftP99,
    },
    typeof r.embedded === "object"
      ? {
        name:
          `embedded database (single user): added time to first token p50 ≤ ${TARGETS.embeddedTtftP50} ms`,
        value: ms(r.embedded.addedP50),
        met: r.embedded.addedP50 <= TARGETS.embeddedTtftP50,
      }
      : { name: "embedded database time to first token", value: r.embedded, met: false },
    {
      name:
        `resident memory: ≤ ${TARGETS.idleMbPerWorker} MB idle per worker, ≤ ${TARGETS.peakMbAt200} MB for the app at ${TARGETS.throughputAt}${midScaled}`,
      value: `idle ${fmt(mb(r.idleRssMiB) / APP_WORKERS, 0)} MB per worker (${APP_WORKERS} worker${
        APP_WORKERS === 1 ? "" : "s"
      }, ${fmt(mb(r.idleRssMiB), 0)} MB); peak ${fmt(mb(appMid.meters.app.peakRssMiB), 0)} MB`,
      met: mb(r.idleRssMiB) / APP_WORKERS <= TARGETS.idleMbPerWorker &&
        mb(appMid.meters.app.peakRssMiB) <= TARGETS.peakMbAt200,
    },
    {
      name:
        `store reads p99 ≤ ${TARGETS.storeP99} ms at ${r.store.seeded.items} items, index scans only${scaled}`,
      value: `max p99 ${ms(storeP99)}; ${seq ? "SEQ SCAN in a plan" : "no seq scan"}${
        storeErrors ? `; ${storeErrors} errors` : ""
      }`,
      met: storeP99 <= TARGETS.storeP99 && !seq && storeErrors === 0 && r.store.plans.length > 0,
    },
    {
      name:
        `≤ ${TARGETS.roundTrips} database round trips per turn (title excluded), none per delta`,
      value: `${fmt(trips, 2)} per turn; ${fmt(perDelta, 3)} per extra delta`,
      met: trips <= TARGETS.roundTrips && Math.abs(perDelta) < 0.01,
    },
    typeof r.knowledge === "object"
      ? knowledgeTarget(r.knowledge, QUICK)
      : { name: "knowledge search p50 ≤ 5 ms at 100000 chunks", value: r.knowledge, met: false },
  ];
  const summary = `Summary: ${MODE.name} run; added TTFT p50 ${fmt(r.ttft.addedP50, 2)} ms / p99 ${
    fmt(r.ttft.addedP99, 2)
  } ms; app/relay turns/s ${
    MODE.levels.map((c) => {
      const a = r.streaming.rows.find((x) => x.target === "app" && x.concurrency === c)!;
      const b = r.streaming.rows.find((x) => x.target === "relay" && x.concurrency === c)!;
      return `${fmt(ratio(a.turnsPerSecond, b.turnsPerSecond), 2)}@${c}`;
    }).join(" ")
  }; CPU/turn ${fmt(ratio(cpuApp, cpuRelay), 2)}× relay@${mid}; added TTFT p50 ${
    fmt(tt.addedP50, 2)
  } ms@${tt.conversations} concurrent (relay ${fmt(tt.relayAddedP50, 2)}); p99 added inter-delta ${
    fmt(app.addedGap.p99, 1)
  } ms@${top} (relay ${fmt(relay.addedGap.p99, 1)}); app errors ${
    r.streaming.rows.filter((x) => x.target === "app").reduce((n, x) => n + x.errors, 0)
  }; store p99 max ${fmt(storeP99, 2)} ms@${r.store.seeded.items} items; DB round trips/turn ${
    fmt(trips, 2)
  }; ${
    typeof r.knowledge === "object"
      ? `knowledge search p50 ${
        Object.entries(r.knowledge.search).map(([m, x]) => `${m} ${fmt(x.p50, 2)}`).join(" / ")
      } ms@${r.knowledge.ingest.chunks} chunks, ingest ${
        fmt(r.knowledge.ingest.chunksPerSecond, 0)
      } chunks/s, added TTFT p50 ${fmt(r.knowledge.ttft.addedP50, 2)} ms; `
      : ""
  }targets met ${targets.filter((t) => t.met).length}/${targets.length}; load ${
    fmt(r.load.start, 2)
  }→${fmt(r.load.end, 2)}`;
  return { targets, summary };
}

function markdown(r: Results): string {
  const lines: string[] = [];
  const add = (s = "") => lines.push(s);
  const m = r.machine;
  add(
    `## deno-chatkit benchmark — ${r.mode} mode${
      CUSTOM_PLANS ? " (experiment: --custom-plans)" : ""
    }, ${r.startedAt}`,
  );
  add();
  add(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, kernel ${m.kernel}. ` +
      `Deno ${r.versions.deno}, PostgreSQL ${r.versions.postgres}. ` +
      `App on PostgreSQL: ${APP_WORKERS} worker${APP_WORKERS === 1 ? "" : "s"} ` +
      `(threads of one process: its CPU and memory columns cover all). ` +
      `1-minute load average: ${fmt(r.load.start, 2)} at start, ${fmt(r.load.end, 2)} at end ` +
      `(per phase: ${
        Object.entries(r.load.perPhase).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(", ")
      }).`,
  );
  add();
  add(
    `### 1. Added time to first token (sequential; ${r.ttft.app.n} turns; fake: 8 deltas 5 ms apart)`,
  );
  add();
  add("| path | p50 | p90 | p99 | added p50 | added p99 |");
  add("|---|---:|---:|---:|---:|---:|");
  add(
    `| fake model, called directly (baseline) | ${ms(r.ttft.direct.p50)} | ${
      ms(r.ttft.direct.p90)
    } | ${ms(r.ttft.direct.p99)} | — | — |`,
  );
  add(
    `| minimal Deno.serve relay | ${ms(r.ttft.relay.p50)} | ${ms(r.ttft.relay.p90)} | ${
      ms(r.ttft.relay.p99)
    } | ${ms(r.ttft.relayAddedP50)} | ${ms(r.ttft.relayAddedP99)} |`,
  );
  add(
    `| app \`threads.add_user_message\` | ${ms(r.ttft.app.p50)} | ${ms(r.ttft.app.p90)} | ${
      ms(r.ttft.app.p99)
    } | **${ms(r.ttft.addedP50)}** | **${ms(r.ttft.addedP99)}** |`,
  );
  add(
    `| … of which: request → user message saved and sent (first frame) | ${
      ms(r.ttft.appUserMessage.p50)
    } | ${ms(r.ttft.appUserMessage.p90)} | ${ms(r.ttft.appUserMessage.p99)} | | |`,
  );
  add(
    `| … of which: user message sent → first text delta (history, Agents SDK, model) | ${
      ms(r.ttft.appModelPart.p50)
    } | ${ms(r.ttft.appModelPart.p90)} | ${ms(r.ttft.appModelPart.p99)} | | |`,
  );
  add(
    `| one database round trip (\`select 1\`, postgres.js, from the load generator) | ${
      ms(r.ttft.dbRoundTrip.p50)
    } | ${ms(r.ttft.dbRoundTrip.p90)} | ${ms(r.ttft.dbRoundTrip.p99)} | | |`,
  );
  if (typeof r.embedded === "object") {
    add(
      `| app on the embedded database (PGlite, single user; ${r.embedded.app.n} turns) | ${
        ms(r.embedded.app.p50)
      } | ${ms(r.embedded.app.p90)} | ${ms(r.embedded.app.p99)} | ${ms(r.embedded.addedP50)} | ${
        ms(r.embedded.addedP99)
      } |`,
    );
  }
  const cc = r.ttft.concurrent;
  for (
    const [label, x, added] of [
      ["fake model, called directly", cc.direct, null],
      ["minimal Deno.serve relay", cc.relay, [cc.relayAddedP50, cc.relayAddedP99]],
      ["app `threads.add_user_message`", cc.app, [cc.addedP50, cc.addedP99]],
    ] as const
  ) {
    add(
      `| ${cc.conversations} concurrent conversations (${MODE.tokens} deltas ${MODE.intervalMs} ms apart, first after 50 ms): ${label} (${x.n} turns) | ${
        ms(x.p50)
      } | ${ms(x.p90)} | ${ms(x.p99)} | ${added ? ms(added[0]) : "—"} | ${
        added ? ms(added[1]) : "—"
      } |`,
    );
  }

  add();
  add(
    `### 2. Streaming: ${MODE.turnsPerConversation} turns per conversation, ${MODE.tokens} deltas ${MODE.intervalMs} ms apart, first turns spread over ${RAMP_MS} ms`,
  );
  add();
  add(
    "| conversations | server | turns/s | events/s | first delta p50 / p99 | added gap p50 / p99 | errors | server CPU (cores) | server CPU ms/turn | server peak RSS | fake CPU | Postgres CPU | load gen CPU | machine busy (cores) |",
  );
  add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const row of r.streaming.rows) {
    const server = row.target === "direct" ? "fake" : row.target;
    const sm = row.meters[server];
    add(
      `| ${row.concurrency} | ${row.target === "direct" ? "fake model direct" : row.target} | ${
        fmt(row.turnsPerSecond)
      } | ${fmt(row.eventsPerSecond, 0)} | ${ms(row.firstDelta.p50)} / ${
        ms(row.firstDelta.p99)
      } | ${ms(row.addedGap.p50)} / ${ms(row.addedGap.p99)} | ${row.errors} | ${
        fmt(sm?.cores, 2)
      } | ${fmt(sm ? sm.cpuMs / Math.max(1, row.completed) : NaN, 2)} | ${
        fmt(sm?.peakRssMiB, 0)
      } MiB | ${cores(row.meters, "fake")} | ${
        row.target === "app" ? cores(row.meters, "postgres") : "—"
      } | ${cores(row.meters, "loadgen")} | ${cores(row.meters, "machine")} |`,
    );
    if (row.target === "app") {
      const relay = r.streaming.rows.find((x) =>
        x.target === "relay" && x.concurrency === row.concurrency
      )!;
      add(
        `| ${row.concurrency} | **app / relay** | **${
          fmt(ratio(row.turnsPerSecond, relay.turnsPerSecond), 2)
        }** | ${fmt(ratio(row.eventsPerSecond, relay.eventsPerSecond), 2)} | | | | ${
          fmt(ratio(row.meters.app?.cores, relay.meters.relay?.cores), 2)
        } | ${
          fmt(
            ratio(
              row.meters.app.cpuMs / Math.max(1, row.completed),
              relay.meters.relay.cpuMs / Math.max(1, relay.completed),
            ),
            1,
          )
        } | | | | | |`,
      );
    }
  }
  add();
  add(
    `"Added gap" = time between two consecutive text deltas at the client minus the ${MODE.intervalMs} ms the fake waits; ` +
      "the fake-direct rows show the fake's own timer jitter under the same load.",
  );
  add();
  add(
    `### 3. Store reads through HTTP: ${r.store.seeded.threads} threads, ${r.store.seeded.items} items, one owner (${
      r.store.reads[0]?.summary.n ?? 0
    } sequential requests each)`,
  );
  add();
  add("| request | p50 | p90 | p99 | max | errors |");
  add("|---|---:|---:|---:|---:|---:|");
  for (const x of r.store.reads) {
    add(
      `| ${x.request} | ${ms(x.summary.p50)} | ${ms(x.summary.p90)} | ${ms(x.summary.p99)} | ${
        ms(x.summary.max)
      } | ${x.errors} |`,
    );
  }
  add();
  add(
    "| store query (lib/store/postgres.ts) | plan (with its values) | generic plan | exec | buffers |",
  );
  add("|---|---|---|---:|---:|");
  for (const p of r.store.plans) {
    add(`| ${p.query} | ${p.custom} | ${p.generic} | ${ms(p.executionMs)} | ${p.buffers} |`);
  }
  add();
  if (r.store.statements.length) {
    add(
      "Server time of the store statements as the app ran them during the reads (pg_stat_statements):",
    );
    add();
    add("| calls | mean | max | statement |");
    add("|---:|---:|---:|---|");
    for (const st of r.store.statements) {
      add(
        `| ${st.calls} | ${ms(st.meanMs)} | ${ms(st.maxMs)} | \`${
          st.query.slice(0, 140).replace(/\|/g, "\\|")
        }\` |`,
      );
    }
    add();
  }
  add("### 4. Database cost per completed turn (pg_stat_statements; title requests excluded)");
  add();
  add("| run | deltas/turn | turns | round trips/turn | WAL bytes/turn | rows written/turn |");
  add("|---|---:|---:|---:|---:|---:|");
  for (const c of [...r.streaming.costs, r.deltaCost]) {
    add(
      `| ${c.label} | ${c.tokens} | ${c.turns} | ${fmt(c.roundTripsPerTurn, 2)} | ${
        bytes(c.walBytesPerTurn)
      } | ${fmt(c.rowsPerTurn, 2)} |`,
    );
  }
  const first = r.streaming.costs[0];
  if (first?.statements.length) {
    add();
    add(`Statements per turn (${first.label}):`);
    add();
    add("| calls/turn | WAL bytes/turn | statement |");
    add("|---:|---:|---|");
    for (const st of first.statements.slice(0, 10)) {
      add(
        `| ${fmt(st.callsPerTurn, 2)} | ${bytes(st.walBytesPerTurn)} | \`${
          st.query.slice(0, 110).replace(/\|/g, "\\|")
        }\` |`,
      );
    }
  }
  add();
  if (typeof r.knowledge === "object") add(knowledgeMarkdown(r.knowledge, QUICK));
  else {
    add(`### 5. Knowledge base: not measured (${r.knowledge})`);
    add();
  }
  add("### Targets");
  add();
  add("| target | measured | met |");
  add("|---|---|---|");
  for (const t of r.targets) add(`| ${t.name} | ${t.value} | ${t.met ? "yes" : "**no**"} |`);
  add();
  return lines.join("\n");
}

// == main =======================================================================================

const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);

async function main(): Promise<void> {
  const loadStart = loadAverage();
  const perPhase: Record<string, number> = { start: loadStart };
  progress(`deno-chatkit benchmark, ${MODE.name} mode (1-minute load average ${loadStart})`);
  await Deno.mkdir(RESULTS, { recursive: true });
  const s = await startStack();
  const versionRow = await s.sql`select current_setting('server_version') as v`;
  const visitor = await newVisitor(s);
  await checkApp(s, visitor);
  progress(`app ready at ${s.appUrl}`);

  // Warm-up: JIT and connection pools of every process.
  await configureFake(s, { tokens: 8, intervalMs: 2, firstDelayMs: 0 });
  const warmVisitors = await newVisitors(s, 20);
  const warm = await seedConversations(s, warmVisitors.map((v) => v.owner));
  await runPool(20, 3, (c, i) => appTurn(s, warmVisitors[c], warm[c], `warm-up ${i}`));
  await runPool(20, 3, () => relayTurn(s));
  await runPool(20, 3, () => directTurn(s));

  const windows: { name: string; from: number; to: number }[] = [];
  let mark = Date.now();
  const ttft = await phaseTtft(s, visitor);
  windows.push({
    name: "time-to-first-token phase (one turn at a time, then 10 concurrent)",
    from: mark,
    to: Date.now(),
  });
  // The app after its warm-up and the first-token turns, with nothing in flight.
  await sleep(1000);
  const idleRssMiB = memoryKiB(s.app.pid).rss / 1024;
  perPhase.ttft = loadAverage();
  let embedded: Awaited<ReturnType<typeof phaseEmbedded>> | string;
  try {
    embedded = await phaseEmbedded(s);
  } catch (error) {
    embedded = `embedded database phase failed: ${error instanceof Error ? error.message : error}`;
    progress(embedded);
  }
  // Visitors first (their cookies are signed, their GET /health stats static/): not per turn.
  const crowd = await newVisitors(s, Math.max(...MODE.levels));
  mark = Date.now();
  const streaming = await phaseStreaming(s, crowd);
  windows.push({ name: "streaming phase (all levels)", from: mark, to: Date.now() });
  perPhase.streaming = loadAverage();
  const deltaCost = await phaseCost(s);
  perPhase.cost = loadAverage();
  const store = await phaseStore(s, visitor);
  perPhase.store = loadAverage();
  let knowledge: KnowledgeReport | string;
  if (!s.adminUrl) knowledge = "needs the benchmark's own cluster (DATABASE_URL was given)";
  else {
    await configureFake(s, { tokens: 8, intervalMs: 5, firstDelayMs: 0 });
    const adminUrl = s.adminUrl;
    try {
      knowledge = await phaseKnowledge({
        adminUrl,
        fakeUrl: s.fakeUrl,
        appUrl: s.appUrl,
        cookie: visitor.cookie,
        owner: visitor.owner,
        seedMainThreads: (owners) => seedConversations(s, owners),
        startApp: async (name, env) => {
          const port = freePort();
          const dataDir = await Deno.makeTempDir({ prefix: "chatkit-bench-knowledge-" });
          cleanups.push(() => Deno.remove(dataDir, { recursive: true }));
          const service = await startApp(name, port, {
            DATA_DIR: dataDir,
            BETTER_AUTH_SECRET: s.secret,
            OPENAI_BASE_URL: `${s.fakeUrl}/v1`,
            ...env,
          });
          cleanups.push(() => service.stop());
          return { service, url: `http://127.0.0.1:${port}` };
        },
        progress,
      }, KNOWLEDGE_MODES[QUICK ? "quick" : "full"]);
    } catch (error) {
      knowledge = `knowledge phase failed: ${error instanceof Error ? error.message : error}`;
      progress(knowledge);
    }
  }
  perPhase.knowledge = loadAverage();

  let profile: unknown;
  if (s.profileDir) {
    progress("stopping the app to write its CPU profile");
    await s.app.stop();
    // Profile time starts about when the app process was spawned.
    const t0 = s.app.spawnedAt;
    profile = await summarizeProfile(
      s.profileDir,
      windows.map((w) => ({ name: w.name, fromMs: w.from - t0, toMs: w.to - t0 })),
    ).catch((e) => `profile unavailable: ${e}`);
  }

  const partial = {
    mode: MODE.name,
    startedAt: new Date(performance.timeOrigin).toISOString(),
    machine: machine(),
    versions: {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
      postgres: String(versionRow[0].v),
    },
    settings: {
      ...MODE,
      targets: TARGETS,
      database: s.cluster ? { kind: "throwaway cluster", ...s.cluster.settings } : "DATABASE_URL",
      appPoolSize: 10,
      appWorkers: APP_WORKERS,
      pgStatStatements: s.pgss,
      profile: PROFILE,
      customPlans: CUSTOM_PLANS,
    },
    load: { start: loadStart, end: loadAverage(), perPhase },
    ttft,
    idleRssMiB,
    embedded,
    streaming,
    deltaCost,
    store,
    knowledge,
    profile,
  };
  const { targets, summary } = evaluate(partial);
  const results: Results = { ...partial, targets, summary };
  const table = markdown(results);
  const base = new URL(`${stamp}-${MODE.name}`, RESULTS).pathname;
  await Deno.writeTextFile(`${base}.json`, JSON.stringify(results, null, 2));
  await Deno.writeTextFile(`${base}.md`, `${table}\n${summary}\n`);
  console.log(table);
  if (profile && typeof profile === "object") {
    console.log("### Where the app's CPU time went (--profile)\n");
    const p = profile as { markdown: string; windows: { markdown: string }[] };
    for (const w of p.windows) console.log(w.markdown);
    console.log(p.markdown);
  }
  progress(`results: ${base}.json and .md`);
  console.log(summary);
}

let interrupted = false;
const onSignal = () => {
  if (interrupted) Deno.exit(130);
  interrupted = true;
  progress("interrupted: stopping everything");
  cleanup().finally(() => Deno.exit(130));
};
Deno.addSignalListener("SIGINT", onSignal);
Deno.addSignalListener("SIGTERM", onSignal);

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  Deno.exitCode = 1;
} finally {
  await cleanup();
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
}
