/**
 * Several instances of `main.ts` on one Postgres, as behind a load balancer without sticky
 * sessions: started at the same moment on an empty database they apply each migration once;
 * a visitor whose requests alternate between them sees one conversation; a rate limit counts
 * across them; an instance stopped mid-reply keeps what it had saved, partial reply included.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { MIGRATIONS_DIR, readMigrations } from "../lib/db/migrate.ts";
import { createRequest, parseSse } from "./chatkit_helpers.ts";
import { emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { within } from "./support/wait.ts";
import { type MainProcess, spawnMain } from "./support/main_process.ts";

const ignore = !SERVER_URL;
const suffix = ignore ? ` (ignored: ${SERVER_MISSING_REASON})` : "";

interface Visitor {
  cookie?: string;
}

/** POSTs a ChatKit request as `visitor` (keeping the cookies it is given). */
async function chatkit(url: string, visitor: Visitor, body: unknown): Promise<Response> {
  const res = await fetch(`${url}/chatkit`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(visitor.cookie ? { cookie: visitor.cookie } : {}),
    },
    body: JSON.stringify(body),
  });
  const set = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (set.length) visitor.cookie = set.join("; ");
  return res;
}

async function json(url: string, visitor: Visitor, body: unknown) {
  const res = await chatkit(url, visitor, body);
  equal(res.status, 200, await res.clone().text());
  return await res.json();
}

/** Reads a stream until `until` holds for the text so far; the reader is returned to go on. */
async function readUntil(
  reader: ReadableStreamDefaultReader<string>,
  sofar: { text: string },
  until: (text: string) => boolean,
  what: string,
): Promise<void> {
  // Bounded as a whole: a read that never returns fails the test instead of hanging it.
  await within(
    (async () => {
      while (!until(sofar.text)) {
        const part = await reader.read();
        if (part.done) throw new Error(`stream ended before ${what}:\n${sofar.text}`);
        sofar.text += part.value;
      }
    })(),
    `saw ${what}`,
  );
}

/** Reads a stream to its end (bounded). */
async function readRest(
  reader: ReadableStreamDefaultReader<string>,
  sofar: { text: string },
  what: string,
): Promise<void> {
  await within(
    (async () => {
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        sofar.text += part.value;
      }
    })(),
    what,
  );
}

const threadIdOf = (text: string) =>
  text.match(/"type":"thread\.created","thread":\{[^}]*?"id":"(thr_[^"]+)"/)?.[1];

Deno.test({
  name: `three instances - racing at boot on an empty database apply each migration once${suffix}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    const instances: MainProcess[] = [];
    try {
      // One worker each: this is about instances (tests/workers_test.ts is about workers).
      for (let i = 0; i < 3; i++) {
        instances.push(spawnMain({ env: { DATABASE_URL: db.url, WORKERS: "1" } }));
      }
      await Promise.all(instances.map((m) => m.listening));
      const files = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);
      const rows = await db.sql`select name from schema_migrations order by name`;
      deepEqual(rows.map((r) => r.name), files);
      // Between them the three applied every file exactly once.
      const applied = instances.flatMap((m) =>
        m.lines().filter((l) => l.msg === "migrations applied").flatMap((l) =>
          l.applied as string[]
        )
      );
      deepEqual(applied.sort(), [...files].sort());
    } finally {
      for (const m of instances) equal(await m.stop(), 0, m.output());
      await db.close();
    }
  },
});

Deno.test({
  name:
    `three instances - one conversation across them, a rate limit shared, a stop mid-reply${suffix}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    const model = await startFakeOpenAI({
      defaultTurn: () => ({ text: "alpha beta gamma delta", chunkDelayMs: 10 }),
    });
    const env = {
      DATABASE_URL: db.url,
      WORKERS: "1",
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: "sk-test",
      RATE_LIMIT_PER_MINUTE: "4",
    };
    const [a, b, c] = [spawnMain({ env }), spawnMain({ env }), spawnMain({ env })];
    try {
      const [urlA, urlB, urlC] = await Promise.all([a.listening, b.listening, c.listening]);
      const visitor: Visitor = {};

      // Streaming on A (its first words come late) while B lists the visitor's threads.
      model.enqueue({
        chunks: ["first ", "part ", "then ", "the rest"],
        firstChunkDelayMs: 1_500,
        chunkDelayMs: 10,
      });
      const streaming = await chatkit(urlA, visitor, createRequest("hello from A"));
      const reader = streaming.body!.pipeThrough(new TextDecoderStream()).getReader();
      const sofar = { text: "" };
      await readUntil(reader, sofar, (t) => !!threadIdOf(t), "thread.created");
      const threadId = threadIdOf(sofar.text)!;
      const listed = await json(urlB, visitor, { type: "threads.list", params: { limit: 10 } });
      deepEqual(listed.data.map((t: { id: string }) => t.id), [threadId]);
      await readRest(reader, sofar, "the reply streamed on A ended");
      ok(sofar.text.includes('"text":"first part then the rest"'), sofar.text);

      // Renamed on B, seen on A.
      await json(urlB, visitor, {
        type: "threads.update",
        params: { thread_id: threadId, title: "Renamed on B" },
      });
      const onA = await json(urlA, visitor, {
        type: "threads.get_by_id",
        params: { thread_id: threadId },
      });
      equal(onA.title, "Renamed on B");
      equal(onA.items.data.length, 2);

      // Four messages a minute, counted across instances: 1 (above) + B + C + A, then C refuses.
      for (const url of [urlB, urlC, urlA]) {
        const res = await chatkit(url, visitor, createRequest("one more"));
        equal(res.status, 200);
        parseSse(new Uint8Array(await res.arrayBuffer()));
      }
      const refused = await chatkit(urlC, visitor, createRequest("one too many"));
      equal(refused.status, 429, await refused.clone().text());
      await refused.body?.cancel();

      // A stopped while its reply stalls: the drain runs out, the reply is cut, and what had
      // been written of it is saved for the next instance to show.
      const other: Visitor = {};
      model.enqueue({ chunks: ["kept ", "words ", "never ", "sent"], stallAfterChunks: 2 });
      const cut = await chatkit(urlA, other, createRequest("stop while answering"));
      const cutReader = cut.body!.pipeThrough(new TextDecoderStream()).getReader();
      const cutText = { text: "" };
      await readUntil(cutReader, cutText, (t) => t.includes("words "), "the second chunk");
      const cutThread = threadIdOf(cutText.text)!;
      a.process.kill("SIGTERM");
      equal(await within(a.exited, "instance A exited after SIGTERM", 60_000), 0, a.output());
      const after = await json(urlB, other, {
        type: "threads.get_by_id",
        params: { thread_id: cutThread },
      });
      const texts = after.items.data.map((i: { content?: { text: string }[] }) =>
        (i.content ?? []).map((p) => p.text).join("")
      );
      equal(texts[0], "stop while answering");
      equal(texts[1], "kept words ");
    } finally {
      for (const m of [a, b, c]) await m.stop();
      await model.close();
      await db.close();
    }
  },
});
