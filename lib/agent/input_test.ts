import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { newThreadId, nowIso } from "../chatkit/ids.ts";
import type { ThreadItem, UserMessageItem } from "../chatkit/types.ts";
import { PostgresStore } from "../store/mod.ts";
import { freshOwner, testDatabase } from "../../tests/support/db.ts";
import {
  buildAgentInput,
  type HistorySource,
  itemChars,
  itemToAgentInput,
  loadRecentItems,
  selectHistory,
  withSharedFirstPage,
} from "./input.ts";

let seq = 0;
const base = () => ({
  id: `itm_${++seq}`,
  thread_id: "thr_1",
  created_at: new Date(1_800_000_000_000 + seq).toISOString(),
});

function user(text: string, extra: Partial<UserMessageItem> = {}): UserMessageItem {
  return {
    ...base(),
    type: "user_message",
    content: [{ type: "input_text", text }],
    attachments: [],
    inference_options: {},
    ...extra,
  };
}

function assistant(text: string): ThreadItem {
  return {
    ...base(),
    type: "assistant_message",
    content: [{ type: "output_text", text, annotations: [] }],
  };
}

/**
 * A thread with `items` in the real store (embedded database), for a fresh owner. The store is
 * wrapped only to count the pages read.
 */
async function storedThread(items: ThreadItem[]) {
  const db = await testDatabase("pglite");
  const store = new PostgresStore(db.sql).forOwner(freshOwner());
  const threadId = newThreadId();
  await store.createThread({
    id: threadId,
    created_at: nowIso(),
    status: { type: "active" },
    metadata: {},
  });
  const saved = items.map((item) => ({ ...item, thread_id: threadId }) as ThreadItem);
  for (const item of saved) assert(await store.addThreadItem(threadId, item), "item stored");
  const counted: HistorySource & { calls: number } = {
    calls: 0,
    loadThreadItems(...args) {
      counted.calls++;
      return store.loadThreadItems(...args);
    },
  };
  return { source: counted, threadId, items: saved };
}

/** A test on the file's shared embedded database (it outlives a test, hence no sanitizers). */
function storeTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

Deno.test("itemToAgentInput - user text, tags, quoted text and attachment names", () => {
  const item = user("", {
    content: [
      { type: "input_text", text: "Ask " },
      { type: "input_tag", id: "u1", text: "Ada", data: {}, interactive: false },
      { type: "input_text", text: " about it" },
    ],
    quoted_text: "the quoted bit",
    attachments: [{ type: "file", id: "atc_1", name: "notes.pdf", mime_type: "application/pdf" }],
  });
  assertEquals(itemToAgentInput(item), [{
    role: "user",
    content:
      '(Quoting: "the quoted bit")\n(Attached: notes.pdf [application/pdf])\nAsk @Ada about it',
  }]);
});

Deno.test("itemToAgentInput - assistant text, completed client tool calls, hidden notes", () => {
  assertEquals(itemToAgentInput(assistant("Hi!")), [{
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text: "Hi!" }],
  }]);
  const call: ThreadItem = {
    ...base(),
    type: "client_tool_call",
    status: "completed",
    call_id: "call_9",
    name: "pick_color",
    arguments: { palette: "warm" },
    output: { color: "red" },
  };
  assertEquals(itemToAgentInput(call), [
    {
      type: "function_call",
      callId: "call_9",
      name: "pick_color",
      arguments: '{"palette":"warm"}',
      status: "completed",
    },
    {
      type: "function_call_result",
      callId: "call_9",
      name: "pick_color",
      status: "completed",
      output: '{"color":"red"}',
    },
  ]);
  const note = itemToAgentInput({ ...base(), type: "sdk_hidden_context", content: "Cancelled." });
  assertEquals(note.length, 1);
  const text = (note[0] as { content: string }).content;
  assert(text.includes("not written by the user") && text.endsWith("Cancelled."));
});

Deno.test("itemToAgentInput - skips workflows, pending tool calls, markers and empty messages", () => {
  const skipped: ThreadItem[] = [
    {
      ...base(),
      type: "workflow",
      workflow: { type: "custom", tasks: [], expanded: false },
    },
    {
      ...base(),
      type: "client_tool_call",
      status: "pending",
      call_id: "c",
      name: "n",
      arguments: {},
    },
    { ...base(), type: "end_of_turn" },
    { ...base(), type: "generated_image" },
    assistant(""),
    user("   "),
  ];
  for (const item of skipped) assertEquals(itemToAgentInput(item), [], item.type);
});

Deno.test("itemToAgentInput - answered structured input becomes a summary", () => {
  const [note] = itemToAgentInput({
    ...base(),
    type: "structured_input",
    status: "answered",
    inputs: [
      {
        type: "multiple_choice",
        id: "q1",
        question: "Size?",
        options: [{ value: "S" }, { value: "M" }],
        multiple: false,
        answer: { values: ["M"] },
      },
      { type: "freeform", id: "q2", question: "Notes?", answer: { skipped: true } },
    ],
  });
  const text = (note as { content: string }).content;
  assert(text.includes("Size?: M") && text.includes("Notes?: (skipped)"), text);
});

