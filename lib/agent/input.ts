/**
 * Thread items → the agent's input, within a history budget that keeps the newest turns.
 *
 * Conversion rules:
 * - user messages: their text, `@tag` for tags, the quoted text as context, attachments as image,
 *   file or text parts (lib/attachments; by name when there is no attachment source);
 * - assistant messages: their text;
 * - completed client tool calls: a function call and its output;
 * - widgets: a short assistant note with their copy text;
 * - hidden context (e.g. the "cancelled" note): a user-role note marked as not typed by the user;
 * - answered structured input: a user-role summary of the answers;
 * - everything else (workflows, tasks, images, end-of-turn markers, pending tool calls): skipped.
 *
 * Where extra input goes:
 * - parts of a user message beyond its text — attachments sent to the model, the host page's URL
 *   and title of an embed — are built in `userMessageInput` (the one place a user message becomes
 *   model input);
 * - input of pre-model steps (e.g. retrieved knowledge, `context.ts` `PreModelStep`) is placed
 *   by `withStepInput`, just before the newest user message.
 * @module
 */
import { pageContextNote } from "../embed/page_context.ts";
import type { AgentInputItem } from "@openai/agents";
import type { AttachmentInputSource } from "../attachments/model_input.ts";
import type { UserPart } from "../attachments/parts.ts";
import type { ThreadItem, UserMessageItem } from "../chatkit/types.ts";
import type { HistoryBudget } from "./settings.ts";

/** The smallest page size of history reads (the store clamps to 100). */
const PAGE_SIZE = 100;

/** The text a user message contributes (tags as `@text`). */
export function userMessageText(item: UserMessageItem): string {
  return item.content
    .map((part) => (part.type === "input_text" ? part.text : `@${part.text}`))
    .join("");
}

function noteText(content: unknown): string {
  if (typeof content === "string") return content;
  try {
    return JSON.stringify(content);
  } catch {
    return String(content);
  }
}

function contextNote(text: string): AgentInputItem {
  return {
    role: "user",
    content: `[Context for the assistant, not written by the user]\n${text}`,
  };
}

function assistantText(text: string): AgentInputItem {
  return { role: "assistant", status: "completed", content: [{ type: "output_text", text }] };
}

/** Model input parts of attachments, by attachment id (lib/attachments/model_input.ts). */
export type AttachmentParts = Map<string, UserPart[]>;

/**
 * A user message as model input: the quoted text as context, then its attachments — as image,
 * file or text parts when `parts` has them, else by name — then the text.
 */
export function userMessageInput(item: UserMessageItem, parts?: AttachmentParts): AgentInputItem[] {
  const lines: string[] = [];
  // The host page an embed sent it from: the assistant knows where the user is.
  if (item.page) lines.push(pageContextNote(item.page));
  if (item.quoted_text) lines.push(`(Quoting: "${item.quoted_text}")`);
  const named = item.attachments.filter((a) => !parts?.has(a.id));
  if (named.length) {
    lines.push(`(Attached: ${named.map((a) => `${a.name} [${a.mime_type}]`).join(", ")})`);
  }
  const attachmentParts = item.attachments.flatMap((a) => parts?.get(a.id) ?? []);
  const text = [...lines, userMessageText(item)].join("\n");
  if (!attachmentParts.length) return text.trim() ? [{ role: "user", content: text }] : [];
  const content: UserPart[] = [...attachmentParts];
  if (text.trim()) content.push({ type: "input_text", text });
  return [{ role: "user", content } as AgentInputItem];
}

/** Converts one thread item into zero or more agent input items. */
export function itemToAgentInput(item: ThreadItem, parts?: AttachmentParts): AgentInputItem[] {
  switch (item.type) {
    case "user_message":
      return userMessageInput(item, parts);
    case "assistant_message": {
      const text = item.content.map((part) => part.text).join("");
      return text ? [assistantText(text)] : [];
    }
    case "client_tool_call": {
      if (item.status !== "completed") return [];
      return [
        {
          type: "function_call",
          callId: item.call_id,
          name: item.name,
          arguments: JSON.stringify(item.arguments ?? {}),
          status: "completed",
        },
        {
          type: "function_call_result",
          callId: item.call_id,
          name: item.name,
          status: "completed",
          output: typeof item.output === "string" ? item.output : noteText(item.output ?? null),
        },
      ];
    }
    case "widget": {
      const text = item.copy_text ?? noteText(item.widget).slice(0, 2000);
      return [assistantText(`[Widget shown to the user] ${text}`)];
    }
    case "hidden_context_item":
    case "sdk_hidden_context":
      return [contextNote(noteText(item.content))];
    case "structured_input": {
      if (item.status === "pending") return [];
      const answers = item.inputs.map((q) => {
        const a = q.answer;
        const value = !a || a.skipped || !a.values?.length ? "(skipped)" : a.values.join(", ");
        return `${q.question}: ${value}`;
      });
      return [contextNote(`The user answered the questions:\n${answers.join("\n")}`)];
    }
    default:
      return [];
  }
}

/**
 * Rough size of an item's text, for the history budget; `attachmentChars` (by attachment id)
 * adds what a user message's attachments carry.
 */
export function itemChars(item: ThreadItem, attachmentChars?: Map<string, number>): number {
  let total = 0;
  if (item.type === "user_message" && attachmentChars) {
    for (const a of item.attachments) total += attachmentChars.get(a.id) ?? 0;
  }
  for (const input of itemToAgentInput(item) as Record<string, unknown>[]) {
    const content = input.content ?? input.arguments ?? input.output;
    if (typeof content === "string") total += content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part && typeof part.text === "string") total += part.text.length;
      }
    }
  }
  return total;
}

