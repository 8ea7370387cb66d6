/**
 * The respond pipeline (protocol §6.6, §6.7): forwards the events of a responder or action
 * handler to the client, persisting `done` / `replaced` / `removed` items and saving + announcing
 * thread changes. On a thrown error the partial assistant text is kept and an `error` event sent;
 * on disconnect the partial text is kept plus a hidden "cancelled" note for the next turn.
 * @module
 */
import type { OwnerStore } from "../store/mod.ts";
import { newItemId, nowIso } from "./ids.ts";
import { clientThread } from "./json.ts";
import { errorEvent, type EventSink, logError } from "./stream.ts";
import {
  isHiddenItem,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
} from "./types.ts";
import { applyUpdate } from "./updates.ts";

/** The note stored (hidden) when the client disconnects mid-turn. */
export const CANCELLED_NOTE =
  "The user cancelled the previous response before it finished. Do not continue that response unless asked.";

/** One streaming turn: the thread, the owner's store, where events go, and the disconnect signal. */
export interface Turn {
  thread: ThreadMetadata;
  store: OwnerStore;
  sink: EventSink;
  signal: AbortSignal;
  requestId: string;
}

/** Runs `events` through the pipeline until they end, fail or the client disconnects. */
export async function runPipeline(
  turn: Turn,
  events: AsyncIterable<ThreadStreamEvent>,
): Promise<void> {
  const { thread, store, sink, signal } = turn;
  const pending = new Map<string, ThreadItem>();
  let signature = threadSignature(thread);
  let refs = threadRefs(thread);
  // After every event: a cheap reference check (title assigned, objects replaced); a full
  // comparison (in-place changes too) after every event that is not a streaming update.
  const checkThread = async (full = true) => {
    const nowRefs = threadRefs(thread);
    const moved = nowRefs.some((r, i) => r !== refs[i]);
    if (!full && !moved) return;
    refs = nowRefs;
    const now = threadSignature(thread);
    if (now === signature) return;
    signature = now;
    await store.saveThread(thread);
    sink.send({ type: "thread.updated", thread: clientThread(thread) });
  };

  let abortListener: (() => void) | undefined;
  const aborted = new Promise<"aborted">((resolve) => {
    if (signal.aborted) return resolve("aborted");
    abortListener = () => resolve("aborted");
    signal.addEventListener("abort", abortListener, { once: true });
  });
  let iterator: AsyncIterator<ThreadStreamEvent> | undefined;
  let failure: unknown;
  try {
    iterator = events[Symbol.asyncIterator]();
    while (!signal.aborted) {
      const next = iterator.next();
      next.catch(() => {}); // it may settle after we stopped waiting for it
      const result = await Promise.race([next, aborted]);
      if (result === "aborted" || result.done) break;
      await apply(result.value, thread, pending, store, sink);
      await checkThread(result.value.type !== "thread.item.updated");
    }
  } catch (error) {
    failure = error;
  } finally {
    if (abortListener) signal.removeEventListener("abort", abortListener);
  }

  if (signal.aborted) {
    // Client disconnected: stop the responder without waiting for it, keep what was said.
    iterator?.return?.()?.catch?.(() => {});
    await persistPartial(thread, pending, store);
    const note: ThreadItem = {
      id: newItemId("sdk_hidden_context"),
      thread_id: thread.id,
      created_at: nowIso(),
      type: "sdk_hidden_context",
      content: CANCELLED_NOTE,
    };
    await store.addThreadItem(thread.id, note);
    if (threadSignature(thread) !== signature) await store.saveThread(thread);
    return;
  }
  if (failure !== undefined) {
    await persistPartial(thread, pending, store);
    await checkThread().catch((e) => logError(e, turn.requestId));
    sink.send(errorEvent(failure, turn.requestId));
    return;
  }
  await checkThread();
}

async function persistPartial(
  thread: ThreadMetadata,
  pending: Map<string, ThreadItem>,
  store: OwnerStore,
): Promise<void> {
  for (const item of pending.values()) {
    if (item.type === "assistant_message" && item.content.some((c) => c.text.length > 0)) {
      await store.saveItem(thread.id, item);
    }
  }
  pending.clear();
}

async function apply(
  event: ThreadStreamEvent,
  thread: ThreadMetadata,
  pending: Map<string, ThreadItem>,
  store: OwnerStore,
  sink: EventSink,
): Promise<void> {
  switch (event.type) {
    case "thread.item.added": {
      const item = ownItem(event.item, thread.id);
      pending.set(item.id, structuredClone(item));
      if (!isHiddenItem(item)) sink.send({ type: "thread.item.added", item });
      return;
    }
    case "thread.item.updated": {
      const item = pending.get(event.item_id);
      if (item) applyUpdate(item, event.update);
      if (!item || !isHiddenItem(item)) sink.send(event);
      return;
    }
    case "thread.item.done": {
      const item = ownItem(event.item, thread.id);
      pending.delete(item.id);
      await store.saveItem(thread.id, item);
      if (!isHiddenItem(item)) sink.send({ type: "thread.item.done", item });
      return;
    }
    case "thread.item.replaced": {
      const item = ownItem(event.item, thread.id);
      pending.delete(item.id);
      await store.saveItem(thread.id, item);
      if (!isHiddenItem(item)) sink.send({ type: "thread.item.replaced", item });
      return;
    }
    case "thread.item.removed":
      pending.delete(event.item_id);
      await store.deleteThreadItem(thread.id, event.item_id);
      sink.send(event);
      return;
    case "thread.created":
      return; // only the server creates threads
    case "thread.updated":
      sink.send({ type: "thread.updated", thread: clientThread(event.thread) });
      return;
    default:
      sink.send(event);
  }
}

function ownItem(item: ThreadItem, threadId: string): ThreadItem {
  return item.thread_id === threadId ? item : { ...item, thread_id: threadId };
}

function threadRefs(thread: ThreadMetadata): unknown[] {
  return [thread.title, thread.status, thread.metadata, thread.allowed_image_domains];
}

function threadSignature(thread: ThreadMetadata): string {
  return JSON.stringify([
    thread.title ?? null,
    thread.status,
    thread.metadata,
    thread.allowed_image_domains ?? null,
  ]);
}
