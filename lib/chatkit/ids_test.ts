import assert from "node:assert/strict";
import { formatMicros, newAttachmentId, newItemId, newThreadId, nowIso } from "./ids.ts";

Deno.test("ids - reference prefixes and 128 random bits", () => {
  assert.match(newThreadId(), /^thr_[0-9a-f]{32}$/);
  assert.match(newItemId("message"), /^msg_[0-9a-f]{32}$/);
  assert.match(newItemId("sdk_hidden_context"), /^shcx_[0-9a-f]{32}$/);
  assert.match(newItemId("tool_call"), /^tc_[0-9a-f]{32}$/);
  assert.match(newItemId("workflow"), /^wf_[0-9a-f]{32}$/);
  assert.match(newItemId("task"), /^tsk_[0-9a-f]{32}$/);
  assert.match(newAttachmentId(), /^atc_[0-9a-f]{32}$/);
  const many = new Set(Array.from({ length: 1000 }, () => newItemId("message")));
  assert.equal(many.size, 1000);
});

Deno.test("ids - timestamps are UTC with microseconds and strictly increasing", () => {
  const stamps = Array.from({ length: 200 }, () => nowIso());
  for (const s of stamps) assert.match(s, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i] > stamps[i - 1]);
  assert.equal(
    formatMicros(Date.UTC(2026, 0, 2, 3, 4, 5, 678) * 1000 + 9),
    "2026-01-02T03:04:05.678009Z",
  );
});
