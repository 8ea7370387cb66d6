/**
 * The streaming request types through real HTTP on loopback, the model faked at its HTTP
 * boundary: event order, deltas, persistence, retry, status, disconnect, errors, extensions.
 */
import assert from "node:assert/strict";
import type {
  AssistantMessageItem,
  StructuredInputItem,
  ThreadItem,
  ThreadStreamEvent,
} from "../lib/chatkit/types.ts";
import { newItemId, nowIso } from "../lib/chatkit/ids.ts";
import { PostgresStore } from "../lib/store/mod.ts";
import {
  addMessageRequest,
  assistantText,
  createRequest,
  deltaText,
  doneItem,
  eventually,
  type Harness,
  parseSse,
  startHarness,
  tableCounts,
  types,
} from "./chatkit_helpers.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";
import { within } from "./support/wait.ts";

function chatTest(name: string, fn: (h: Harness) => Promise<void>) {
  dbTest(`chatkit stream - ${name}`, async (db: TestDatabase) => {
    const h = await startHarness(db);
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  });
}

/** Asserts the canonical shape of one assistant reply in `events` from `start`. */
function assertReply(
  events: ThreadStreamEvent[],
  start: number,
  text: string,
): AssistantMessageItem {
  const added = events[start];
  assert.equal(added.type, "thread.item.added");
  assert.ok(added.type === "thread.item.added" && added.item.type === "assistant_message");
  const id = added.item.id;
  const done = doneItem(events, "assistant_message");
  assert.equal(done.id, id, "done carries the same id as added");
  assert.equal(deltaText(events, id), text, "deltas concatenate to the text");
  assert.equal(assistantText(done), text, "done carries the full text");
  const doneIndex = events.findIndex((e) => e.type === "thread.item.done" && e.item.id === id);
  assert.ok(doneIndex > start, types(events).join());
  for (const e of events.slice(start + 1, doneIndex)) {
    // A title may be announced while the reply streams.
    assert.ok(
      e.type === "thread.item.updated" || e.type === "thread.updated",
      types(events).join(),
    );
  }
  // After the reply only a thread.updated (title) may follow.
  for (const e of events.slice(doneIndex + 1)) assert.equal(e.type, "thread.updated");
  return done;
}

