/**
 * One turn per thread at a time (issue 14): a second turn-starting request on a thread whose
 * reply is still streaming gets 409 and changes nothing; the thread takes new turns again once
 * the reply ends, however it ends; a mark left by an instance that died expires by itself.
 * The model holds its reply (`holdAfterChunks` + `release`), so "while it streams" is a fact.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { ThreadItem, ThreadStreamEvent } from "../lib/chatkit/types.ts";
import {
  addMessageRequest,
  createRequest,
  doneItem,
  type Harness,
  openLive,
  parseSse,
  startHarness,
} from "./chatkit_helpers.ts";
import { dbTest } from "./support/db.ts";
import { requestMessages } from "./support/fake_openai.ts";
import { eventually, within } from "./support/wait.ts";

const isDelta = (e: ThreadStreamEvent) =>
  e.type === "thread.item.updated" &&
  e.update.type === "assistant_message.content_part.text_delta";

function textOf(item: ThreadItem): string {
  if (item.type === "user_message") return item.content.map((c) => c.text).join("");
  if (item.type === "assistant_message") return item.content.map((c) => c.text).join("");
  return `<${item.type}>`;
}

async function storedTexts(h: Harness, threadId: string): Promise<string[]> {
  const page = await h.store.loadThreadItems(threadId, undefined, 100, "asc");
  return page.data.map(textOf);
}

/** A reply the model holds after its first chunk until `release()`. */
function heldReply(h: Harness, chunks: string[]): () => void {
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  h.fake.enqueue({ chunks, holdAfterChunks: 1, release: held });
  return release;
}

async function newThread(h: Harness, text: string): Promise<string> {
  h.fake.enqueue({ text: "First answer." });
  const events = await h.stream(createRequest(text));
  const created = events.find((e) => e.type === "thread.created");
  ok(created?.type === "thread.created");
  return created.thread.id;
}

async function refusedBusy(res: Response, what: string): Promise<void> {
  const body = await res.text();
  equal(res.status, 409, `${what}: ${body}`);
  equal(res.headers.get("content-type"), "application/json");
  const { error } = JSON.parse(body);
  equal(error.code, "turn_in_progress", what);
  ok(/still being written/.test(error.message), error.message);
}

