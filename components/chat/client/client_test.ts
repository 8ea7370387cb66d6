/**
 * The protocol client against the real app over loopback (real routes, store on PGlite, the
 * model faked at its HTTP boundary). The fetch handed to the client only records what it sends
 * and passes it on to the app.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import type { ThreadStreamEvent } from "../../../lib/chatkit/types.ts";
import { type Harness, startHarness } from "../../../tests/chatkit_helpers.ts";
import { testDatabase } from "../../../tests/support/db.ts";
import { within } from "../../../tests/support/wait.ts";
import { ChatKitClient, ChatKitRequestError, textInput } from "./client.ts";
import { createApiFetch } from "./fetch.ts";

interface Sent {
  url: string;
  init: RequestInit;
  body: { type: string; params: Record<string, unknown> };
}

/** A test with the app on the file's embedded database (shared, hence no sanitizers). */
function clientTest(name: string, fn: (h: Harness) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const h = await startHarness(await testDatabase("pglite"));
      try {
        await fn(h);
      } finally {
        await h.close();
      }
    },
  });
}

/** The harness's fetch (one visitor's cookies), recording every request it passes on. */
function recordingFetch(h: Harness) {
  const sent: Sent[] = [];
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}) => {
    sent.push({ url: String(input), init, body: JSON.parse(String(init.body)) });
    return h.fetch(String(input), init);
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

/** Drains a stream of events (bounded: a stream that never ends fails the test). */
async function drain(
  events: AsyncIterable<ThreadStreamEvent>,
  onEvent?: (event: ThreadStreamEvent) => void,
): Promise<ThreadStreamEvent[]> {
  const out: ThreadStreamEvent[] = [];
  await within(
    (async () => {
      for await (const event of events) {
        out.push(event);
        onEvent?.(event);
      }
    })(),
    "the event stream ended",
  );
  return out;
}

function created(events: ThreadStreamEvent[]) {
  const event = events.find((e) => e.type === "thread.created");
  ok(event?.type === "thread.created", events.map((e) => e.type).join());
  return event.thread;
}

clientTest("client - streaming requests yield the server's events as they arrive", async (h) => {
  const { sent, fetch } = recordingFetch(h);
  const client = new ChatKitClient({ fetch, url: `${h.app.url}/chatkit` });
  // The model holds after its first chunk until that delta came out of the client's iterator:
  // a client that buffered the stream could never end this one.
  let release!: () => void;
  const firstDelta = new Promise<void>((resolve) => release = resolve);
  h.fake.enqueue({ chunks: ["Hel", "lo"], holdAfterChunks: 1, release: firstDelta });
  const first = await drain(client.createThread(textInput("Hi")), (event) => {
    if (event.type === "thread.item.updated") release();
  });
  deepEqual(first.map((e) => e.type).slice(0, 4), [
    "thread.created",
    "thread.item.done",
    "stream_options",
    "thread.item.added",
  ]);
  const thread = created(first);
  const done = first.filter((e) => e.type === "thread.item.done").map((e) =>
    e.type === "thread.item.done" ? e.item : undefined
  );
  const [userItem, reply] = done;
  ok(reply?.type === "assistant_message");
  equal(reply.content.map((c) => c.text).join(""), "Hello");

  await drain(client.addUserMessage(thread.id, textInput("Again")));
  await drain(client.retryAfterItem(thread.id, userItem!.id));
  deepEqual(sent.map((s) => s.body), [
    {
      type: "threads.create",
      params: {
        input: {
          content: [{ type: "input_text", text: "Hi" }],
          attachments: [],
          inference_options: {},
        },
      },
    },
    {
      type: "threads.add_user_message",
      params: {
        thread_id: thread.id,
        input: {
          content: [{ type: "input_text", text: "Again" }],
          attachments: [],
          inference_options: {},
        },
      },
    },
    { type: "threads.retry_after_item", params: { thread_id: thread.id, item_id: userItem!.id } },
  ]);
  equal(sent[0].url, `${h.app.url}/chatkit`);
  // The retry answered the first message again: only it and a new reply are left.
  const items = await h.store.loadThreadItems(thread.id, undefined, 10, "asc");
  deepEqual(items.data.map((i) => i.type), ["user_message", "assistant_message"]);
  equal(h.fake.replyRequests().at(-1)!.lastUserText, "Hi");
});

clientTest("client - JSON requests have the component's shapes and do what they say", async (h) => {
  const { sent, fetch } = recordingFetch(h);
  const client = new ChatKitClient({ fetch, url: `${h.app.url}/chatkit`, locale: "de-DE" });
  const events = await drain(client.createThread(textInput("Tell me something")));
  const thread = created(events);
  sent.length = 0;

  const threads = await client.listThreads({ limit: 20, order: "desc" });
  deepEqual(threads.data.map((t) => t.id), [thread.id]);
  const items = await client.listItems(thread.id, { order: "desc" });
  deepEqual(items.data.map((i) => i.type), ["assistant_message", "user_message"]);
  const after = await client.listItems(thread.id, { order: "desc", after: items.data[0].id });
  deepEqual(after.data.map((i) => i.id), [items.data[1].id]);
  equal((await client.getThread(thread.id)).id, thread.id);
  equal((await client.renameThread(thread.id, "New title")).title, "New title");
  equal((await h.store.loadThread(thread.id))?.title, "New title");
  await client.sendFeedback(thread.id, [items.data[0].id], "negative");
  const feedback = await h.db.sql`select kind from item_feedback where item_id = ${
    items.data[0].id
  }`;
  deepEqual(feedback.map((r) => r.kind), ["negative"]);
  await client.deleteThread(thread.id);
  equal(await h.store.loadThread(thread.id), null);
  // Deleting what is already gone (another tab) is done, not an error.
  await client.deleteThread(thread.id);

  deepEqual(sent.map((s) => s.body), [
    { type: "threads.list", params: { limit: 20, order: "desc" } },
    { type: "items.list", params: { thread_id: thread.id, order: "desc" } },
    {
      type: "items.list",
      params: { thread_id: thread.id, order: "desc", after: items.data[0].id },
    },
    { type: "threads.get_by_id", params: { thread_id: thread.id } },
    { type: "threads.update", params: { thread_id: thread.id, title: "New title" } },
    {
      type: "items.feedback",
      params: { thread_id: thread.id, item_ids: [items.data[0].id], kind: "negative" },
    },
    { type: "threads.delete", params: { thread_id: thread.id } },
    { type: "threads.delete", params: { thread_id: thread.id } },
  ]);
  equal(sent[0].init.method, "POST");
  deepEqual(sent[0].init.headers, {
    "content-type": "application/json",
    "accept-language": "de-DE",
  });
});

clientTest(
  "client - non-2xx answers become ChatKitRequestError with the server's code",
  async (h) => {
    const { fetch } = recordingFetch(h);
    const client = new ChatKitClient({ fetch, url: `${h.app.url}/chatkit` });
    await rejects(client.getThread("thr_0123456789abcdef01234567"), (error: unknown) => {
      ok(error instanceof ChatKitRequestError, String(error));
      deepEqual([error.status, error.code, error.message], [404, "not_found", "Thread not found"]);
      return true;
    });
    // A body that is not the protocol's error shape (a page that does not exist): the status text.
    const lost = new ChatKitClient({ fetch, url: `${h.app.url}/no-such-endpoint` });
    await rejects(lost.listThreads(), (error: unknown) => {
      ok(error instanceof ChatKitRequestError, String(error));
      equal(error.status, 404);
      ok(/not found/i.test(error.message), error.message);
      return true;
    });
  },
);

clientTest(
  "fetch - sends cookies, or a Bearer token without cookies, keeping the caller's headers",
  async (h) => {
    const seen: RequestInit[] = [];
    const baseFetch = ((input: RequestInfo | URL, init?: RequestInit) => {
      seen.push(init!);
      return h.fetch(String(input), init);
    }) as typeof fetch;
    const body = JSON.stringify({ type: "threads.list", params: {} });
    const withCookies = await createApiFetch({ baseFetch })(`${h.app.url}/chatkit`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "fr" },
      body,
    });
    equal(withCookies.status, 200, "the app answered the cookie request");
    await withCookies.body?.cancel();
    const withToken = await createApiFetch({ baseFetch, authToken: "tok_123" })(
      `${h.app.url}/chatkit`,
      { method: "POST", headers: { "content-type": "application/json" }, body },
    );
    await withToken.body?.cancel();
    equal(seen[0].credentials, "include");
    equal(seen[0].method, "POST");
    const h0 = seen[0].headers as Headers;
    deepEqual([h0.get("content-type"), h0.get("accept-language"), h0.get("authorization")], [
      "application/json",
      "fr",
      null,
    ]);
    equal(seen[1].credentials, "omit");
    equal((seen[1].headers as Headers).get("authorization"), "Bearer tok_123");
  },
);
