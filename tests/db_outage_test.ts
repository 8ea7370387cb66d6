/**
 * PostgreSQL going away while a reply streams (issue 14): the app's own throwaway cluster is
 * stopped mid-turn and started again. Back before the save's retries run out, the reply is
 * saved complete; away for longer, the user gets an error that says nothing was saved, and the
 * app recovers by itself. `/health` answers 503 (generic) meanwhile and 200 again after.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { ThreadItem, ThreadStreamEvent } from "../lib/chatkit/types.ts";
import { openDatabase } from "../lib/db/mod.ts";
import {
  addMessageRequest,
  createRequest,
  doneItem,
  type Harness,
  openLive,
  parseSse,
  startHarness,
} from "./chatkit_helpers.ts";
import {
  createDatabase,
  findPostgresBin,
  type PostgresCluster,
  startPostgresCluster,
} from "./support/postgres_server.ts";
import { eventually, waitUntil, within } from "./support/wait.ts";

const ignore = !findPostgresBin();
const METRICS_TOKEN = "metrics-token-for-the-outage-test";

interface Outage {
  cluster: PostgresCluster;
  h: Harness;
  close(): Promise<void>;
}

/** The app on a database of its own cluster, which the test may stop and start. */
async function start(saveRetrySeconds: number): Promise<Outage> {
  const cluster = await startPostgresCluster();
  try {
    const url = await createDatabase(cluster.url, "outage");
    // The app's database exactly as production opens it (its pool, its health ping).
    const database = await openDatabase({
      databaseUrl: url,
      dataDir: "",
      databasePoolSize: 4,
      databaseCaCert: undefined,
    });
    const h = await startHarness({ sql: database.sql, kind: "postgres", url }, {
      database,
      env: { METRICS_TOKEN },
      settings: { limits: { saveRetrySeconds } },
    });
    return {
      cluster,
      h,
      async close() {
        await h.close();
        await database.close();
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function health(h: Harness): Promise<{ status: number; body: string }> {
  const res = await h.fetch("/health");
  return { status: res.status, body: await res.text() };
}

/** Failed database queries so far (the operator's metric). */
async function failedQueries(h: Harness): Promise<number> {
  const res = await h.fetch("/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await res.text();
  equal(res.status, 200, text);
  return Number(text.match(/^chatkit_db_queries_total\{outcome="error"\} (\d+)/m)?.[1] ?? 0);
}

async function newThread(h: Harness): Promise<string> {
  h.fake.enqueue({ text: "First answer." });
  const events = await h.stream(createRequest("hello"));
  const created = events.find((e) => e.type === "thread.created");
  ok(created?.type === "thread.created");
  return created.thread.id;
}

/** A reply of many words that the model holds after its first until `release()`. */
function heldReply(h: Harness, words: string[]): () => void {
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  h.fake.enqueue({
    chunks: words.map((w, i) => (i ? " " : "") + w),
    holdAfterChunks: 1,
    release: held,
  });
  return release;
}

const isDelta = (e: ThreadStreamEvent) =>
  e.type === "thread.item.updated" &&
  e.update.type === "assistant_message.content_part.text_delta";

function textOf(item: ThreadItem): string {
  if (item.type === "user_message" || item.type === "assistant_message") {
    return item.content.map((c) => c.text).join("");
  }
  return `<${item.type}>`;
}

async function savedTexts(h: Harness, threadId: string): Promise<string[]> {
  const thread = await h.json<{ items: { data: ThreadItem[] } }>({
    type: "threads.get_by_id",
    params: { thread_id: threadId },
  });
  return thread.items.data.map(textOf);
}

/** The database is stopped: /health says so, without the database's own words. */
async function assertUnhealthy(h: Harness): Promise<void> {
  const answer = await health(h);
  equal(answer.status, 503, answer.body);
  deepEqual(JSON.parse(answer.body), { status: "unavailable", reason: "database unavailable" });
}

const WORDS = Array.from({ length: 20 }, (_, i) => `w${i + 1}`);

Deno.test({
  name:
    "[postgres] database outage - PostgreSQL stopped mid-reply and started before the retries run out: the reply is saved complete",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // A budget far longer than the outage: the test decides when the server is back.
    const { cluster, h, close } = await start(120);
    try {
      const threadId = await newThread(h);
      const release = heldReply(h, WORDS);
      const live = await openLive(h, addMessageRequest(threadId, "count to twenty"));
      await live.until(isDelta, "the reply's first delta");

      await cluster.halt();
      await assertUnhealthy(h);
      const failedBefore = await failedQueries(h);
      release();
      equal(
        await within(h.fake.replyRequests().at(-1)!.finished, "the model sent the whole reply"),
        "completed",
      );
      // The reply is complete in the app; saving it fails until the server is back.
      await waitUntil(
        async () => await failedQueries(h) > failedBefore,
        "a write failed while PostgreSQL was stopped",
      );
      await assertUnhealthy(h);
      await cluster.resume();

      const events = await live.rest();
      equal(events.filter((e) => e.type === "error").length, 0, JSON.stringify(events.at(-1)));
      equal(textOf(doneItem(events, "assistant_message")), WORDS.join(" "));
      equal((await health(h)).status, 200, "the pool reconnected by itself");
      deepEqual(await savedTexts(h, threadId), [
        "hello",
        "First answer.",
        "count to twenty",
        WORDS.join(" "),
      ]);
      h.fake.enqueue({ text: "Still here." });
      const next = await h.stream(addMessageRequest(threadId, "and now?"));
      equal(textOf(doneItem(next, "assistant_message")), "Still here.");
    } finally {
      await close();
    }
  },
});

Deno.test({
  name:
    "[postgres] database outage - PostgreSQL stopped for longer than the retries: the user is told nothing was saved, and the app recovers",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { cluster, h, close } = await start(1);
    try {
      const threadId = await newThread(h);
      const release = heldReply(h, WORDS);
      const live = await openLive(h, addMessageRequest(threadId, "count to twenty"));
      await live.until(isDelta, "the reply's first delta");

      await cluster.halt();
      release();
      const error = await live.until((e) => e.type === "error", "an error event");
      ok(error.type === "error");
      equal(error.code, "custom");
      ok(/not saved/.test(error.message ?? ""), String(error.message));
      equal(error.allow_retry, true);
      const events = await live.rest();
      equal(events.at(-1), error, "the stream ends with the error");
      ok(
        !events.some((e) => e.type === "thread.item.done" && e.item.type === "assistant_message"),
        "the reply is not announced as saved",
      );
      await assertUnhealthy(h);

      await cluster.resume();
      await eventually(async () => {
        const answer = await health(h);
        equal(answer.status, 200, answer.body);
      }, "/health answered 200 once PostgreSQL was back");
      // The user's message was saved before the outage; the reply could not be.
      deepEqual(await savedTexts(h, threadId), ["hello", "First answer.", "count to twenty"]);
      // The thread takes a new turn (once the ended turn's mark is cleared: until then 409,
      // which changes nothing).
      h.fake.enqueue({ text: "Back." });
      const next = await eventually(async () => {
        const res = await h.post(addMessageRequest(threadId, "again"));
        if (res.status !== 200) {
          const body = await res.text();
          throw new Error(`${res.status}: ${body}`);
        }
        return parseSse(new Uint8Array(await within(res.arrayBuffer(), "the stream ended")));
      }, "a new turn after the outage");
      equal(textOf(doneItem(next, "assistant_message")), "Back.");
      deepEqual((await savedTexts(h, threadId)).slice(-2), ["again", "Back."]);
    } finally {
      await close();
    }
  },
});
