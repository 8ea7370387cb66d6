import { deepEqual, equal, ok } from "node:assert/strict";
import {
  applyEvent,
  type Conversation,
  EMPTY_CONVERSATION,
  itemsThrough,
  lastUserMessage,
  PENDING_PREFIX,
  userMessageBefore,
  visibleItems,
} from "./conversation.ts";
import type { ThreadItem, ThreadStreamEvent } from "./types.ts";

const T = "2026-11-25T17:00:00.000000Z";
const thread = { id: "thr_1", created_at: T, status: { type: "active" as const }, metadata: {} };
const user = (id: string, text: string): ThreadItem => ({
  id,
  thread_id: "thr_1",
  created_at: T,
  type: "user_message",
  content: [{ type: "input_text", text }],
  attachments: [],
  inference_options: {},
});
const assistant = (id: string, text?: string): ThreadItem => ({
  id,
  thread_id: "thr_1",
  created_at: T,
  type: "assistant_message",
  content: text === undefined ? [] : [{ type: "output_text", text, annotations: [] }],
});

function run(events: ThreadStreamEvent[], start: Conversation = EMPTY_CONVERSATION) {
  return events.reduce(applyEvent, start);
}

Deno.test("conversation - a streamed turn: created, user done, added, deltas, done, title", () => {
  const pending = { ...EMPTY_CONVERSATION, items: [user(`${PENDING_PREFIX}1`, "hi")] };
  const state = run([
    { type: "thread.created", thread: { ...thread, items: { data: [], has_more: false } } },
    { type: "thread.item.done", item: user("msg_u", "hi") },
    { type: "stream_options", stream_options: { allow_cancel: false } },
    { type: "thread.item.added", item: assistant("msg_a") },
    {
      type: "thread.item.updated",
      item_id: "msg_a",
      update: {
        type: "assistant_message.content_part.added",
        content_index: 0,
        content: { type: "output_text", text: "", annotations: [] },
      },
    },
    {
      type: "thread.item.updated",
      item_id: "msg_a",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "Hel" },
    },
    {
      type: "thread.item.updated",
      item_id: "msg_a",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "lo" },
    },
  ], pending);
  equal(state.thread?.id, "thr_1");
  equal(state.allowCancel, false);
  deepEqual(state.items.map((i) => i.id), ["msg_u", "msg_a"], "the optimistic message is replaced");
  deepEqual(state.items[1], assistant("msg_a", "Hello"));
  const done = run([
    { type: "thread.item.done", item: assistant("msg_a", "Hello!") },
    {
      type: "thread.updated",
      thread: { ...thread, title: "Greeting", items: { data: [], has_more: false } },
    },
  ], state);
  deepEqual(done.items[1], assistant("msg_a", "Hello!"));
  equal(done.thread?.title, "Greeting");
});

Deno.test("conversation - deltas before content_part.added pad the content list", () => {
  const state = run([
    { type: "thread.item.added", item: assistant("msg_a") },
    {
      type: "thread.item.updated",
      item_id: "msg_a",
      update: { type: "assistant_message.content_part.text_delta", content_index: 1, delta: "x" },
    },
  ]);
  const item = state.items[0] as Extract<ThreadItem, { type: "assistant_message" }>;
  deepEqual(item.content.map((c) => c.text), ["", "x"]);
});

Deno.test("conversation - removed, replaced, hidden items, error, notice, progress", () => {
  let state = run([
    { type: "thread.item.done", item: user("msg_u", "q") },
    { type: "thread.item.done", item: assistant("msg_a", "a") },
    {
      type: "thread.item.done",
      item: {
        id: "h",
        thread_id: "thr_1",
        created_at: T,
        type: "sdk_hidden_context",
        content: "x",
      },
    },
    { type: "progress_update", text: "Searching" },
  ]);
  equal(state.items.length, 2);
  equal(state.progress, "Searching");
  state = run([
    { type: "thread.item.replaced", item: assistant("msg_a", "b") },
    { type: "notice", level: "warning", message: "Careful" },
    { type: "error", code: "stream.error", allow_retry: true },
  ], state);
  deepEqual(state.items[1], assistant("msg_a", "b"));
  equal(state.progress, undefined);
  deepEqual(state.notice, { level: "warning", message: "Careful", title: undefined });
  equal(state.error?.allowRetry, true);
  ok(state.error?.message);
  state = run([{ type: "thread.item.removed", item_id: "msg_a" }], state);
  deepEqual(state.items.map((i) => i.id), ["msg_u"]);
});

Deno.test("conversation - retry helpers find the user message a reply answers", () => {
  const items = [user("u1", "a"), assistant("a1", "x"), user("u2", "b"), assistant("a2", "y")];
  equal(userMessageBefore(items, "a2")?.id, "u2");
  equal(userMessageBefore(items, "a1")?.id, "u1");
  equal(lastUserMessage([...items, user(`${PENDING_PREFIX}9`, "c")])?.id, "u2");
  deepEqual(itemsThrough(items, "u2").map((i) => i.id), ["u1", "a1", "u2"]);
  deepEqual(visibleItems([items[0], items[0], items[1]]).map((i) => i.id), ["u1", "a1"]);
});
