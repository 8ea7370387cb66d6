import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { ThreadItem, UserMessageItem } from "../chatkit/types.ts";
import {
  buildAgentInput,
  type HistorySource,
  itemChars,
  itemToAgentInput,
  loadRecentItems,
  selectHistory,
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

/** A store stub paging like the real one (exclusive `after`, id of the last entry). */
function source(items: ThreadItem[]): HistorySource & { calls: number } {
  const store = {
    calls: 0,
    loadThreadItems(
      _threadId: string,
      after: string | undefined,
      limit: number | undefined,
      order: "asc" | "desc",
    ) {
      store.calls++;
      const list = order === "asc" ? [...items] : [...items].reverse();
      const start = after ? list.findIndex((i) => i.id === after) + 1 : 0;
      const size = Math.min(limit ?? 20, 3); // small pages, to exercise paging
      const data = list.slice(start, start + size);
      const has_more = start + size < list.length;
      return Promise.resolve({ data, has_more, ...(has_more ? { after: data.at(-1)!.id } : {}) });
    },
  };
  return store;
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

Deno.test("loadRecentItems - pages newest first and stops once the budget is covered", async () => {
  const items: ThreadItem[] = [];
  for (let i = 0; i < 20; i++) items.push(user(`q${i}`), assistant(`a${i}`));
  const store = source(items);
  const recent = await loadRecentItems(store, "thr_1", { maxTurns: 2, maxChars: 10_000 });
  assert(store.calls < 5, `read ${store.calls} pages`);
  assertEquals(recent[0].type, "user_message", "a cut-off oldest turn is dropped");
  assertEquals(recent.at(-1)!.id, items.at(-1)!.id);
  // Oldest first, contiguous.
  const start = items.findIndex((i) => i.id === recent[0].id);
  assertEquals(recent.map((i) => i.id), items.slice(start).map((i) => i.id));
});

Deno.test("loadRecentItems - reads a short thread completely", async () => {
  const items = [assistant("Welcome"), user("hi")];
  assertEquals(
    await loadRecentItems(source(items), "thr_1", { maxTurns: 5, maxChars: 100 }),
    items,
  );
});

Deno.test("buildAgentInput - history within budget, input appended when the store lacks it", async () => {
  const items = [user("q1"), assistant("a1"), user("q2"), assistant("a2")];
  const input = user("q3");
  const result = await buildAgentInput(source(items), "thr_1", input, {
    maxTurns: 2,
    maxChars: 10_000,
  });
  assertEquals(result.map((i) => ("role" in i ? `${i.role}` : "?")), ["user", "assistant", "user"]);
  assertEquals((result[2] as { content: string }).content, "q3");
  const again = await buildAgentInput(source([...items, input]), "thr_1", input, {
    maxTurns: 2,
    maxChars: 10_000,
  });
  assertEquals(again.length, 3, "not added twice");
});