chatTest("threads.create: event order, deltas, persistence, title", async (h) => {
  h.fake.enqueue({ text: "Hello there, how can I help?", chunkCount: 4 });
  const events = await h.stream(createRequest("hi assistant"));
  assert.deepEqual(types(events).slice(0, 4), [
    "thread.created",
    "done:user_message",
    "stream_options",
    "added:assistant_message",
  ]);
  const created = events[0];
  assert.ok(created.type === "thread.created");
  const thread = created.thread;
  assert.match(thread.id, /^thr_[0-9a-f]{24,}$/);
  assert.match(thread.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(thread.title, undefined);
  assert.deepEqual(thread.status, { type: "active" });
  assert.deepEqual(thread.metadata, {});
  assert.deepEqual(thread.items, { data: [], has_more: false });
  const user = doneItem(events, "user_message");
  assert.match(user.id, /^msg_[0-9a-f]{24,}$/);
  assert.equal(user.thread_id, thread.id);
  assert.deepEqual(user.content, [{ type: "input_text", text: "hi assistant" }]);
  assert.deepEqual(user.attachments, []);
  assert.deepEqual(user.inference_options, {});
  assert.deepEqual(events[2], { type: "stream_options", stream_options: { allow_cancel: true } });
  const reply = assertReply(events, 3, "Hello there, how can I help?");
  assert.equal(reply.thread_id, thread.id);

  // Persisted: the user message and the final reply, nothing per delta.
  const stored = await h.store.loadThreadItems(thread.id, undefined, 50, "asc");
  assert.deepEqual(stored.data.map((i) => i.id), [user.id, reply.id]);
  assert.equal(assistantText(stored.data[1]), "Hello there, how can I help?");

  // The title (the fake's default: the message's first words, quoted) is announced and saved.
  assert.equal(h.fake.titleRequests().length, 1, "one title request");
  const updated = events.filter((e) => e.type === "thread.updated");
  assert.equal(updated.length, 1, types(events).join());
  const last = updated[0];
  assert.ok(last.type === "thread.updated");
  assert.equal(last.thread.title, "hi assistant");
  assert.deepEqual(last.thread.items, { data: [], has_more: false });
  assert.deepEqual(last.thread.metadata, {});
  assert.equal((await h.store.loadThread(thread.id))?.title, "hi assistant");
});

chatTest("threads.add_user_message: order and history reaches the model", async (h) => {
  const first = await h.stream(createRequest("first question"));
  const threadId = (first[0] as { thread: { id: string } }).thread.id;
  h.fake.enqueue({ text: "Second answer", chunkCount: 2 });
  const events = await h.stream(addMessageRequest(threadId, "second question"));
  assert.deepEqual(types(events).slice(0, 3), [
    "done:user_message",
    "stream_options",
    "added:assistant_message",
  ]);
  assertReply(events, 2, "Second answer");
  const last = h.fake.replyRequests().at(-1)!;
  assert.equal(last.lastUserText, "second question");
  assert.ok(JSON.stringify(last.body).includes("first question"), "history sent to the model");
  const items = await h.store.loadThreadItems(threadId, undefined, 50, "asc");
  assert.deepEqual(items.data.map((i) => i.type), [
    "user_message",
    "assistant_message",
    "user_message",
    "assistant_message",
  ]);
});

chatTest(
  "threads.retry_after_item: deletes everything after the message and regenerates",
  async (h) => {
    const first = await h.stream(createRequest("question one"));
    const threadId = (first[0] as { thread: { id: string } }).thread.id;
    const userOne = doneItem(first, "user_message");
    const second = await h.stream(addMessageRequest(threadId, "question two"));
    const replyTwo = doneItem(second, "assistant_message");

    h.fake.enqueue({ text: "A better answer", chunkCount: 3 });
    const events = await h.stream({
      type: "threads.retry_after_item",
      params: { thread_id: threadId, item_id: userOne.id },
    });
    assert.deepEqual(types(events).slice(0, 2), ["stream_options", "added:assistant_message"]);
    assert.ok(!events.some((e) => e.type === "thread.item.removed"), "no removed events");
    assert.ok(
      !events.some((e) => e.type === "thread.item.done" && e.item.type === "user_message"),
      "user message not re-emitted",
    );
    const reply = assertReply(events, 1, "A better answer");
    assert.equal(h.fake.replyRequests().at(-1)!.lastUserText, "question one");
    const items = await h.store.loadThreadItems(threadId, undefined, 50, "asc");
    assert.deepEqual(items.data.map((i) => i.id), [userOne.id, reply.id]);
    assert.equal(await h.store.loadItem(threadId, replyTwo.id), null);
  },
);

chatTest("locked and closed threads refuse new input with an error event", async (h) => {
  const first = await h.stream(createRequest("hello"));
  const threadId = (first[0] as { thread: { id: string } }).thread.id;
  const userOne = doneItem(first, "user_message");
  for (
    const status of [{ type: "locked" as const }, { type: "closed" as const, reason: "Archived" }]
  ) {
    const thread = (await h.store.loadThread(threadId))!;
    await h.store.saveThread({ ...thread, status });
    const before = await tableCounts(h.db);
    const requestsBefore = h.fake.requests.length;
    for (
      const body of [
        addMessageRequest(threadId, "more"),
        { type: "threads.retry_after_item", params: { thread_id: threadId, item_id: userOne.id } },
      ]
    ) {
      const events = await h.stream(body);
      assert.equal(events.length, 1, types(events).join());
      const error = events[0];
      assert.ok(error.type === "error");
      assert.equal(error.code, "custom");
      assert.equal(error.allow_retry, false);
      assert.ok(error.message && error.message.length > 0);
      if (status.type === "closed") assert.equal(error.message, "Archived");
    }
    assert.deepEqual(await tableCounts(h.db), before, "nothing stored");
    assert.equal(h.fake.requests.length, requestsBefore, "the model was not called");
    // get_by_id shows the status.
    const got = await h.json<{ status: unknown }>({
      type: "threads.get_by_id",
      params: { thread_id: threadId },
    });
    assert.deepEqual(got.status, status);
  }
});

chatTest("client disconnect mid-stream keeps the user message and partial text", async (h) => {
  // Two words, then the model stalls: only the disconnect can end this turn.
  const words = Array.from({ length: 40 }, (_, i) => `w${i} `);
  h.fake.enqueue({ chunks: words, stallAfterChunks: 2 });
  const abort = new AbortController();
  const res = await h.post(createRequest("tell me a long story"), { signal: abort.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  let received = new Uint8Array(0);
  // Read until two text deltas arrived, then hang up.
  await within(
    (async () => {
      while (true) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended before the disconnect");
        const merged = new Uint8Array(received.length + value.length);
        merged.set(received);
        merged.set(value, received.length);
        received = merged;
        const text = new TextDecoder().decode(received);
        if ((text.match(/text_delta/g) ?? []).length >= 2 && text.endsWith("\n\n")) break;
      }
    })(),
    "two text deltas arrived",
  );
  abort.abort();
  await reader.cancel().catch(() => {});
  const events = parseSse(received);
  const threadId = (events[0] as { thread: { id: string } }).thread.id;
  const partial = deltaText(events, (events[3] as { item: { id: string } }).item.id);
  assert.equal(partial, "w0 w1 ");

  let items: ThreadItem[] = [];
  await eventually(async () => {
    items = (await h.store.loadThreadItems(threadId, undefined, 50, "asc")).data;
    assert.deepEqual(items.map((i) => i.type), [
      "user_message",
      "assistant_message",
      "sdk_hidden_context",
    ]);
  }, "the partial reply and the cancel note were saved");
  assert.equal(assistantText(items[1]), partial, "the text the visitor saw is what was saved");
  // The model call was aborted too.
  const reply = h.fake.replyRequests().at(-1)!;
  assert.equal(
    await within(reply.finished, "the model request was closed after the disconnect"),
    "aborted",
  );

  // Hidden items are stored but never sent.
  const got = await h.json<{ items: { data: ThreadItem[] } }>({
    type: "threads.get_by_id",
    params: { thread_id: threadId },
  });
  assert.deepEqual(got.items.data.map((i) => i.type), ["user_message", "assistant_message"]);
  const listed = await h.json<{ data: ThreadItem[] }>({
    type: "items.list",
    params: { thread_id: threadId, order: "asc" },
  });
  assert.deepEqual(listed.data.map((i) => i.type), ["user_message", "assistant_message"]);
});

chatTest("a failing model becomes an error event, then a clean end", async (h) => {
  h.fake.enqueue(
    { status: 400, errorMessage: "bad things" },
    { status: 400, errorMessage: "bad things" },
    { status: 400, errorMessage: "bad things" },
  );
  const events = await h.stream(createRequest("this will fail"));
  assert.deepEqual(types(events).slice(0, 3), [
    "thread.created",
    "done:user_message",
    "stream_options",
  ]);
  const error = events.find((e) => e.type === "error");
  assert.ok(error && error.type === "error", types(events).join());
  assert.ok(!JSON.stringify(error).includes("stack"));
  const threadId = (events[0] as { thread: { id: string } }).thread.id;
  const items = await h.store.loadThreadItems(threadId, undefined, 50, "asc");
  assert.equal(items.data[0].type, "user_message", "the user message survives");
  assert.ok(!items.data.some((i) => i.type === "assistant_message" && assistantText(i) === ""));
});

chatTest("threads.add_client_tool_output completes the pending call and continues", async (h) => {
  const first = await h.stream(createRequest("use the tool"));
  const threadId = (first[0] as { thread: { id: string } }).thread.id;
  const call: ThreadItem = {
    id: newItemId("tool_call"),
    thread_id: threadId,
    created_at: nowIso(),
    type: "client_tool_call",
    status: "pending",
    call_id: "call_1",
    name: "get_location",
    arguments: { precise: true },
  };
  assert.ok(await h.store.addThreadItem(threadId, call));
  h.fake.enqueue({ text: "You are in Paris", chunkCount: 2 });
  const events = await h.stream({
    type: "threads.add_client_tool_output",
    params: { thread_id: threadId, result: { city: "Paris" } },
  });
  assert.deepEqual(types(events).slice(0, 2), ["stream_options", "added:assistant_message"]);
  assertReply(events, 1, "You are in Paris");
  const saved = await h.store.loadItem(threadId, call.id);
  assert.deepEqual(saved, { ...call, status: "completed", output: { city: "Paris" } });
  // No pending call any more: a second output is refused before any stream.
  const again = await h.post({
    type: "threads.add_client_tool_output",
    params: { thread_id: threadId, result: {} },
  });
  assert.equal(again.status, 400);
});

chatTest(
  "threads.add_structured_input answers the questions, replaces the item, continues",
  async (h) => {
    const first = await h.stream(createRequest("ask me"));
    const threadId = (first[0] as { thread: { id: string } }).thread.id;
    const item: StructuredInputItem = {
      id: newItemId("structured_input"),
      thread_id: threadId,
      created_at: nowIso(),
      type: "structured_input",
      status: "pending",
      inputs: [
        {
          type: "multiple_choice",
          id: "color",
          question: "Color?",
          options: [{ value: "red" }, { value: "blue" }],
          multiple: false,
        },
        { type: "freeform", id: "why", question: "Why?" },
      ],
    };
    assert.ok(await h.store.addThreadItem(threadId, item));
    h.fake.enqueue({ text: "Thanks", chunkCount: 1 });
    const events = await h.stream({
      type: "threads.add_structured_input",
      params: {
        thread_id: threadId,
        item_id: item.id,
        input: { answers: { color: { values: ["blue", "red"] }, unknown: { values: ["x"] } } },
      },
    });
    assert.deepEqual(types(events).slice(0, 3), [
      "stream_options",
      "thread.item.replaced",
      "added:assistant_message",
    ]);
    const replaced = events[1];
    assert.ok(
      replaced.type === "thread.item.replaced" && replaced.item.type === "structured_input",
    );
    assert.equal(replaced.item.status, "answered");
    assert.deepEqual(replaced.item.inputs.map((i) => i.answer), [
      { values: ["blue"], skipped: false },
      { values: [], skipped: true },
    ]);
    assert.deepEqual(await h.store.loadItem(threadId, item.id), replaced.item);
    assertReply(events, 2, "Thanks");
  },
);

chatTest("threads.custom_action without a handler answers a clear error event", async (h) => {
  const first = await h.stream(createRequest("widgets"));
  const threadId = (first[0] as { thread: { id: string } }).thread.id;
  const before = await tableCounts(h.db);
  const events = await h.stream({
    type: "threads.custom_action",
    params: { thread_id: threadId, action: { type: "pick", payload: { a: 1 } } },
  });
  assert.equal(events.length, 1);
  const error = events[0];
  assert.ok(error.type === "error");
  assert.equal(error.code, "custom");
  assert.match(error.message ?? "", /not configured/);
  assert.deepEqual(await tableCounts(h.db), before);
});

chatTest("threads.custom_action with a handler streams and persists its items", async (h) => {
  const first = await h.stream(createRequest("widgets"));
  const threadId = (first[0] as { thread: { id: string } }).thread.id;
  h.app.services.chatkit.handlers.action = async function* (thread, action, sender) {
    assert.equal(sender, null);
    yield {
      type: "thread.item.done",
      item: {
        id: newItemId("widget"),
        thread_id: thread.id,
        created_at: nowIso(),
        type: "widget",
        widget: { type: "Card", children: [{ type: "Text", value: String(action.type) }] },
      },
    };
    yield { type: "client_effect", name: "confetti", data: {} };
  };
  const events = await h.stream({
    type: "threads.custom_action",
    params: { thread_id: threadId, item_id: null, action: { type: "celebrate" } },
  });
  assert.deepEqual(types(events), ["stream_options", "done:widget", "client_effect"]);
  const widget = doneItem(events, "widget");
  assert.deepEqual(await h.store.loadItem(threadId, widget.id), widget);
  // Sent from a non-widget item: an error event.
  const user = doneItem(first, "user_message");
  const bad = await h.stream({
    type: "threads.custom_action",
    params: { thread_id: threadId, item_id: user.id, action: { type: "x" } },
  });
  assert.deepEqual(bad, [{ type: "error", code: "stream.error", allow_retry: false }]);
});

dbTest("chatkit stream - another owner's thread is a 404 before any stream", async (db) => {
  const h = await startHarness(db);
  try {
    const other = new PostgresStore(db.sql).forOwner(`anon:${crypto.randomUUID()}`);
    const thread = { id: `thr_${crypto.randomUUID().replaceAll("-", "")}`, created_at: nowIso() };
    await other.createThread({ ...thread, status: { type: "active" }, metadata: {} });
    const before = await tableCounts(db);
    const res = await h.post(addMessageRequest(thread.id, "hello?"));
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), {
      error: { code: "not_found", message: "Thread not found" },
    });
    assert.deepEqual(await tableCounts(db), before);
  } finally {
    await h.close();
  }
});

