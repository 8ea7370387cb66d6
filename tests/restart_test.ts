/**
 * The production entry as an operator runs it: start, serve, stop on SIGTERM (finishing the reply
 * in flight, exiting 0 rather than by the 10 s hard stop), and find the embedded database's data
 * again after the restart.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { type MainProcess, spawnMain } from "./support/main_process.ts";
import { waitUntil, within } from "./support/wait.ts";

/**
 * `main.ts` on the embedded database in `dataDir`. Its environment is spelled out (spawnMain
 * clears the rest): nothing of the test run's (DATABASE_URL, LOG_LEVEL, OPENAI_*) leaks in and
 * changes what is tested.
 */
async function startMain(dataDir: string, modelUrl: string) {
  const main = spawnMain({
    env: {
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      OPENAI_BASE_URL: modelUrl,
      OPENAI_API_KEY: "sk-test",
    },
  });
  try {
    // The server binds port 0 and says where it listens: no port can be taken in between.
    return { ...main, url: await main.listening };
  } catch (error) {
    await main.kill();
    throw error;
  }
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
    const started: MainProcess[] = [];
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
      const code = await within(first.exited, "main.ts exited after SIGTERM", 60_000);
      // Exit code 0: a clean drain. The 10 s hard stop of lib/app.ts exits with 1.
      equal(code, 0, first.output());
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
      equal(await second.stop(), 0, second.output());
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
