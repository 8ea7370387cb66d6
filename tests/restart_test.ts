/**
 * The production entry as an operator runs it: start, serve, stop on SIGTERM within 10 s, and
 * find the embedded database's data again after the restart.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { ROOT } from "../lib/app.ts";
import { TEST_SECRET } from "./support/app.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";

interface Started {
  process: Deno.ChildProcess;
  url: string;
  output: () => string;
}

async function startMain(dataDir: string, modelUrl: string): Promise<Started> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`],
    env: {
      DATA_DIR: dataDir,
      PORT: "0",
      HOSTNAME: "127.0.0.1",
      BETTER_AUTH_SECRET: TEST_SECRET,
      OPENAI_BASE_URL: modelUrl,
      OPENAI_API_KEY: "sk-test",
    },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in 60 s:\n${text}`)),
      60_000,
    );
    (async () => {
      for await (const chunk of process.stdout) {
        text += decoder.decode(chunk);
        const match = text.match(/"msg":"listening","url":"([^"]+)"/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    })();
    (async () => {
      for await (const chunk of process.stderr) text += decoder.decode(chunk);
    })();
  });
  return { process, url, output: () => text };
}

Deno.test({
  name: "main.ts - SIGTERM stops within 10 s and embedded data survives the restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-restart-" });
    // Six words, 300 ms apart: the reply is still streaming when SIGTERM arrives.
    const model = await startFakeOpenAI({
      defaultTurn: () => ({ text: "one two three four five six", chunkDelayMs: 300 }),
    });
    try {
      const first = await startMain(dataDir, model.baseUrl);
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
      let received = (await reader.read()).value ?? "";
      const stoppedAt = performance.now();
      first.process.kill("SIGTERM");
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        received += part.value;
      }
      ok(received.includes('"text":"one two three four five six"'), received);
      const status = await first.process.status;
      const took = performance.now() - stoppedAt;
      equal(status.code, 0, first.output());
      ok(took < 10_000, `shutdown took ${took} ms`);
      ok(first.output().includes("migrations applied"));

      const second = await startMain(dataDir, model.baseUrl);
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
        equal((await second.process.status).code, 0);
      }
    } finally {
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
