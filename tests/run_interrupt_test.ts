/**
 * `deno task test` interrupted (Ctrl-C, a CI cancel) or cut by its per-file time limit leaves
 * nothing behind: no test process, no browser, no PostgreSQL, no folder. Runs `tests/run.ts` on
 * a fixture that starts processes and hangs (tests/support/interrupt_fixture.ts), then stops it.
 */
import { equal, ok } from "node:assert/strict";
import { CHROMIUM_PATH } from "./support/browser.ts";
import { findPostgresBin } from "./support/postgres_server.ts";
import { waitUntil, within } from "./support/wait.ts";

const ROOT = new URL("..", import.meta.url).pathname;

interface Report {
  runId: string;
  tmp: string;
  dir: string;
  shared: string;
  sleeper: number;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process runs (a zombie waiting for a reaper does not). */
function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Pids of processes whose environment carries `TEST_RUN_ID=<runId>` (Linux /proc). */
function processesOfRun(runId: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const pid = Number(entry.name);
    if (!pid || !alive(pid)) continue;
    try {
      const environ = new TextDecoder().decode(Deno.readFileSync(`/proc/${pid}/environ`));
      if (environ.split("\0").includes(`TEST_RUN_ID=${runId}`)) found.push(pid);
    } catch { /* gone */ }
  }
  return found;
}

const cases = [
  { how: "SIGINT", signal: "SIGINT", code: 130, browser: false },
  { how: "SIGTERM", signal: "SIGTERM", code: 143, browser: !!CHROMIUM_PATH },
  { how: "the per-file time limit", signal: undefined, code: 1, browser: false },
] as const;

for (const c of cases) {
  Deno.test({
    name: `tests/run.ts - stopped by ${c.how}, it leaves no process and no folder behind`,
    ignore: !exists("/proc/self/environ"),
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const out = await Deno.makeTempDir({ prefix: "interrupt-test-" });
      const report = `${out}/report.json`;
      const env: Record<string, string> = {
        TEST_OUTPUT_DIR: `${out}/output`,
        INTERRUPT_FIXTURE_REPORT: report,
        INTERRUPT_FIXTURE_BROWSER: c.browser ? "1" : "0",
        NO_COLOR: "1",
      };
      if (!c.signal) env.TEST_FILE_TIME_LIMIT_S = "3";
      // Explicit: no TEST_DATABASE_URL, so that the run starts (and must stop) its own cluster.
      // The system's /tmp, not this run's TMPDIR: nested, Chromium's socket path gets too long.
      env.TMPDIR = "/tmp";
      for (const name of ["PATH", "HOME", "DENO_DIR", "CHROMIUM_PATH", "TEST_RUN_ID"]) {
        const value = Deno.env.get(name);
        if (value) env[name] = value;
      }
      const run = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "tests/run.ts", "tests/support/interrupt_fixture.ts"],
        cwd: ROOT,
        clearEnv: true,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let text = "";
      const decoder = new TextDecoder();
      const pump = (stream: ReadableStream<Uint8Array>) =>
        (async () => {
          for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
        })();
      const pumped = Promise.all([pump(run.stdout), pump(run.stderr)]);
      let exited = false;
      const status = run.status.finally(() => exited = true);
      try {
        await waitUntil(
          () => exists(report) || exited,
          "the fixture started its processes",
          180_000,
        ).catch((error) => {
          throw new Error(`${error.message}\n${text}`);
        });
        ok(!exited, `tests/run.ts ended before the fixture was ready:\n${text}`);
        const fixture = JSON.parse(await Deno.readTextFile(report)) as Report;
        const cluster = text.match(/PostgreSQL \S+ \(pid (\d+)\) in (\S+)/);
        if (findPostgresBin()) ok(cluster, `the run started a cluster:\n${text}`);
        // Everything is there before the stop: the checks below can fail.
        ok(exists(fixture.dir) && exists(fixture.tmp), "the fixture's folder exists");
        ok(exists(fixture.shared), "the fixture's shared folder exists");
        ok(processesOfRun(fixture.runId).includes(fixture.sleeper), "the sleeper runs");
        if (cluster) ok(alive(Number(cluster[1])) && exists(cluster[2]), "the cluster runs");

        if (c.signal) Deno.kill(run.pid, c.signal);
        const { code } = await within(status, `tests/run.ts exited after ${c.how}`, 90_000);
        await pumped;
        equal(code, c.code, text);
        if (!c.signal) {
          ok(
            /TIME LIMIT: \S*interrupt_fixture\.ts passed the per-file time limit/.test(text),
            text,
          );
        }
        equal(processesOfRun(fixture.runId).join(" "), "", "no process of the run is left");
        ok(!alive(fixture.sleeper), "the fixture's child is gone");
        ok(!exists(fixture.tmp), `the run's TMPDIR ${fixture.tmp} is removed`);
        ok(!exists(fixture.shared), `the run's shared folder ${fixture.shared} is removed`);
        if (cluster) {
          ok(!alive(Number(cluster[1])), "the PostgreSQL server is stopped");
          ok(!exists(cluster[2]), `the cluster's folder ${cluster[2]} is removed`);
        }
      } finally {
        // A failed check must not leave the nested run behind: stop it the way a user would (it
        // then cleans up itself), and only if that fails, kill it and whatever it left.
        if (!exited) {
          try {
            run.kill("SIGTERM");
          } catch { /* exited meanwhile */ }
          await within(status, "the nested run stopped", 60_000).catch(() => run.kill("SIGKILL"));
        }
        await status;
        const fixture = await Deno.readTextFile(report).then(JSON.parse).catch(() => undefined);
        if (fixture) {
          for (const pid of processesOfRun((fixture as Report).runId)) {
            try {
              Deno.kill(pid, "SIGKILL");
            } catch { /* gone */ }
          }
        }
        await Deno.remove(out, { recursive: true }).catch(() => {});
      }
    },
  });
}
