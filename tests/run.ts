/**
 * `deno task test`: runs the whole suite against embedded PGlite and, when one can be had, a
 * PostgreSQL server (TEST_DATABASE_URL, or a throwaway cluster started here when PostgreSQL is
 * installed), with Chromium tests enabled when a Chromium is found. Ends with the plain line
 * `N passed, N failed, N skipped` counted from the run's JUnit report.
 * Extra arguments go to `deno test` (e.g. `deno task test tests/health_test.ts`).
 *
 * - `CI=true`: a missing PostgreSQL or Chromium fails the run instead of skipping those tests.
 * - Time limits: the whole run (TEST_TIME_LIMIT_S, default 1800) and each test file
 *   (TEST_FILE_TIME_LIMIT_S, default 420); the file that ran out is named, and the run fails.
 * - SIGINT/SIGTERM (Ctrl-C, a CI cancel), a time limit or a crash: the test processes are stopped
 *   (their process group, then any process still carrying this run's TEST_RUN_ID), the run's
 *   databases are dropped, the throwaway cluster is stopped and every directory of the run removed.
 * - TEST_OUTPUT_DIR (default `test-output`) holds the JUnit report and the PGlite template.
 * @module
 */
import {
  createDatabase,
  dropDatabase,
  dropDatabasesLike,
  findPostgresBin,
  type PostgresCluster,
  startPostgresCluster,
} from "./support/postgres_server.ts";
import { removeSharedTempDirs } from "./support/shared_dir.ts";

const OUTPUT_DIR = Deno.env.get("TEST_OUTPUT_DIR") || "test-output";
const JUNIT = `${OUTPUT_DIR}/junit.xml`;
// Makes an unhandled rejection fail its module at once, with its reason (see the file).
const PRELOAD = new URL("./support/unhandled_rejections.ts", import.meta.url).href;
const CI = Deno.env.get("CI") === "true";
const RUN_LIMIT_S = Number(Deno.env.get("TEST_TIME_LIMIT_S")) || 1800;
const FILE_LIMIT_S = Number(Deno.env.get("TEST_FILE_TIME_LIMIT_S")) || 420;
/** Marks every process of this run (inherited through the environment) and its databases. */
const RUN_ID = crypto.randomUUID().replaceAll("-", "").slice(0, 12);

const env: Record<string, string> = { RUST_BACKTRACE: "0", TEST_RUN_ID: RUN_ID };
let cluster: PostgresCluster | undefined;
let adminUrl = Deno.env.get("TEST_DATABASE_URL") || undefined;
const databaseName = `chatkit_run_${RUN_ID}`;
let databaseUrl: string | undefined;
let child: Deno.ChildProcess | undefined;
/** Why the run was cut short (a signal or a time limit), if it was. */
let stopReason: string | undefined;
let exitCode = 1;
const exited = new WeakMap<Deno.ChildProcess, Promise<Deno.CommandStatus>>();

const onSignal = (signal: Deno.Signal) => () => {
  if (stopReason) return;
  stopReason = `interrupted by ${signal}`;
  exitCode = signal === "SIGINT" ? 130 : 143;
  console.error(`\n${stopReason}: stopping the tests and cleaning up…`);
  if (child) stopGroup(child);
};
const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, onSignal(s)] as const);
for (const [signal, listener] of listeners) Deno.addSignalListener(signal, listener);

// The run's own temporary folder (TMPDIR of the tests): whatever a test leaves there goes with it.
const runTmp = await Deno.makeTempDir({ prefix: `chatkit-test-${RUN_ID}-` });
env.TMPDIR = runTmp;

try {
  const missing: string[] = [];
  if (!adminUrl && findPostgresBin()) {
    console.log("Starting a throwaway PostgreSQL cluster for the [postgres] tests…");
    cluster = await startPostgresCluster();
    adminUrl = cluster.url;
    console.log(`PostgreSQL ${cluster.version} (pid ${cluster.pid}) in ${cluster.dir}`);
  }
  if (adminUrl && !stopReason) {
    databaseUrl = await createDatabase(adminUrl, databaseName);
    env.TEST_DATABASE_URL = databaseUrl;
    env.TEST_ADMIN_DATABASE_URL = adminUrl;
  } else if (!adminUrl) {
    missing.push("PostgreSQL (install it, or set TEST_DATABASE_URL)");
  }
  const chromium = findChromium();
  if (chromium) env.CHROMIUM_PATH = chromium;
  else missing.push("Chromium (install Debian's chromium, or set CHROMIUM_PATH)");
  for (const what of missing) {
    console.log(
      CI
        ? `CI=true and no ${what}: those tests will FAIL.`
        : `No ${what}: those tests will show as ignored.`,
    );
  }

  await Deno.mkdir(OUTPUT_DIR, { recursive: true });
  await Deno.remove(JUNIT).catch(() => {});
  // A fresh embedded-database template per run, so a PGlite upgrade never reuses an old one.
  env.TEST_OUTPUT_DIR = OUTPUT_DIR;
  await Deno.remove(`${OUTPUT_DIR}/pglite-empty.tar`).catch(() => {});
  if (!stopReason) {
    child = new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", `--preload=${PRELOAD}`, `--junit-path=${JUNIT}`, ...Deno.args],
      env,
      stdin: "null",
      stdout: "piped",
      // Its own process group, so that stopping it reaches every process it started.
      detached: true,
    }).spawn();
    const success = await watch(child);
    const counts = await countResults();
    console.log(
      counts
        ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
        : stopReason
        ? `0 passed, 1 failed (${stopReason})`
        : `0 passed, 1 failed (no test report was written)`,
    );
    if (!stopReason) exitCode = success && counts ? 0 : 1;
  }
} finally {
  // Each step runs even when one before it fails: nothing of the run may outlive it.
  await step("stop the test processes", async () => {
    if (child) await stopGroup(child);
    await killRunProcesses();
  });
  if (adminUrl && !cluster) {
    // A server of the developer's (TEST_DATABASE_URL): leave it as it was found.
    await step("drop the run's databases", async () => {
      await dropDatabasesLike(adminUrl!, `chatkit_test_${RUN_ID}_%`);
      if (databaseUrl) await dropDatabase(adminUrl!, databaseName);
    });
  }
  await step("stop the throwaway cluster", async () => await cluster?.stop());
  await step("remove the run's folder", () => Deno.remove(runTmp, { recursive: true }));
  // Folders of servers that run as another user (tests/support/shared_dir.ts).
  await step("remove the run's shared folders", () => removeSharedTempDirs(RUN_ID));
  for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  if (stopReason) console.error(`run stopped: ${stopReason}; cleaned up.`);
  Deno.exit(exitCode);
}

