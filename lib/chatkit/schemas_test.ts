import assert from "node:assert/strict";
import { REQUESTS } from "./requests.ts";
import { parseChatKitRequest } from "./schemas.ts";

const input = {
  content: [{ type: "input_text", text: "hi" }],
  attachments: [],
  inference_options: {},
};

const valid: Record<string, Record<string, unknown>> = {
  "threads.create": { input },
  "threads.add_user_message": { thread_id: "thr_1", input },
  "threads.add_client_tool_output": { thread_id: "thr_1", result: { ok: true } },
  "threads.add_structured_input": { thread_id: "thr_1", item_id: "si_1", input: {} },
  "threads.retry_after_item": { thread_id: "thr_1", item_id: "msg_1" },
  "threads.custom_action": { thread_id: "thr_1", action: { type: "a" } },
  "threads.sync_custom_action": {
    thread_id: "thr_1",
    item_id: "wgt_1",
    action: { type: "a", payload: 1 },
  },
  "threads.get_by_id": { thread_id: "thr_1" },
  "threads.list": {},
  "items.list": { thread_id: "thr_1" },
  "threads.update": { thread_id: "thr_1", title: "t" },
  "threads.delete": { thread_id: "thr_1" },
  "items.feedback": { thread_id: "thr_1", item_ids: ["msg_1"], kind: "positive" },
  "attachments.create": { name: "a.png", size: 3, mime_type: "image/png" },
  "attachments.delete": { attachment_id: "atc_1" },
  "input.transcribe": { audio_base64: "AAAA", mime_type: "audio/webm;codecs=opus" },
};

Deno.test("schemas - all 16 request types parse", () => {
  assert.equal(Object.keys(valid).length, 16);
  for (const [type, params] of Object.entries(valid)) {
    const result = parseChatKitRequest({ type, params, metadata: { trace: 1 } });
    assert.ok(result.ok, `${type}: ${!result.ok && result.message}`);
  }
  assert.equal(Object.keys(REQUESTS).length, 16, "one table row per request type");
  assert.equal(Object.values(REQUESTS).filter((spec) => spec.streaming).length, 6);
});

Deno.test("schemas - unknown keys are ignored, nulls dropped, defaults applied", () => {
  const result = parseChatKitRequest({
    type: "threads.create",
    params: {
      input: {
        ...input,
        quoted_text: null,
        inference_options: { tool_choice: null, model: null },
        surprise: true,
        content: [{ type: "input_tag", id: "e1", text: "@Ann", data: null, group: null }],
      },
    },
    extra: 1,
  });
  assert.ok(result.ok);
  assert.deepEqual(result.request, {
    type: "threads.create",
    params: {
      input: {
        content: [{ type: "input_tag", id: "e1", text: "@Ann", data: {}, interactive: false }],
        attachments: [],
        inference_options: {},
      },
    },
    metadata: {},
  });
  const list = parseChatKitRequest({
    type: "items.list",
    params: { thread_id: "t", limit: null, after: null },
  });
  assert.ok(list.ok);
  assert.deepEqual(JSON.parse(JSON.stringify(list.request.params)), {
    thread_id: "t",
    order: "desc",
  });
  const structured = parseChatKitRequest(
    valid["threads.add_structured_input"] && {
      type: "threads.add_structured_input",
      params: valid["threads.add_structured_input"],
    },
  );
  assert.ok(structured.ok);
  assert.deepEqual(
    (structured.request.params as { input: unknown }).input,
    { status: "answered", answers: {} },
  );
});

Deno.test("schemas - errors name the offending fields", () => {
  const cases: [unknown, RegExp][] = [
    [{ type: "nope", params: {} }, /^type: unknown request type/],
    [{ type: "threads.get_by_id", params: {} }, /^params\.thread_id: thread_id is required/],
    [
      { type: "threads.get_by_id", params: { thread_id: 3 } },
      /^params\.thread_id: thread_id must be a string/,
    ],
    [
      { type: "threads.get_by_id", params: { thread_id: "" } },
      /params\.thread_id: thread_id must not be empty/,
    ],
    [
      { type: "threads.create", params: { input: { ...input, attachments: undefined } } },
      /params\.input\.attachments/,
    ],
    [
      { type: "threads.create", params: { input: { ...input, content: [{ type: "image" }] } } },
      /params\.input\.content\.0/,
    ],
    [
      { type: "attachments.create", params: { name: "a", size: -1, mime_type: "x/y" } },
      /params\.size/,
    ],
    [{ type: "threads.list", params: { order: "up" } }, /params\.order/],
    ["text", /expected object/],
  ];
  for (const [body, pattern] of cases) {
    const result = parseChatKitRequest(body);
    assert.ok(!result.ok, JSON.stringify(body));
    assert.match(result.message, pattern);
  }
});
