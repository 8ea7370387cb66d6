/**
 * Serialisation to the wire (protocol §1.3–§1.4): unset keys are omitted and `null` never appears
 * as an object value; empty lists and objects are kept. Threads are sent with `metadata: {}` and
 * hidden items are never sent.
 * @module
 */
import {
  isHiddenItem,
  type Page,
  type Thread,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
} from "./types.ts";

const dropNull = (_key: string, value: unknown) => (value === null ? undefined : value);

/** JSON text with `null`/`undefined` object values omitted. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, dropNull);
}

/**
 * The JSON of one stream event (the HTTP edge frames it as `data: <json>\n\n`). Fast path for
 * the most frequent event (one per text delta): no replacer walk needed.
 */
export function eventJson(event: ThreadStreamEvent): string {
  if (
    event.type === "thread.item.updated" &&
    event.update.type === "assistant_message.content_part.text_delta" &&
    typeof event.update.delta === "string" && typeof event.item_id === "string" &&
    Number.isInteger(event.update.content_index)
  ) {
    return `{"type":"thread.item.updated","item_id":${JSON.stringify(event.item_id)},` +
      `"update":{"type":"assistant_message.content_part.text_delta","content_index":` +
      `${event.update.content_index},"delta":${JSON.stringify(event.update.delta)}}}`;
  }
  return toJson(event);
}

const EMPTY_PAGE: Page<ThreadItem> = Object.freeze({ data: [], has_more: false }) as Page<
  ThreadItem
>;

/** The client-facing thread: server metadata replaced by `{}`, hidden items removed. */
export function clientThread(thread: ThreadMetadata, items: Page<ThreadItem> = EMPTY_PAGE): Thread {
  const out: Thread = {
    id: thread.id,
    created_at: thread.created_at,
    status: thread.status,
    metadata: {},
    items: visiblePage(items),
  };
  if (thread.title !== undefined && thread.title !== null) {
    // Key order as the reference: title first.
    return { title: thread.title, ...out, ...allowed(thread) };
  }
  return { ...out, ...allowed(thread) };
}

function allowed(thread: ThreadMetadata): { allowed_image_domains?: string[] } {
  return thread.allowed_image_domains
    ? { allowed_image_domains: thread.allowed_image_domains }
    : {};
}

/** The page without hidden items (`has_more` / `after` unchanged). */
export function visiblePage(items: Page<ThreadItem>): Page<ThreadItem> {
  if (!items.data.some(isHiddenItem)) return items;
  const out: Page<ThreadItem> = {
    data: items.data.filter((i) => !isHiddenItem(i)),
    has_more: items.has_more,
  };
  if (items.after !== undefined) out.after = items.after;
  return out;
}