async function step(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    console.error(`clean-up: could not ${what}: ${error}`);
    exitCode ||= 1;
  }
}

/**
 * Copies the child's output through while noting which test file runs; enforces the time limits.
 * Resolves with whether the child succeeded.
 */
async function watch(proc: Deno.ChildProcess): Promise<boolean> {
  const started = performance.now();
  let file = "(type-checking)";
  let fileStarted = started;
  let tail = "";
  const timer = setInterval(() => {
    const now = performance.now();
    const reason = now - started > RUN_LIMIT_S * 1000
      ? `the run passed its time limit of ${RUN_LIMIT_S} s (TEST_TIME_LIMIT_S) in ${file}`
      : now - fileStarted > FILE_LIMIT_S * 1000
      ? `${file} passed the per-file time limit of ${FILE_LIMIT_S} s (TEST_FILE_TIME_LIMIT_S)`
      : undefined;
    if (!reason || stopReason) return;
    const current = tail.trim() ? `; last output: "${tail.trim().slice(0, 200)}"` : "";
    stopReason = `TIME LIMIT: ${reason}${current}`;
    console.error(`\n${stopReason}`);
    stopGroup(proc);
  }, 1000);
  const decoder = new TextDecoder();
  try {
    for await (const chunk of proc.stdout) {
      await Deno.stdout.write(chunk);
      tail += decoder.decode(chunk, { stream: true });
      const lines = tail.split("\n");
      tail = lines.pop()!;
      for (const line of lines) {
        // deno test announces each file: "running 3 tests from ./tests/health_test.ts".
        const match = stripColors(line).match(/^running \d+ tests? from (\S+)/);
        if (match) [file, fileStarted] = [match[1], performance.now()];
      }
    }
    return (await proc.status).success;
  } finally {
    clearInterval(timer);
  }
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL after 5 s. */
async function stopGroup(proc: Deno.ChildProcess): Promise<void> {
  let status = exited.get(proc);
  if (!status) exited.set(proc, status = proc.status);
  const signalGroup = (signal: Deno.Signal) => {
    try {
      Deno.kill(-proc.pid, signal);
    } catch { /* the group is gone */ }
  };
  signalGroup("SIGTERM");
  const gone = await Promise.race([
    status.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 5000)),
  ]);
  // Even when the leader exited, a member of its group may linger.
  signalGroup(gone ? "SIGTERM" : "SIGKILL");
  if (!gone) await status;
  signalGroup("SIGKILL");
}

/**
 * Kills any process left that carries this run's TEST_RUN_ID (e.g. a browser in a process group
 * of its own). Linux only (reads /proc); elsewhere the process-group stop is all there is.
 */
async function killRunProcesses(): Promise<void> {
  const marker = `TEST_RUN_ID=${RUN_ID}`;
  for (let round = 0; round < 3; round++) {
    const found: number[] = [];
    try {
      for (const entry of Deno.readDirSync("/proc")) {
        const pid = Number(entry.name);
        if (!pid || pid === Deno.pid) continue;
        try {
          const environ = new TextDecoder().decode(Deno.readFileSync(`/proc/${pid}/environ`));
          if (environ.split("\0").includes(marker)) found.push(pid);
        } catch { /* gone, or not ours */ }
      }
    } catch {
      return;
    }
    if (!found.length) return;
    console.error(`stopping ${found.length} leftover process(es) of this run: ${found.join(" ")}`);
    for (const pid of found) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stripColors(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function findChromium(): string | null {
  const candidates = [
    Deno.env.get("CHROMIUM_PATH"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* next */ }
  }
  return null;
}

async function countResults(): Promise<{ passed: number; failed: number; skipped: number } | null> {
  let xml: string;
  try {
    xml = await Deno.readTextFile(JUNIT);
  } catch {
    return null;
  }
  let passed = 0, failed = 0, skipped = 0;
  // Steps appear as test cases named "<test> &gt; <step>"; count tests only, as Deno does.
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)];
  const names = new Set(cases.map((c) => c[1]));
  const isStep = (name: string) =>
    name.split(" &gt; ").some((_, i, parts) =>
      i > 0 && names.has(parts.slice(0, i).join(" &gt; "))
    );
  for (const [, name, , body = ""] of cases) {
    if (isStep(name)) continue;
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}
