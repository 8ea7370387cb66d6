import assert from "node:assert/strict";
import { clientThread, eventJson, toJson, visiblePage } from "./json.ts";
import { chatKitJson } from "../http/chatkit.ts";
import { sseFrame } from "../http/sse.ts";
import type { ThreadItem } from "./types.ts";

Deno.test("json - null and undefined keys are omitted, empty lists and objects kept", () => {
  assert.equal(
    toJson({ a: null, b: undefined, c: [], d: {}, e: { f: null, g: 0, h: "" }, i: false }),
    '{"c":[],"d":{},"e":{"g":0,"h":""},"i":false}',
  );
});

Deno.test("json - an SSE frame is data: <one line of JSON> and a blank line", () => {
  const frame = new TextDecoder().decode(
    sseFrame(eventJson({ type: "progress_update", text: "line\nbreak" })),
  );
  assert.equal(frame, 'data: {"type":"progress_update","text":"line\\nbreak"}\n\n');
});

Deno.test("json - clientThread sends metadata as {} and drops hidden items", async () => {
  const items: ThreadItem[] = [
    { id: "a", thread_id: "t", created_at: "x", type: "end_of_turn" },
    { id: "b", thread_id: "t", created_at: "x", type: "sdk_hidden_context", content: "cancelled" },
    { id: "c", thread_id: "t", created_at: "x", type: "hidden_context_item", content: {} },
  ];
  const thread = clientThread(
    { id: "t", created_at: "x", status: { type: "active" }, metadata: { secret: 1 }, title: "T" },
    { data: items, has_more: true, after: "c" },
  );
  assert.deepEqual(thread, {
    title: "T",
    id: "t",
    created_at: "x",
    status: { type: "active" },
    metadata: {},
    items: { data: [items[0]], has_more: true, after: "c" },
  });
  assert.deepEqual(Object.keys(thread)[0], "title");
  assert.deepEqual(visiblePage({ data: [], has_more: false }), { data: [], has_more: false });
  const res = chatKitJson({ a: null });
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(await res.text(), "{}");
});

Deno.test("json - the text delta fast path writes the same JSON as the general path", () => {
  const event = {
    type: "thread.item.updated" as const,
    item_id: "msg_1",
    update: {
      type: "assistant_message.content_part.text_delta" as const,
      content_index: 0,
      delta: 'quote " backslash \\ newline \n unicode \u2028 é',
    },
  };
  const frame = new TextDecoder().decode(sseFrame(eventJson(event)));
  assert.equal(frame, `data: ${toJson(event)}\n\n`);
  assert.deepEqual(JSON.parse(frame.slice(6)), event);
});