/** Counts the statements on the ChatKit tables while `fn` runs (postgres.js debug hook). */
async function countQueries(h: Harness, fn: () => Promise<unknown>): Promise<string[]> {
  const options = h.db.sql.options as unknown as { debug?: unknown };
  const seen: string[] = [];
  const previous = options.debug;
  options.debug = (_id: number, query: string) => {
    if (/\b(threads|thread_items|attachments|item_feedback)\b/.test(query)) seen.push(query);
  };
  try {
    await fn();
  } finally {
    options.debug = previous;
  }
  return seen;
}

chatTest("a turn costs a few database round trips, none per delta", async (h) => {
  const counts: number[] = [];
  let threadId = "";
  for (const chunkCount of [2, 60]) {
    h.fake.enqueue({
      text: Array.from({ length: 60 }, (_, i) => `word${i}`).join(" "),
      chunkCount,
    });
    const queries = await countQueries(h, async () => {
      const events = await h.stream(createRequest("count my queries"));
      threadId = (events[0] as { thread: { id: string } }).thread.id;
      // Wait for the title (if any) to be saved as part of the turn.
      assert.ok(
        events.some((e) => e.type === "thread.item.done" && e.item.type === "assistant_message"),
      );
    });
    counts.push(queries.length);
    assert.ok(
      queries.length <= 6,
      `threads.create used ${queries.length} statements:\n${queries.join("\n")}`,
    );
  }
  assert.equal(counts[0], counts[1], "60 deltas cost no more statements than 2");
  const queries = await countQueries(h, () => h.stream(addMessageRequest(threadId, "again")));
  assert.ok(
    queries.length <= 6,
    `add_user_message used ${queries.length} statements:\n${queries.join("\n")}`,
  );
});

