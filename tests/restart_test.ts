/**
 * The production entry as an operator runs it: start, serve, stop on SIGTERM (finishing the reply
 * in flight, exiting 0 rather than by the 10 s hard stop), and find the embedded database's data
 * again after the restart.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { ROOT } from "../lib/app.ts";
import { TEST_SECRET } from "./support/app.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { waitUntil, within } from "./support/wait.ts";

interface Started {
  process: Deno.ChildProcess;
  url: string;
  output: () => string;
  /** Kills the process if it still runs (for `finally`: an assertion may fail first). */
  kill(): Promise<void>;
}

/**
 * The child's whole environment, spelled out: nothing of the test run's (DATABASE_URL, LOG_LEVEL,
 * OPENAI_*) leaks in and changes what is tested. Only what Deno itself needs to find its cache
 * and tools is passed on, and the run's marker so that `tests/run.ts` can always stop it.
 */
function childEnv(dataDir: string, modelUrl: string): Record<string, string> {
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "info",
    BETTER_AUTH_SECRET: TEST_SECRET,
    OPENAI_BASE_URL: modelUrl,
    OPENAI_API_KEY: "sk-test",
    NO_COLOR: "1",
  };
  for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR", "TEST_RUN_ID"]) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return env;
}

async function startMain(dataDir: string, modelUrl: string): Promise<Started> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`],
    clearEnv: true,
    env: childEnv(dataDir, modelUrl),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const status = process.status;
  let exited = false;
  status.then(() => exited = true);
  const kill = async () => {
    if (exited) return;
    try {
      process.kill("SIGKILL");
    } catch { /* exited meanwhile */ }
    await status;
  };
  let text = "";
  const decoder = new TextDecoder();
  (async () => {
    for await (const chunk of process.stdout) text += decoder.decode(chunk);
  })();
  (async () => {
    for await (const chunk of process.stderr) text += decoder.decode(chunk);
  })();
  try {
    // The server binds port 0 and says where it listens: no port can be taken in between.
    const url = await waitUntil(
      () => exited ? Promise.reject(new Error(`main.ts exited:\n${text}`)) : listeningUrl(text),
      `main.ts printed its "listening" line (output so far:\n${text})`,
      60_000,
    );
    return { process, url, output: () => text, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

function listeningUrl(text: string): string | undefined {
  return text.match(/"msg":"listening","url":"([^"]+)"/)?.[1];
}

/** Reads a text stream to its end (bounded: a server that never ends it fails the test). */
async function readToEnd(
  reader: ReadableStreamDefaultReader<string>,
  what: string,
): Promise<string> {
  let received = "";
  await within(
    (async () => {
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        received += part.value;
      }
    })(),
    what,
  );
  return received;
}

Deno.test({
  name: "main.ts - SIGTERM finishes the reply in flight, exits 0, and embedded data survives",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-restart-" });
    // Six words; after two the model holds the rest until main.ts has begun shutting down, so
    // the reply is certainly in flight when SIGTERM arrives.
    let release!: () => void;
    const shuttingDown = new Promise<void>((resolve) => release = resolve);
    const model = await startFakeOpenAI({
      defaultTurn: () => ({
        text: "one two three four five six",
        holdAfterChunks: 2,
        release: shuttingDown,
      }),
    });
    const started: Started[] = [];
    try {
      const first = await startMain(dataDir, model.baseUrl);
      started.push(first);
      equal((await fetch(`${first.url}/health`)).status, 200);
      // A reply still streaming when SIGTERM arrives runs to its end before the process exits.
      const stream = await fetch(`${first.url}/chatkit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          type: "threads.create",
          params: {
            input: {
              content: [{ type: "input_text", text: "count" }],
              attachments: [],
              inference_options: {},
            },
          },
        }),
      });
      // The visitor cookie names this caller again after the restart.
      const cookie = stream.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let received = "";
      await within(
        (async () => {
          while (!/"delta":" ?two ?"/.test(received)) {
            const part = await reader.read();
            if (part.done) throw new Error(`the reply ended before SIGTERM:\n${received}`);
            received += part.value;
          }
        })(),
        "the reply streamed its first two words",
      ).catch((error) => {
        throw new Error(`${error.message}; received:\n${received}`);
      });
      first.process.kill("SIGTERM");
      await waitUntil(
        () => first.output().includes('"msg":"shutting down"'),
        "main.ts logged that it is shutting down",
      );
      release();
      received += await readToEnd(reader, "the reply in flight ended after SIGTERM");
      ok(received.includes('"text":"one two three four five six"'), received);
      const status = await within(first.process.status, "main.ts exited after SIGTERM", 60_000);
      // Exit code 0: a clean drain. The 10 s hard stop of lib/app.ts exits with 1.
      equal(status.code, 0, first.output());
      ok(first.output().includes("migrations applied"));

      const second = await startMain(dataDir, model.baseUrl);
      started.push(second);
      try {
        equal((await fetch(`${second.url}/health`)).status, 200);
        // schema_migrations rows written by the first run were flushed and read back.
        ok(!second.output().includes("migrations applied"), "migrations are not applied twice");
        const threadId = received.match(
          /"type":"thread\.created","thread":\{[^}]*?"id":"(thr_[^"]+)"/,
        )
          ?.[1];
        ok(threadId, received);
        const thread = await (await fetch(`${second.url}/chatkit`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie },
          body: JSON.stringify({ type: "threads.get_by_id", params: { thread_id: threadId } }),
        })).json();
        const texts = thread.items.data.flatMap((item: { content: { text: string }[] }) =>
          item.content.map((part) => part.text)
        );
        deepEqual(texts, ["count", "one two three four five six"]);
      } finally {
        second.process.kill("SIGTERM");
      }
      const secondStatus = await within(second.process.status, "the restarted main.ts exited");
      equal(secondStatus.code, 0, second.output());
    } finally {
      for (const process of started) await process.kill();
      await model.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "embedded database - rows written before close are there after reopening",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { openDatabase } = await import("../lib/db/mod.ts");
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-persist-" });
    try {
      const config = { dataDir, databasePoolSize: 1 };
      const first = await openDatabase(config);
      await first.sql`create table notes (body text)`;
      await first.sql`insert into notes values ('kept across restarts')`;
      await first.close();
      const second = await openDatabase(config);
      try {
        const rows = await second.sql`select body from notes`;
        equal(rows[0]?.body, "kept across restarts");
      } finally {
        await second.close();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
