/**
 * The conversation a client shows, and how stream events change it. Pure functions that return
 * new objects (so UI frameworks see the change); the reducer follows protocol §5: `added` items
 * appear at once, `updated` applies deltas to them, `done`/`replaced` put the final item in place,
 * `removed` drops it.
 * @module
 */
import type {
  AssistantMessageContent,
  ItemUpdate,
  Thread,
  ThreadItem,
  ThreadStatus,
  ThreadStreamEvent,
} from "./types.ts";

/** What the client knows of the open thread (no items). */
export interface ThreadInfo {
  id: string;
  title?: string;
  status: ThreadStatus;
  created_at: string;
}

/** A user-visible problem reported by the stream (`error` event) or the transport. */
export interface ConversationError {
  message: string;
  allowRetry: boolean;
}

/** A `notice` event. */
export interface ConversationNotice {
  level: "info" | "warning" | "danger";
  message: string;
  title?: string;
}

/** The open conversation. */
export interface Conversation {
  thread?: ThreadInfo;
  items: ThreadItem[];
  /** Older items exist on the server (page them with `items.list`). */
  hasEarlier: boolean;
  /** Whether the server lets the client stop the current response. */
  allowCancel: boolean;
  /** The transient `progress_update` line. */
  progress?: string;
  error?: ConversationError;
  notice?: ConversationNotice;
}

/** An empty conversation (the start screen). */
export const EMPTY_CONVERSATION: Conversation = {
  items: [],
  hasEarlier: false,
  allowCancel: true,
};

/** Thread metadata without its items. */
export function threadInfo(thread: Thread | ThreadInfo): ThreadInfo {
  const info: ThreadInfo = { id: thread.id, status: thread.status, created_at: thread.created_at };
  if (thread.title) info.title = thread.title;
  return info;
}

/** Hidden item types never shown (servers should not send them; filter defensively). */
const HIDDEN = new Set(["hidden_context_item", "sdk_hidden_context"]);

/** Items as shown: without hidden ones and duplicates, in the given order. */
export function visibleItems(items: ThreadItem[]): ThreadItem[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    if (HIDDEN.has(item.type) || seen.has(item.id)) return false;
    seen.add(item.id);
    return true;
  });
}

/** Puts `item` in place of the item with its id, or appends it. */
export function upsertItem(items: ThreadItem[], item: ThreadItem): ThreadItem[] {
  const index = items.findIndex((existing) => existing.id === item.id);
  if (index === -1) return [...items, item];
  const next = items.slice();
  next[index] = item;
  return next;
}

/** Applies one stream event. */
export function applyEvent(state: Conversation, event: ThreadStreamEvent): Conversation {
  switch (event.type) {
    case "thread.created":
      return { ...state, thread: threadInfo(event.thread) };
    case "thread.updated":
      return { ...state, thread: threadInfo(event.thread) };
    case "thread.item.added":
    case "thread.item.replaced":
      if (HIDDEN.has(event.item.type)) return state;
      return { ...state, items: upsertItem(state.items, event.item), progress: undefined };
    case "thread.item.done": {
      if (HIDDEN.has(event.item.type)) return state;
      let items = state.items;
      // The server's copy of the user's message replaces the optimistic one shown while sending.
      if (event.item.type === "user_message") {
        items = items.filter((item) => !item.id.startsWith(PENDING_PREFIX));
      }
      return { ...state, items: upsertItem(items, event.item), progress: undefined };
    }
    case "thread.item.updated": {
      const index = state.items.findIndex((item) => item.id === event.item_id);
      if (index === -1) return state;
      const items = state.items.slice();
      items[index] = applyItemUpdate(items[index], event.update);
      return { ...state, items };
    }
    case "thread.item.removed":
      return { ...state, items: state.items.filter((item) => item.id !== event.item_id) };
    case "stream_options":
      return { ...state, allowCancel: event.stream_options.allow_cancel };
    case "progress_update":
      return { ...state, progress: event.text };
    case "notice":
      return {
        ...state,
        notice: { level: event.level, message: event.message, title: event.title },
      };
    case "error":
      return {
        ...state,
        progress: undefined,
        error: {
          message: event.message || "Something went wrong while answering.",
          allowRetry: event.allow_retry,
        },
      };
    default:
      return state;
  }
}

/** Applies an `ItemUpdate` to a copy of the item. */
export function applyItemUpdate(item: ThreadItem, update: ItemUpdate): ThreadItem {
  if (item.type !== "assistant_message") return item;
  const content: AssistantMessageContent[] = item.content.slice();
  const part = (index: number): AssistantMessageContent =>
    content[index] ?? { type: "output_text", text: "", annotations: [] };
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      while (content.length < update.content_index) content.push(part(content.length));
      content[update.content_index] = update.content;
      break;
    case "assistant_message.content_part.text_delta": {
      while (content.length <= update.content_index) content.push(part(content.length));
      const current = part(update.content_index);
      content[update.content_index] = { ...current, text: current.text + update.delta };
      break;
    }
    case "assistant_message.content_part.annotation_added": {
      while (content.length <= update.content_index) content.push(part(content.length));
      const current = part(update.content_index);
      const annotations = current.annotations.slice();
      annotations.splice(update.annotation_index, 0, update.annotation);
      content[update.content_index] = { ...current, annotations };
      break;
    }
    default:
      return item;
  }
  return { ...item, content };
}

/** Id prefix of the optimistic user message shown until the server's copy arrives. */
export const PENDING_PREFIX = "pending_";

/** The plain text of an item (user or assistant message), for copying and announcing. */
export function itemText(item: ThreadItem): string {
  if (item.type === "assistant_message") return item.content.map((part) => part.text).join("\n\n");
  if (item.type === "user_message") {
    return item.content.map((part) => part.text).join("");
  }
  return "";
}

/** The user message a reply answers: the nearest user message before `itemId`. */
export function userMessageBefore(items: ThreadItem[], itemId: string): ThreadItem | undefined {
  const index = items.findIndex((item) => item.id === itemId);
  for (let i = (index === -1 ? items.length : index) - 1; i >= 0; i--) {
    if (items[i].type === "user_message") return items[i];
  }
  return undefined;
}

/** The last user message of the conversation (what an error retry answers again). */
export function lastUserMessage(items: ThreadItem[]): ThreadItem | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i].type === "user_message" && !items[i].id.startsWith(PENDING_PREFIX)) {
      return items[i];
    }
  }
  return undefined;
}

/** Items up to and including `itemId` (what stays when a retry regenerates the rest). */
export function itemsThrough(items: ThreadItem[], itemId: string): ThreadItem[] {
  const index = items.findIndex((item) => item.id === itemId);
  return index === -1 ? items : items.slice(0, index + 1);
}