chatTest(
  "concurrent turns on one database connection pool stay separate and complete",
  async (h) => {
    h.fake.enqueue(
      { text: "alpha one two three", chunkDelayMs: 10 },
      { text: "beta four five six", chunkDelayMs: 10 },
      { text: "gamma seven eight nine", chunkDelayMs: 10 },
    );
    const runs = await Promise.all(
      ["first", "second", "third"].map((text) =>
        h.stream(createRequest(text, {
          quoted_text: `quote of ${text}`,
          content: [
            { type: "input_text", text },
            { type: "input_tag", id: "ent_1", text: "@Ann", data: { k: 1 }, interactive: true },
          ],
        }))
      ),
    );
    const replies = new Set<string>();
    for (const events of runs) {
      const user = doneItem(events, "user_message");
      const first = user.content[0];
      assert.ok(first.type === "input_text");
      assert.equal(user.quoted_text, `quote of ${first.text}`);
      assert.deepEqual(user.content[1], {
        type: "input_tag",
        id: "ent_1",
        text: "@Ann",
        data: { k: 1 },
        interactive: true,
      });
      const reply = doneItem(events, "assistant_message");
      replies.add(assistantText(reply));
      const stored = await h.store.loadThreadItems(user.thread_id, undefined, 10, "asc");
      assert.deepEqual(stored.data.map((i) => i.id), [user.id, reply.id]);
      assert.deepEqual(stored.data[0], user);
    }
    assert.equal(replies.size, 3);
  },
);
