import assert from "node:assert/strict";
import { chatReducer, type ChatState, INITIAL_CHAT_STATE } from "./chat_state.ts";
import { PENDING_PREFIX } from "./client/conversation.ts";
import type { ThreadItem } from "./client/types.ts";

const pending = {
  id: `${PENDING_PREFIX}1`,
  thread_id: "",
  created_at: "x",
  type: "user_message",
  content: [{ type: "input_text", text: "hi" }],
  attachments: [],
  inference_options: {},
} as ThreadItem;

function run(...actions: Parameters<typeof chatReducer>[1][]): ChatState {
  return actions.reduce(chatReducer, INITIAL_CHAT_STATE);
}

Deno.test("chat state - a message that never reached the server goes back to the composer", () => {
  const state = run(
    { type: "pending_added", item: pending },
    { type: "run_started" },
    { type: "run_failed", message: "offline", draft: "hi" },
    { type: "run_ended" },
  );
  assert.deepEqual(state.conversation.items, []);
  assert.equal(state.restoredDraft, "hi");
  assert.deepEqual(state.conversation.error, { message: "offline", allowRetry: false });
  assert.equal(state.streaming, false);
  const next = chatReducer(state, { type: "run_started" });
  assert.equal(next.restoredDraft, undefined, "a new turn takes the draft back");
  assert.equal(next.conversation.error, undefined);
});

Deno.test("chat state - a failure after the message arrived keeps it and offers a retry", () => {
  const state = run(
    { type: "pending_added", item: pending },
    { type: "run_started" },
    { type: "run_failed", message: "cut" },
  );
  assert.equal(state.conversation.items.length, 1);
  assert.deepEqual(state.conversation.error, { message: "cut", allowRetry: true });
  assert.equal(state.streaming, true, "still streaming until the run ends");
});

Deno.test("chat state - failed feedback is taken back; opening a thread clears everything", () => {
  const state = run(
    { type: "feedback_sent", itemId: "a", kind: "positive" },
    { type: "feedback_sent", itemId: "b", kind: "negative" },
    { type: "feedback_failed", itemId: "a", message: "no" },
  );
  assert.deepEqual(state.feedback, { b: "negative" });
  assert.equal(state.conversation.error?.message, "no");
  const opening = chatReducer(state, { type: "thread_opening" });
  assert.deepEqual(opening.feedback, {});
  assert.equal(opening.loading, true);
  assert.equal(opening.conversation.error, undefined);
});
