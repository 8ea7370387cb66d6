/**
 * Stopping the server while a reply is still streaming, past the drain deadline: the app cancels
 * the turn itself, so the partial answer and the hidden "cancelled" note are saved, then closes
 * the database cleanly and exits 0 — through `main.ts` and through `deno task dev`, on the
 * embedded database and on a PostgreSQL server.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { openDatabase, type Sql } from "../lib/db/mod.ts";
import { CANCELLED_NOTE } from "../lib/chatkit/pipeline.ts";
import { type DatabaseKind, emptyDatabase, SERVER_IGNORED, SKIP_SERVER } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { spawnMain } from "./support/main_process.ts";
import { waitUntil, within } from "./support/wait.ts";

const CREATE = JSON.stringify({
  type: "threads.create",
  params: {
    input: {
      content: [{ type: "input_text", text: "count" }],
      attachments: [],
      inference_options: {},
    },
  },
});

interface StoredItem {
  type: string;
  payload: { content?: { text: string }[] | string };
}

async function itemsOf(sql: Sql, threadId: string): Promise<StoredItem[]> {
  return await sql<StoredItem[]>`
    select type, payload from thread_items where thread_id = ${threadId} order by created_at, seq`;
}

for (const entry of ["main.ts", "deno task dev"] as const) {
  for (const kind of ["pglite", "postgres"] as DatabaseKind[]) {
    const ignore = kind === "postgres" && SKIP_SERVER;
    Deno.test({
      name:
        `[${kind}] ${entry} - SIGTERM mid-reply past the drain deadline saves the partial answer, closes the database, exits cleanly${
          ignore ? SERVER_IGNORED : ""
        }`,
      ignore,
      sanitizeOps: false,
      sanitizeResources: false,
      async fn() {
        const dataDir = await Deno.makeTempDir({ prefix: "chatkit-shutdown-" });
        const server = kind === "postgres" ? await emptyDatabase("postgres") : undefined;
        // Two words, then the model holds the rest for ever: the turn outlives any drain.
        const model = await startFakeOpenAI({
          defaultTurn: () => ({
            text: "one two three four",
            holdAfterChunks: 2,
            release: new Promise(() => {}),
          }),
        });
        const app = spawnMain({
          task: entry === "deno task dev" ? "dev" : undefined,
          env: {
            DATA_DIR: dataDir,
            ...(server ? { DATABASE_URL: server.url } : {}),
            LOG_LEVEL: "info",
            OPENAI_BASE_URL: model.baseUrl,
            OPENAI_API_KEY: "sk-test",
            SHUTDOWN_DRAIN_SECONDS: "1",
          },
        });
        try {
          const url = await app.listening;
          const res = await fetch(`${url}/chatkit`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: CREATE,
          });
          const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
          let received = "";
          await within(
            (async () => {
              while (!/"delta":" ?two ?"/.test(received)) {
                const part = await reader.read();
                if (part.done) throw new Error(`the reply ended early:\n${received}`);
                received += part.value;
              }
            })(),
            "the reply streamed its first two words",
          );
          const threadId = received.match(/"thread\.created","thread":\{[^}]*?"id":"(thr_\w+)"/)
            ?.[1];
          ok(threadId, received);
          app.process.kill("SIGTERM");
          // The stream ends (it is not cut): the client is told the server is restarting.
          await within(
            (async () => {
              for (let part = await reader.read(); !part.done; part = await reader.read()) {
                received += part.value;
              }
            })(),
            "the reply's stream ended after SIGTERM",
          );
          ok(/"type":"error"[^}]*"allow_retry":true/.test(received), received);
          const code = await within(app.exited, `${entry} exited after SIGTERM`, 30_000);
          // main.ts exits 0. Under --watch, Deno.exit would leave the watcher waiting for a file
          // change, so dev.ts ends by the signal once everything is closed: 128 + 15.
          equal(code, entry === "main.ts" ? 0 : 143, app.output());
          ok(!/BadResource|Uncaught/.test(app.output()), app.output());
          await waitUntil(
            () => app.output().includes('"msg":"stopped"'),
            "the app logged that it stopped after closing the database",
          );

          // What the next start finds: the question, the partial answer, the hidden note.
          let items: StoredItem[];
          if (server) {
            items = await itemsOf(server.sql, threadId);
          } else {
            // Closed cleanly: PGlite removes its postmaster.pid only on a proper close.
            const files = [...Deno.readDirSync(`${dataDir}/pglite`)].map((e) => e.name);
            ok(!files.includes("postmaster.pid"), "the embedded database was closed cleanly");
            const db = await openDatabase({ dataDir, databasePoolSize: 1 });
            try {
              items = await itemsOf(db.sql, threadId);
            } finally {
              await db.close();
            }
          }
          deepEqual(items.map((i) => i.type), [
            "user_message",
            "assistant_message",
            "sdk_hidden_context",
          ]);
          const answer = (items[1].payload.content as { text: string }[])[0].text;
          ok(/^one ?two ?$/.test(answer), `the partial answer was kept: ${answer}`);
          equal(items[2].payload.content, CANCELLED_NOTE);
        } finally {
          await app.kill();
          await model.close();
          await server?.close();
          await Deno.remove(dataDir, { recursive: true }).catch(() => {});
        }
      },
    });
  }
}