dbTest(
  "one turn per thread - a second turn while a reply streams gets 409 and stores nothing; the next one after it works",
  async (db) => {
    const h = await startHarness(db);
    try {
      const threadId = await newThread(h, "hello");
      // Widget actions that run the model count as turns too; those that do not are exempt.
      const handlers = h.app.services.chatkit.handlers;
      handlers.actionStartsTurn = true;
      handlers.action = async function* () {};
      handlers.syncAction = () => Promise.resolve({});

      const release = heldReply(h, ["Still ", "writing ", "this."]);
      const live = await openLive(h, addMessageRequest(threadId, "first question"));
      const user = await live.until(
        (e) => e.type === "thread.item.done" && e.item.type === "user_message",
        "the first question was stored",
      );
      ok(user.type === "thread.item.done");
      await live.until(isDelta, "the held reply's first delta");
      const before = await storedTexts(h, threadId);
      const modelCalls = h.fake.replyRequests().length;

      await refusedBusy(
        await h.post(addMessageRequest(threadId, "second question")),
        "add_user_message",
      );
      await refusedBusy(
        await h.post({
          type: "threads.retry_after_item",
          params: { thread_id: threadId, item_id: user.item.id },
        }),
        "retry_after_item",
      );
      await refusedBusy(
        await h.post({
          type: "threads.custom_action",
          params: { thread_id: threadId, item_id: null, action: { type: "go", payload: {} } },
        }),
        "custom_action that starts a turn",
      );
      // sync_custom_action answers during a stream (the widget's own buttons use it).
      const sync = await h.post({
        type: "threads.sync_custom_action",
        params: { thread_id: threadId, item_id: null, action: { type: "tick", payload: {} } },
      });
      equal(sync.status, 200, await sync.text());

      deepEqual(await storedTexts(h, threadId), before, "the refused requests stored nothing");
      equal(h.fake.replyRequests().length, modelCalls, "and called no model");

      release();
      const first = await live.rest();
      equal(textOf(doneItem(first, "assistant_message")), "Still writing this.");

      // Once the reply has ended, the thread takes the next message, whose model call sees the
      // whole conversation in order (user, assistant, user, assistant).
      h.fake.enqueue({ text: "Third answer." });
      const third = await h.stream(addMessageRequest(threadId, "third question"));
      equal(textOf(doneItem(third, "assistant_message")), "Third answer.");
      deepEqual(await storedTexts(h, threadId), [
        "hello",
        "First answer.",
        "first question",
        "Still writing this.",
        "third question",
        "Third answer.",
      ]);
      const sent = requestMessages(h.fake.replyRequests().at(-1)!.body)
        .filter((m) => m.role !== "system" && m.role !== "developer")
        .map((m) => `${m.role}: ${m.text}`);
      deepEqual(sent, [
        "user: hello",
        "assistant: First answer.",
        "user: first question",
        "assistant: Still writing this.",
        "user: third question",
      ]);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "one turn per thread - a new thread's first reply holds its thread too",
  async (db) => {
    const h = await startHarness(db);
    try {
      const release = heldReply(h, ["One ", "moment."]);
      const live = await openLive(h, createRequest("start"));
      const created = await live.until((e) => e.type === "thread.created", "thread.created");
      ok(created.type === "thread.created");
      await live.until(isDelta, "the held reply's first delta");
      await refusedBusy(
        await h.post(addMessageRequest(created.thread.id, "too soon")),
        "add_user_message during the first reply",
      );
      release();
      await live.rest();
      h.fake.enqueue({ text: "Now." });
      const next = await h.stream(addMessageRequest(created.thread.id, "now?"));
      equal(textOf(doneItem(next, "assistant_message")), "Now.");
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "one turn per thread - the mark is cleared when a reply fails and when the client goes away",
  async (db) => {
    const h = await startHarness(db, { settings: { agent: { maxRetries: 0 } } });
    try {
      const threadId = await newThread(h, "hello");
      // The model fails: the stream ends with an error event, and the thread takes a new turn.
      h.fake.enqueue({ status: 400, errorMessage: "bad request upstream" });
      const failed = await h.stream(addMessageRequest(threadId, "fails"));
      equal(failed.at(-1)?.type, "error");
      h.fake.enqueue({ text: "Recovered." });
      const after = await h.stream(addMessageRequest(threadId, "after the error"));
      equal(textOf(doneItem(after, "assistant_message")), "Recovered.");

      // The client goes away mid-reply: once the server has saved what it had, a new message is
      // taken (until then it may be refused with 409, which changes nothing).
      heldReply(h, ["Half ", "of it."]);
      const live = await openLive(h, addMessageRequest(threadId, "leave early"));
      await live.until(isDelta, "the held reply's first delta");
      await live.cancel();
      equal(
        await within(h.fake.replyRequests().at(-1)!.finished, "the model request was closed"),
        "aborted",
      );
      h.fake.enqueue({ text: "Back again." });
      const events = await eventually(async () => {
        const res = await h.post(addMessageRequest(threadId, "back"));
        if (res.status === 409) {
          await res.body?.cancel();
          throw new Error("still 409");
        }
        equal(res.status, 200, await res.clone().text());
        return parseSse(new Uint8Array(await within(res.arrayBuffer(), "the stream ended")));
      }, "a new message was taken after the client went away");
      equal(textOf(doneItem(events, "assistant_message")), "Back again.");
      const texts = await storedTexts(h, threadId);
      deepEqual(texts.slice(-4), ["Half ", "<sdk_hidden_context>", "back", "Back again."]);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "one turn per thread - an expired mark (an instance that died) does not block; a request refused by the rate limit leaves no mark",
  async (db) => {
    // 3 turns a day for this visitor: the first two succeed or fail on the mark, the third on
    // the limit. (A day window: a minute window could roll over between the requests.)
    const h = await startHarness(db, {
      settings: {
        rateLimit: { perMinute: 0, perDay: 4, perAddressPerMinute: 0, perAddressPerDay: 0 },
      },
    });
    try {
      const threadId = await newThread(h, "hello"); // turn 1
      // Another instance holds the thread, and is alive (its mark has not expired): 409.
      await db.sql`update threads set turn_id = 'other-instance',
                   turn_expires_at = now() + interval '1 hour' where id = ${threadId}`;
      await refusedBusy(await h.post(addMessageRequest(threadId, "blocked")), "a live mark"); // 2
      // The same instance died: its mark's expiry has passed, and the thread takes the turn.
      await db.sql`update threads set turn_expires_at = now() - interval '1 second'
                   where id = ${threadId}`;
      h.fake.enqueue({ text: "Taken over." });
      const taken = await h.stream(addMessageRequest(threadId, "after the crash")); // 3
      equal(textOf(doneItem(taken, "assistant_message")), "Taken over.");
      const [cleared] = await db.sql`select turn_id from threads where id = ${threadId}`;
      equal(cleared.turn_id, null, "the turn cleared its own mark when it ended");

      h.fake.enqueue({ text: "Within the limit." });
      await h.stream(addMessageRequest(threadId, "fourth")); // 4
      const limited = await h.post(addMessageRequest(threadId, "over the limit")); // 5
      equal(limited.status, 429, await limited.text());
      const [row] = await db.sql`select turn_id from threads where id = ${threadId}`;
      equal(row.turn_id, null, "the refused request's mark was cleared");
      deepEqual((await storedTexts(h, threadId)).slice(-2), ["fourth", "Within the limit."]);
    } finally {
      await h.close();
    }
  },
);