/**
 * Picks the newest whole turns of `items` (oldest first) that fit the budget. A turn starts at a
 * user message; the newest turn is always kept, whatever its size.
 */
export function selectHistory(
  items: ThreadItem[],
  budget: HistoryBudget,
  attachmentChars?: Map<string, number>,
): ThreadItem[] {
  const turns: ThreadItem[][] = [];
  let current: ThreadItem[] = [];
  for (const item of items) {
    if (item.type === "user_message" && current.length) {
      turns.push(current);
      current = [];
    }
    current.push(item);
  }
  if (current.length) turns.push(current);

  const kept: ThreadItem[][] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i];
    const size = turn.reduce((sum, item) => sum + itemChars(item, attachmentChars), 0);
    if (kept.length > 0 && (kept.length >= budget.maxTurns || chars + size > budget.maxChars)) {
      break;
    }
    kept.push(turn);
    chars += size;
  }
  return kept.reverse().flat();
}

/** The store view the history reader needs. */
export interface HistorySource {
  loadThreadItems(
    threadId: string,
    after: string | undefined,
    limit: number | undefined,
    order: "asc" | "desc",
  ): Promise<{ data: ThreadItem[]; has_more: boolean; after?: string }>;
}

/** One page of a thread's items, as the store returns it. */
type ItemsPage = Awaited<ReturnType<HistorySource["loadThreadItems"]>>;

/**
 * `store` with the thread's first page of history (newest first) read once: the history and the
 * pre-model steps of a turn (knowledge retrieval reads the previous question) share that read,
 * one round trip less per turn. Any other read goes to `store`.
 */
export function withSharedFirstPage(store: HistorySource, threadId: string): HistorySource {
  let first: Promise<ItemsPage> | undefined;
  return {
    loadThreadItems(id, after, limit, order) {
      const size = limit ?? PAGE_SIZE;
      if (id !== threadId || after !== undefined || order !== "desc" || size > PAGE_SIZE) {
        return store.loadThreadItems(id, after, limit, order);
      }
      first ??= store.loadThreadItems(threadId, undefined, PAGE_SIZE, "desc");
      return first.then((page) => firstItems(page, size));
    },
  };
}

/** The first `size` items of a newest-first page, as a page of that size. */
function firstItems(page: ItemsPage, size: number): ItemsPage {
  if (page.data.length <= size) return { ...page, data: [...page.data] };
  const data = page.data.slice(0, size);
  return { data, has_more: true, after: data[data.length - 1].id };
}

/**
 * Reads the newest items of a thread, newest first, page by page, until the budget is certainly
 * covered, and returns them oldest first.
 */
export async function loadRecentItems(
  store: HistorySource,
  threadId: string,
  budget: HistoryBudget,
): Promise<ThreadItem[]> {
  const newestFirst: ThreadItem[] = [];
  let after: string | undefined;
  let userMessages = 0;
  let chars = 0;
  let complete = false;
  while (true) {
    const page = await store.loadThreadItems(threadId, after, PAGE_SIZE, "desc");
    for (const item of page.data) {
      newestFirst.push(item);
      chars += itemChars(item);
      if (item.type === "user_message") userMessages++;
    }
    after = page.after ?? page.data.at(-1)?.id;
    if (!page.has_more || !after) {
      complete = true;
      break;
    }
    // One turn more than the budget allows, or more text than it allows, is enough to decide.
    if (userMessages > budget.maxTurns || chars > budget.maxChars) break;
  }
  const items = newestFirst.reverse();
  if (complete) return items;
  // The oldest turn read may be cut; drop its beginning-less part.
  const firstUser = items.findIndex((item) => item.type === "user_message");
  return firstUser > 0 ? items.slice(firstUser) : items;
}

/**
 * The agent input for a turn: the thread's recent history within the budget. `input` (the new
 * user message, normally already stored) is appended if the store did not return it.
 * With `attachments`, attachment texts count in the budget and the kept messages carry their
 * attachments' parts (older images past the attachment budget become notes first).
 */
export async function buildAgentInput(
  store: HistorySource,
  threadId: string,
  input: UserMessageItem | null,
  budget: HistoryBudget,
  attachments?: AttachmentInputSource,
): Promise<AgentInputItem[]> {
  const items = await loadRecentItems(store, threadId, budget);
  if (input && !items.some((item) => item.id === input.id)) items.push(input);
  if (!attachments || !items.some((i) => i.type === "user_message" && i.attachments.length)) {
    return selectHistory(items, budget).flatMap((item) => itemToAgentInput(item));
  }
  const selected = selectHistory(items, budget, await attachments.chars(items));
  const parts = await attachments.parts(selected);
  return selected.flatMap((item) => itemToAgentInput(item, parts));
}

/**
 * The history with the pre-model steps' input placed just before the newest user-role item
 * (normally the new message, so that it reads as context for the question), or appended when
 * the history has none.
 */
export function withStepInput(
  history: AgentInputItem[],
  extra: AgentInputItem[],
): AgentInputItem[] {
  if (extra.length === 0) return history;
  let at = history.length;
  for (let i = history.length - 1; i >= 0; i--) {
    const item = history[i] as { role?: string; type?: string };
    if (item.role === "user" && item.type === undefined) {
      at = i;
      break;
    }
  }
  return [...history.slice(0, at), ...extra, ...history.slice(at)];
}
