import assert from "node:assert/strict";
import { HttpError } from "../errors.ts";
import { CustomStreamError, StreamError } from "./errors.ts";
import { mimeAllowed } from "./items.ts";
import { ChatKitServer, errorEvent } from "./server.ts";
import { eventStream } from "./stream.ts";
import { applyUpdate } from "./updates.ts";
import type { AssistantMessageItem, WidgetItem, WorkflowItem } from "./types.ts";

Deno.test("server - applyUpdate accumulates assistant text, parts and annotations", () => {
  const item: AssistantMessageItem = {
    id: "m",
    thread_id: "t",
    created_at: "x",
    type: "assistant_message",
    content: [],
  };
  const part = { type: "output_text" as const, text: "", annotations: [] };
  applyUpdate(item, {
    type: "assistant_message.content_part.added",
    content_index: 0,
    content: part,
  });
  applyUpdate(item, {
    type: "assistant_message.content_part.text_delta",
    content_index: 0,
    delta: "Hel",
  });
  applyUpdate(item, {
    type: "assistant_message.content_part.text_delta",
    content_index: 0,
    delta: "lo",
  });
  applyUpdate(item, {
    type: "assistant_message.content_part.text_delta",
    content_index: 2,
    delta: "!",
  });
  const source = { type: "url" as const, title: "S", url: "https://s" };
  applyUpdate(item, {
    type: "assistant_message.content_part.annotation_added",
    content_index: 0,
    annotation_index: 5,
    annotation: { type: "annotation", source },
  });
  assert.equal(part.text, "", "the event's content is copied, not aliased");
  assert.deepEqual(item.content.map((c) => c.text), ["Hello", "", "!"]);
  assert.equal(item.content[0].annotations.length, 1);
  applyUpdate(item, {
    type: "assistant_message.content_part.done",
    content_index: 0,
    content: { type: "output_text", text: "Hello.", annotations: [] },
  });
  assert.equal(item.content[0].text, "Hello.");
});

Deno.test("server - applyUpdate handles workflow tasks and widget streaming text", () => {
  const wf: WorkflowItem = {
    id: "w",
    thread_id: "t",
    created_at: "x",
    type: "workflow",
    workflow: { type: "custom", tasks: [], expanded: false },
  };
  applyUpdate(wf, {
    type: "workflow.task.added",
    task_index: 0,
    task: { type: "custom", status_indicator: "loading" },
  });
  applyUpdate(wf, {
    type: "workflow.task.updated",
    task_index: 0,
    task: { type: "custom", status_indicator: "complete" },
  });
  assert.deepEqual(wf.workflow.tasks, [{ type: "custom", status_indicator: "complete" }]);
  const widget: WidgetItem = {
    id: "g",
    thread_id: "t",
    created_at: "x",
    type: "widget",
    widget: { type: "Card", children: [{ type: "Markdown", id: "md", value: "a" }] },
  };
  applyUpdate(widget, {
    type: "widget.streaming_text.value_delta",
    component_id: "md",
    delta: "b",
    done: false,
  });
  assert.equal(widget.widget.children?.[0].value, "ab");
  applyUpdate(widget, {
    type: "widget.component.updated",
    component_id: "md",
    component: { type: "Text", id: "md" },
  });
  assert.deepEqual(widget.widget.children, [{ type: "Text", id: "md" }]);
});

Deno.test("server - errorEvent maps errors without leaking internals", () => {
  assert.deepEqual(errorEvent(new CustomStreamError("Quota reached"), "r"), {
    type: "error",
    code: "custom",
    message: "Quota reached",
    allow_retry: false,
  });
  assert.deepEqual(errorEvent(new StreamError("stream.error"), "r"), {
    type: "error",
    code: "stream.error",
    allow_retry: true,
  });
  assert.deepEqual(errorEvent(new HttpError(404, "Thread not found"), "r"), {
    type: "error",
    code: "custom",
    message: "Thread not found",
    allow_retry: false,
  });
  const original = console.error;
  console.error = () => {};
  try {
    assert.deepEqual(errorEvent(new Error("password=hunter2 at db.ts:12"), "r"), {
      type: "error",
      code: "stream.error",
      allow_retry: true,
    });
  } finally {
    console.error = original;
  }
});

Deno.test("server - mimeAllowed matches exact types and wildcards, ignoring parameters", () => {
  const allow = ["image/*", "application/pdf"];
  assert.ok(mimeAllowed("image/png", allow));
  assert.ok(mimeAllowed("IMAGE/JPEG; q=1", allow));
  assert.ok(mimeAllowed("application/pdf", allow));
  assert.ok(!mimeAllowed("application/x-msdownload", allow));
  assert.ok(!mimeAllowed("text/plain", allow));
  assert.ok(!mimeAllowed("not a type", allow));
  assert.ok(!mimeAllowed("", allow));
});

Deno.test("server - the request table says which requests start a model turn", () => {
  const server = new ChatKitServer({});
  const turn = (type: string, params: Record<string, unknown>) =>
    server.startsTurn(server.parse(JSON.stringify({ type, params })));
  const input = {
    content: [{ type: "input_text", text: "hi" }],
    attachments: [],
    inference_options: {},
  };
  assert.ok(turn("threads.create", { input }));
  assert.ok(turn("threads.add_user_message", { thread_id: "t", input }));
  assert.ok(turn("threads.retry_after_item", { thread_id: "t", item_id: "i" }));
  assert.ok(turn("threads.add_client_tool_output", { thread_id: "t", result: 1 }));
  assert.ok(turn("threads.add_structured_input", { thread_id: "t", item_id: "i", input: {} }));
  assert.ok(!turn("threads.list", {}));
  assert.ok(!turn("items.list", { thread_id: "t" }));
  const action = { thread_id: "t", action: { type: "x" } };
  assert.ok(!turn("threads.custom_action", action), "an action runs no model unless it says so");
  server.handlers.actionStartsTurn = true;
  assert.ok(turn("threads.custom_action", action));
  assert.ok(!turn("threads.sync_custom_action", action));
});

Deno.test("server - ending an event stream early aborts its producer, which runs on", async () => {
  let finished = false;
  const events = eventStream("r", async (sink, signal) => {
    sink.send({ type: "progress_update", text: "one" });
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    sink.send({ type: "progress_update", text: "dropped" });
    finished = true;
  });
  const iterator = events[Symbol.asyncIterator]();
  assert.deepEqual(await iterator.next(), {
    done: false,
    value: { type: "progress_update", text: "one" },
  });
  await iterator.return!();
  assert.deepEqual(await iterator.next(), { done: true, value: undefined });
  for (let i = 0; i < 10 && !finished; i++) await new Promise((r) => setTimeout(r, 0));
  assert.ok(finished, "the producer finished its work after the abort");
});

Deno.test("server - a failing producer ends its stream with one error event", async () => {
  const seen: unknown[] = [];
  for await (
    const event of eventStream("r", () => Promise.reject(new CustomStreamError("No quota")))
  ) seen.push(event);
  assert.deepEqual(seen, [{
    type: "error",
    code: "custom",
    message: "No quota",
    allow_retry: false,
  }]);
});
