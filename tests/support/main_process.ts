/**
 * `main.ts` in a child process, as an operator starts it: its own environment (nothing from the
 * test's), the permissions given, output captured. Used by the production, pooler and
 * many-instance tests.
 * @module
 */
import { ROOT } from "../../lib/app.ts";
import { TEST_SECRET } from "./app.ts";
import { within } from "./wait.ts";

/** What Deno Deploy grants: network, environment, reading files, system info. */
export const DEPLOY_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];

/** A running (or finished) `main.ts`. */
export interface MainProcess {
  process: Deno.ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** The JSON log lines written so far. */
  lines(): Record<string, unknown>[];
  /** Resolves with the URL of the "listening" line; rejects when the process ends first. */
  listening: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** SIGTERM, then the exit code (SIGKILL and an error if it is still running after 60 s). */
  stop(): Promise<number>;
  /** SIGKILL if still running (for `finally`: an assertion may have failed first). */
  kill(): Promise<void>;
}

export interface MainOptions {
  env?: Record<string, string>;
  /** Deno permission flags (default: all). */
  permissions?: string[];
  /** How long to wait for "listening" (ms). */
  timeoutMs?: number;
  /** Runs `deno task <task>` (e.g. "dev") instead of `main.ts`. */
  task?: string;
}

/** Starts `main.ts` in the project root with PORT=0 on 127.0.0.1 and the test secret. */
export function spawnMain(options: MainOptions = {}): MainProcess {
  const process = new Deno.Command(Deno.execPath(), {
    args: options.task
      ? ["task", options.task]
      : ["run", ...(options.permissions ?? ["-A"]), `${ROOT}main.ts`],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? "/tmp",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      // The run's temporary folder and marker, so that `tests/run.ts` can always clean up after it.
      ...(Deno.env.get("TMPDIR") ? { TMPDIR: Deno.env.get("TMPDIR")! } : {}),
      ...(Deno.env.get("TEST_RUN_ID") ? { TEST_RUN_ID: Deno.env.get("TEST_RUN_ID")! } : {}),
      NO_COLOR: "1",
      RUST_BACKTRACE: "0",
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      BETTER_AUTH_SECRET: TEST_SECRET,
      OPENAI_AGENTS_DISABLE_TRACING: "1",
      ...options.env,
    },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  let onText = () => {};
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      onText();
    }
  };
  const pumped = Promise.all([pump(process.stdout), pump(process.stderr)]);
  const exited = process.status.then(async (status) => {
    await pumped;
    return status.code;
  });
  const timeoutMs = options.timeoutMs ?? 60_000;
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`main.ts wrote no "listening" line in ${timeoutMs} ms:\n${text}`)),
      timeoutMs,
    );
    onText = () => {
      const match = text.match(/"msg":"listening","url":"([^"]+)"/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`main.ts exited (${code}) before listening:\n${text}`));
    });
  });
  listening.catch(() => {});
  let done = false;
  exited.then(() => done = true);
  const kill = async () => {
    if (done) return;
    try {
      process.kill("SIGKILL");
    } catch { /* already gone */ }
    await exited;
  };
  return {
    process,
    output: () => text,
    lines: () =>
      text.split("\n").filter((l) => l.startsWith("{")).map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return { unparsed: l };
        }
      }),
    listening,
    exited,
    async stop() {
      try {
        process.kill("SIGTERM");
      } catch { /* already gone */ }
      try {
        return await within(exited, "main.ts exited after SIGTERM", 60_000);
      } catch (error) {
        await kill();
        throw error;
      }
    },
    kill,
  };
}

/** Builds `_fresh/` as an operator does (`deno task build`). */
export async function buildClientBundles(): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno task build failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}