Deno.test("selectHistory - keeps the newest turns within maxTurns", () => {
  const items = [
    user("q1"),
    assistant("a1"),
    user("q2"),
    assistant("a2"),
    user("q3"),
  ];
  const kept = selectHistory(items, { maxTurns: 2, maxChars: 10_000 });
  assertEquals(kept.map((i) => i.id), items.slice(2).map((i) => i.id));
});

Deno.test("selectHistory - keeps the newest turns within maxChars, always the current one", () => {
  const items = [user("x".repeat(50)), assistant("y".repeat(50)), user("z".repeat(30))];
  assertEquals(itemChars(items[0]), 50);
  const two = selectHistory(items, { maxTurns: 10, maxChars: 130 });
  assertEquals(two.length, 3);
  const one = selectHistory(items, { maxTurns: 10, maxChars: 100 });
  assertEquals(one.map((i) => i.id), [items[2].id]);
  const forced = selectHistory(items, { maxTurns: 10, maxChars: 5 });
  assertEquals(forced.map((i) => i.id), [items[2].id], "the newest turn is kept even if too big");
  assertEquals(selectHistory([], { maxTurns: 3, maxChars: 100 }), []);
});

Deno.test("selectHistory - items before the first user message form their own turn", () => {
  const items = [assistant("Welcome!"), user("hi")];
  assertEquals(selectHistory(items, { maxTurns: 5, maxChars: 1_000 }).length, 2);
  assertEquals(selectHistory(items, { maxTurns: 1, maxChars: 1_000 }).map((i) => i.id), [
    items[1].id,
  ]);
});

storeTest("loadRecentItems - pages newest first and stops once the budget is covered", async () => {
  // 240 items: more than one page (100) of the store.
  const turns: ThreadItem[] = [];
  for (let i = 0; i < 120; i++) turns.push(user(`q${i}`), assistant(`a${i}`));
  const { source, threadId, items } = await storedThread(turns);
  const recent = await loadRecentItems(source, threadId, { maxTurns: 2, maxChars: 10_000 });
  assertEquals(source.calls, 1, "one page covers two turns");
  assertEquals(recent[0].type, "user_message", "a cut-off oldest turn is dropped");
  assertEquals(recent.at(-1)!.id, items.at(-1)!.id);
  // Oldest first, contiguous.
  const start = items.findIndex((i) => i.id === recent[0].id);
  assertEquals(recent.map((i) => i.id), items.slice(start).map((i) => i.id));

  // A budget larger than the thread: every page, the cursor of each page followed.
  const all = await loadRecentItems(source, threadId, { maxTurns: 500, maxChars: 1_000_000 });
  assertEquals(source.calls, 1 + 3);
  assertEquals(all.map((i) => i.id), items.map((i) => i.id));
});

storeTest(
  "withSharedFirstPage - the history and a step's shorter read share one page of the store",
  async () => {
    const turns: ThreadItem[] = [];
    for (let i = 0; i < 120; i++) turns.push(user(`q${i}`), assistant(`a${i}`));
    const { source, threadId, items } = await storedThread(turns);
    const shared = withSharedFirstPage(source, threadId);
    const [recent, lastEight] = await Promise.all([
      loadRecentItems(shared, threadId, { maxTurns: 2, maxChars: 10_000 }),
      shared.loadThreadItems(threadId, undefined, 8, "desc"),
    ]);
    assertEquals(source.calls, 1, "one read for both");
    assertEquals(lastEight.data.map((i) => i.id), items.slice(-8).reverse().map((i) => i.id));
    assertEquals(lastEight.has_more, true);
    assertEquals(recent.at(-1)!.id, items.at(-1)!.id);
    // Deeper history still pages on from the shared first page, through the store.
    const all = await loadRecentItems(shared, threadId, { maxTurns: 500, maxChars: 1_000_000 });
    assertEquals(all.map((i) => i.id), items.map((i) => i.id));
    assertEquals(source.calls, 1 + 2, "the first page is not read again");
  },
);

storeTest("loadRecentItems - reads a short thread completely", async () => {
  const { source, threadId, items } = await storedThread([assistant("Welcome"), user("hi")]);
  assertEquals(await loadRecentItems(source, threadId, { maxTurns: 5, maxChars: 100 }), items);
});

storeTest(
  "buildAgentInput - history within budget, input appended when the store lacks it",
  async () => {
    const history = [user("q1"), assistant("a1"), user("q2"), assistant("a2")];
    const input = user("q3");
    const without = await storedThread(history);
    const result = await buildAgentInput(without.source, without.threadId, input, {
      maxTurns: 2,
      maxChars: 10_000,
    });
    assertEquals(result.map((i) => ("role" in i ? `${i.role}` : "?")), [
      "user",
      "assistant",
      "user",
    ]);
    assertEquals((result[2] as { content: string }).content, "q3");
    const withInput = await storedThread(
      [...history, input].map((i) => ({ ...i, id: `${i.id}b` })),
    );
    const again = await buildAgentInput(
      withInput.source,
      withInput.threadId,
      withInput.items.at(-1) as UserMessageItem,
      { maxTurns: 2, maxChars: 10_000 },
    );
    assertEquals(again.length, 3, "not added twice");
  },
);
