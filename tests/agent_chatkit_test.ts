/**
 * The assistant end to end: real HTTP to `/chatkit` on loopback, the real app and database, and
 * the loopback fake of the model provider, for both API flavours.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Thread, ThreadItem, ThreadStreamEvent } from "../lib/chatkit/types.ts";
import { startTestApp, type TestApp } from "./support/app.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";
import { type FakeOpenAI, requestMessages, startFakeOpenAI } from "./support/fake_openai.ts";
import { eventually, within } from "./support/wait.ts";

type Api = "responses" | "chat_completions";

interface Harness {
  app: TestApp;
  fake: FakeOpenAI;
  /** `fetch` as one visitor (keeps the cookies the app sets). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

async function start(
  db: TestDatabase,
  api: Api | null,
  agent: Record<string, unknown> = {},
): Promise<Harness> {
  const fake = await startFakeOpenAI();
  const env: Record<string, string> = api
    ? { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "sk-test", OPENAI_API: api, MODEL: "fake-1" }
    : {};
  try {
    const app = await startTestApp({
      db,
      env,
      settings: {
        // Every request comes from 127.0.0.1: no rate limits here (0 = off).
        rateLimit: {
          perMinute: 0,
          perDay: 0,
          perAddressPerMinute: 0,
          perAddressPerDay: 0,
          newVisitorsPerAddressPerMinute: 0,
          newVisitorsPerAddressPerDay: 0,
        },
        agent: {
          maxRetries: 0,
          timeouts: { firstEventMs: 5_000, idleMs: 5_000 },
          ...agent,
        },
      },
    });
    const cookies = new Map<string, string>();
    return {
      app,
      fake,
      async fetch(path, init = {}) {
        const headers = new Headers(init.headers);
        if (cookies.size) {
          headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
        }
        const res = await app.fetch(path, { ...init, headers });
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(";");
          const at = pair.indexOf("=");
          cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
        }
        return res;
      },
      close: async () => {
        await app.close();
        await fake.close();
      },
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

interface Received {
  event: ThreadStreamEvent;
}

/** POSTs a streaming request and reads its SSE frames as they arrive (bounded). */
async function stream(
  h: Harness,
  body: unknown,
  options: { signal?: AbortSignal; onEvent?: (e: ThreadStreamEvent) => void } = {},
): Promise<Received[]> {
  const res = await h.fetch("/chatkit", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  assertEquals(res.status, 200);
  assertEquals(res.headers.get("content-type"), "text/event-stream");
  const out: Received[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const read = async () => {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        assert(frame.startsWith("data: "), frame);
        const event = JSON.parse(frame.slice(6)) as ThreadStreamEvent;
        out.push({ event });
        options.onEvent?.(event);
      }
    }
  };
  try {
    await within(read(), `the stream of ${JSON.stringify(body).slice(0, 60)} ended`);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  assertEquals(buffer, "", "the stream ends after a complete frame");
  return out;
}

async function json<T>(h: Harness, body: unknown): Promise<T> {
  const res = await h.fetch("/chatkit", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  assertEquals(res.status, 200);
  return await res.json() as T;
}

const input = (text: string) => ({
  content: [{ type: "input_text", text }],
  attachments: [],
  inference_options: {},
});
const create = (text: string) => ({ type: "threads.create", params: { input: input(text) } });
const addMessage = (threadId: string, text: string) => ({
  type: "threads.add_user_message",
  params: { thread_id: threadId, input: input(text) },
});

function threadId(events: Received[]): string {
  const created = events.find((r) => r.event.type === "thread.created")!.event;
  assert(created.type === "thread.created");
  return created.thread.id;
}

function textOf(item: ThreadItem): string {
  if (item.type === "assistant_message") return item.content.map((c) => c.text).join("");
  if (item.type === "user_message") return item.content.map((c) => c.text).join("");
  return "";
}

async function savedItems(h: Harness, id: string): Promise<ThreadItem[]> {
  const page = await json<{ data: ThreadItem[] }>(h, {
    type: "items.list",
    params: { thread_id: id, order: "asc", limit: 50 },
  });
  return page.data;
}

function errorEvent(events: Received[]) {
  const last = events.at(-1)!.event;
  assert(last.type === "error", `last event: ${JSON.stringify(last)}`);
  return last;
}

for (const api of ["responses", "chat_completions"] as const) {
  dbTest(`agent (${api}) - deltas stream over /chatkit as the model produces them`, async (db) => {
    const h = await start(db, api);
    try {
      // The model holds its other chunks until the first delta reached this client: a server that
      // buffered the reply could never finish this stream (and the bounded read fails).
      let firstDelta!: () => void;
      const deltaArrived = new Promise<void>((resolve) => firstDelta = resolve);
      h.fake.enqueue({
        chunks: ["The ", "answer ", "is ", "42."],
        holdAfterChunks: 1,
        release: deltaArrived,
      });
      h.fake.enqueueTitle({ text: '"The Answer."' });
      const events = await stream(h, create("What is the answer?"), {
        onEvent: (e) => {
          if (e.type === "thread.item.updated" && e.update.type.endsWith("text_delta")) {
            firstDelta();
          }
        },
      });
      const kinds = events.map((r) =>
        r.event.type === "thread.item.updated" ? r.event.update.type : r.event.type
      );
      // (The title's thread.updated may come at any point once the title is known.)
      assertEquals(kinds.filter((k) => k !== "thread.updated").slice(0, 5), [
        "thread.created",
        "thread.item.done",
        "stream_options",
        "thread.item.added",
        "assistant_message.content_part.added",
      ]);
      const deltas = events.filter((r) =>
        r.event.type === "thread.item.updated" &&
        r.event.update.type === "assistant_message.content_part.text_delta"
      );
      assertEquals(deltas.length, 4, "one delta per model chunk");
      const done = events.filter((r) => r.event.type === "thread.item.done").at(-1)!.event;
      assert(done.type === "thread.item.done");
      assertEquals(textOf(done.item), "The answer is 42.");

      // Title: pushed as thread.updated before the stream ended, and saved.
      const updated = events.find((r) => r.event.type === "thread.updated")?.event;
      assert(updated?.type === "thread.updated", kinds.join(","));
      assertEquals(updated.thread.title, "The Answer");
      const id = threadId(events);
      const saved = await json<Thread>(h, { type: "threads.get_by_id", params: { thread_id: id } });
      assertEquals(saved.title, "The Answer");
      assertEquals(saved.items.data.map(textOf), ["What is the answer?", "The answer is 42."]);

      const reply = h.fake.replyRequests()[0];
      assertEquals(reply.path, api === "responses" ? "/v1/responses" : "/v1/chat/completions");
      assertEquals((reply.body as { model: string }).model, "fake-1");
    } finally {
      await h.close();
    }
  });

  dbTest(`agent (${api}) - the second turn's request carries the first turn`, async (db) => {
    const h = await start(db, api);
    try {
      h.fake.enqueue({ text: "Nice to meet you, Ada." }, { text: "Your name is Ada." });
      const first = await stream(h, create("My name is Ada."));
      const id = threadId(first);
      const second = await stream(h, addMessage(id, "What is my name?"));
      assertEquals(
        second.filter((r) => r.event.type === "thread.updated").length,
        0,
        "no new title on the second turn",
      );
      const messages = requestMessages(h.fake.replyRequests()[1].body)
        .filter((m) => m.role !== "system");
      assertEquals(messages, [
        { role: "user", text: "My name is Ada." },
        { role: "assistant", text: "Nice to meet you, Ada." },
        { role: "user", text: "What is my name?" },
      ]);
      assertEquals(h.fake.titleRequests().length, 1, "one title per thread");
      assertEquals((await savedItems(h, id)).map(textOf), [
        "My name is Ada.",
        "Nice to meet you, Ada.",
        "What is my name?",
        "Your name is Ada.",
      ]);
    } finally {
      await h.close();
    }
  });

  dbTest(`agent (${api}) - provider 500 → error event, user message kept`, async (db) => {
    const h = await start(db, api);
    try {
      h.fake.enqueue({ status: 500 });
      h.fake.enqueueTitle({ status: 500 });
      const events = await stream(h, create("Hello?"));
      const error = errorEvent(events);
      assertEquals(error.code, "custom");
      assertEquals(error.allow_retry, true);
      assert(error.message?.includes("HTTP 500"), String(error.message));
      const id = threadId(events);
      assertEquals((await savedItems(h, id)).map((i) => i.type), ["user_message"]);
      const saved = await json<Thread>(h, { type: "threads.get_by_id", params: { thread_id: id } });
      assertEquals(saved.title, undefined, "a failed title leaves the title unset");
    } finally {
      await h.close();
    }
  });

  dbTest(`agent (${api}) - a provider that stops answering times out`, async (db) => {
    const h = await start(db, api, { timeouts: { firstEventMs: 400, idleMs: 300 } });
    try {
      h.fake.enqueue({ chunks: ["Half ", "an ", "answer"], stallAfterChunks: 2 });
      // The model stalls for ever: only the time-out can end this (bounded) stream.
      const events = await stream(h, create("Tell me"));
      const error = errorEvent(events);
      assertEquals(error.allow_retry, true);
      assert(error.message?.includes("stopped sending"), String(error.message));
      assertEquals(
        await within(h.fake.replyRequests()[0].finished, "the stalled upstream request was closed"),
        "aborted",
      );
      // The partial text and the user message are kept.
      const items = await savedItems(h, threadId(events));
      assertEquals(items.map(textOf), ["Tell me", "Half an "]);

      h.fake.enqueue({ hang: "before_headers" });
      const again = await stream(h, addMessage(threadId(events), "Hello?"));
      assert(errorEvent(again).message?.includes("did not answer"));
    } finally {
      await h.close();
    }
  });

  dbTest(
    `agent (${api}) - a stream dropped mid-way → error event, partial text kept`,
    async (db) => {
      const h = await start(db, api);
      try {
        h.fake.enqueue({
          chunks: ["Partial ", "reply ", "never finished"],
          dropAfterChunks: 2,
          chunkDelayMs: 50,
        });
        const events = await stream(h, create("Go"));
        const error = errorEvent(events);
        assertEquals(error.allow_retry, true);
        assert(error.message?.includes("broke off"), String(error.message));
        const items = await savedItems(h, threadId(events));
        assertEquals(items.map(textOf), ["Go", "Partial reply "]);
      } finally {
        await h.close();
      }
    },
  );

  dbTest(`agent (${api}) - a client disconnect closes the upstream request`, async (db) => {
    const h = await start(db, api);
    try {
      h.fake.enqueue({ chunks: ["One ", "two ", "three ", "four"], stallAfterChunks: 2 });
      const controller = new AbortController();
      let deltas = 0;
      let id = "";
      await stream(h, create("Count"), {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === "thread.created") id = e.thread.id;
          if (e.type === "thread.item.updated" && e.update.type.endsWith("text_delta")) {
            if (++deltas === 2) controller.abort();
          }
        },
      });
      const reply = h.fake.replyRequests()[0];
      assertEquals(
        await within(reply.finished, "the upstream request was closed after the disconnect"),
        "aborted",
      );
      await eventually(async () => {
        assertEquals((await savedItems(h, id)).map(textOf), ["Count", "One two "]);
      }, "the partial reply was saved");
    } finally {
      await h.close();
    }
  });
}

dbTest("agent - without a provider each message gets an error naming the variables", async (db) => {
  const h = await start(db, null);
  try {
    const events = await stream(h, create("Anyone there?"));
    const error = errorEvent(events);
    assertEquals(error.code, "custom");
    assertEquals(error.allow_retry, false);
    for (
      const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_API", "MODEL", "GEMINI_API_KEY"]
    ) {
      assert(error.message?.includes(name), `${name} in ${error.message}`);
    }
    assertEquals(h.fake.requests.length, 0, "no request anywhere");
    assertEquals((await savedItems(h, threadId(events))).map((i) => i.type), ["user_message"]);
  } finally {
    await h.close();
  }
});
