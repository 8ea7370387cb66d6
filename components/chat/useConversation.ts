/**
 * State and actions of the built-in client's conversation: open a thread (newest items first,
 * earlier ones paged on demand), send with streamed rendering, stop, retry, feedback. Talks to
 * the server only through the protocol client; remembers the current thread per identity.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  type ChatKitClient,
  ChatKitRequestError,
  textInput,
} from "../../lib/chatkit_client/client.ts";
import {
  applyEvent,
  type Conversation,
  EMPTY_CONVERSATION,
  itemsThrough,
  lastUserMessage,
  PENDING_PREFIX,
  type ThreadInfo,
  threadInfo,
  userMessageBefore,
  visibleItems,
} from "../../lib/chatkit_client/conversation.ts";
import type { ThreadMemory } from "../../lib/chatkit_client/memory.ts";
import type { ThreadItem, ThreadStreamEvent } from "../../lib/chatkit_client/types.ts";

const PAGE_SIZE = 20;

export type FeedbackKind = "positive" | "negative";

export interface ConversationApi {
  conversation: Conversation;
  /** A response is streaming. */
  streaming: boolean;
  /** The id of the assistant item being streamed, if any. */
  streamingItemId?: string;
  /** A thread is loading. */
  loading: boolean;
  loadingEarlier: boolean;
  feedback: Record<string, FeedbackKind>;
  /** Text to put back into the composer (a message that never reached the server). */
  restoredDraft?: string;
  send(text: string): void;
  stop(): void;
  openThread(threadId: string): Promise<void>;
  newThread(): void;
  retry(assistantItemId: string): void;
  retryAfterError(): void;
  sendFeedback(itemId: string, kind: FeedbackKind): void;
  loadEarlier(): Promise<void>;
  /** Applies a rename done elsewhere (history list). */
  renamed(thread: ThreadInfo): void;
  /** Forgets a thread deleted elsewhere; starts a new one if it was open. */
  deleted(threadId: string): void;
  dismissError(): void;
}

export interface ConversationOptions {
  client: ChatKitClient;
  memory: ThreadMemory;
  /** Opened when nothing is remembered (a signed-in user's latest thread). */
  fallbackThreadId?: string;
  /** Called when the thread list may have changed (new thread, new title). */
  onThreadsChanged?(): void;
}

function describe(error: unknown): string {
  if (error instanceof ChatKitRequestError) {
    if (error.status === 429) return "Too many messages. Please wait a moment and try again.";
    return error.message;
  }
  return "The connection to the assistant failed. Check your network and try again.";
}

export function useConversation(options: ConversationOptions): ConversationApi {
  const { client, memory } = options;
  const [conversation, setConversation] = useState<Conversation>(EMPTY_CONVERSATION);
  const [streaming, setStreaming] = useState(false);
  const [loading, setLoading] = useState(false);
  const [loadingEarlier, setLoadingEarlier] = useState(false);
  const [feedback, setFeedback] = useState<Record<string, FeedbackKind>>({});
  const [restoredDraft, setRestoredDraft] = useState<string>();
  const current = useRef(conversation);
  current.current = conversation;
  const abort = useRef<AbortController | null>(null);
  const generation = useRef(0);
  const changed = useRef(options.onThreadsChanged);
  changed.current = options.onThreadsChanged;

  const update = useCallback((fn: (c: Conversation) => Conversation) => {
    setConversation((c) => {
      const next = fn(c);
      current.current = next;
      return next;
    });
  }, []);

  const run = useCallback(
    async (open: (signal: AbortSignal) => AsyncGenerator<ThreadStreamEvent>, draft?: string) => {
      abort.current?.abort();
      const controller = new AbortController();
      abort.current = controller;
      const runGeneration = generation.current;
      setStreaming(true);
      setRestoredDraft(undefined);
      update((c) => ({ ...c, error: undefined, notice: undefined, allowCancel: true }));
      let acknowledged = false;
      try {
        for await (const event of open(controller.signal)) {
          if (generation.current !== runGeneration) break;
          if (event.type === "thread.created") {
            memory.set(event.thread.id);
            changed.current?.();
          }
          if (event.type === "thread.updated") changed.current?.();
          if (event.type === "thread.item.done" && event.item.type === "user_message") {
            acknowledged = true;
          }
          update((c) => applyEvent(c, event));
        }
      } catch (error) {
        if (controller.signal.aborted || generation.current !== runGeneration) return;
        if (draft !== undefined && !acknowledged) {
          // The message never reached the server: take it back into the composer.
          update((c) => ({
            ...c,
            items: c.items.filter((item) => !item.id.startsWith(PENDING_PREFIX)),
            error: { message: describe(error), allowRetry: false },
          }));
          setRestoredDraft(draft);
        } else {
          update((c) => ({ ...c, error: { message: describe(error), allowRetry: true } }));
        }
      } finally {
        if (abort.current === controller) {
          abort.current = null;
          setStreaming(false);
        }
      }
    },
    [memory, update],
  );

  const send = useCallback((text: string) => {
    const trimmed = text.trim();
    if (!trimmed) return;
    const thread = current.current.thread;
    const pending = {
      id: `${PENDING_PREFIX}${Date.now()}`,
      thread_id: thread?.id ?? "",
      created_at: new Date().toISOString(),
      type: "user_message",
      content: [{ type: "input_text", text: trimmed }],
      attachments: [],
      inference_options: {},
    } as ThreadItem;
    update((c) => ({ ...c, items: [...c.items, pending] }));
    const input = textInput(trimmed);
    run(
      (signal) =>
        thread
          ? client.addUserMessage(thread.id, input, signal)
          : client.createThread(input, signal),
      trimmed,
    );
  }, [client, run, update]);

  const stop = useCallback(() => {
    // Aborting the request is how ChatKit stops a response; the server keeps the partial answer.
    abort.current?.abort();
    abort.current = null;
    setStreaming(false);
  }, []);

  const openThread = useCallback(async (threadId: string) => {
    abort.current?.abort();
    abort.current = null;
    setStreaming(false);
    const myGeneration = ++generation.current;
    setLoading(true);
    setFeedback({});
    update(() => EMPTY_CONVERSATION);
    try {
      const thread = await client.getThread(threadId);
      let items = thread.items.data;
      let hasEarlier = false;
      if (thread.items.has_more) {
        // get_by_id gives the oldest page: show the newest instead and page backwards.
        const page = await client.listItems(threadId, { order: "desc", limit: PAGE_SIZE });
        items = page.data.slice().reverse();
        hasEarlier = page.has_more;
      }
      if (generation.current !== myGeneration) return;
      memory.set(thread.id);
      update(() => ({
        ...EMPTY_CONVERSATION,
        thread: threadInfo(thread),
        items: visibleItems(items),
        hasEarlier,
      }));
    } catch (error) {
      if (generation.current !== myGeneration) return;
      if (error instanceof ChatKitRequestError && error.status === 404) {
        // Deleted, or another identity's: forget it and start fresh.
        if (memory.get() === threadId) memory.set(null);
        update(() => EMPTY_CONVERSATION);
      } else {
        update(() => ({
          ...EMPTY_CONVERSATION,
          error: { message: describe(error), allowRetry: false },
        }));
      }
    } finally {
      if (generation.current === myGeneration) setLoading(false);
    }
  }, [client, memory, update]);

  const newThread = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    generation.current++;
    setStreaming(false);
    setLoading(false);
    setFeedback({});
    memory.set(null);
    update(() => EMPTY_CONVERSATION);
  }, [memory, update]);

  const retryFrom = useCallback((userMessageId: string) => {
    const thread = current.current.thread;
    if (!thread) return;
    update((c) => ({ ...c, items: itemsThrough(c.items, userMessageId), error: undefined }));
    run((signal) => client.retryAfterItem(thread.id, userMessageId, signal));
  }, [client, run, update]);

  const retry = useCallback((assistantItemId: string) => {
    const user = userMessageBefore(current.current.items, assistantItemId);
    if (user) retryFrom(user.id);
  }, [retryFrom]);

  const retryAfterError = useCallback(() => {
    const user = lastUserMessage(current.current.items);
    if (user) retryFrom(user.id);
  }, [retryFrom]);

  const sendFeedback = useCallback((itemId: string, kind: FeedbackKind) => {
    const thread = current.current.thread;
    if (!thread) return;
    setFeedback((f) => ({ ...f, [itemId]: kind }));
    client.sendFeedback(thread.id, [itemId], kind).catch((error) => {
      setFeedback((f) => {
        const next = { ...f };
        delete next[itemId];
        return next;
      });
      update((c) => ({ ...c, error: { message: describe(error), allowRetry: false } }));
    });
  }, [client, update]);

  const loadEarlier = useCallback(async () => {
    const { thread, items } = current.current;
    const oldest = items.find((item) => !item.id.startsWith(PENDING_PREFIX));
    if (!thread || !oldest) return;
    setLoadingEarlier(true);
    try {
      const page = await client.listItems(thread.id, {
        order: "desc",
        after: oldest.id,
        limit: PAGE_SIZE,
      });
      update((c) => ({
        ...c,
        items: visibleItems([...page.data.slice().reverse(), ...c.items]),
        hasEarlier: page.has_more,
      }));
    } catch (error) {
      update((c) => ({ ...c, error: { message: describe(error), allowRetry: false } }));
    } finally {
      setLoadingEarlier(false);
    }
  }, [client, update]);

  const renamed = useCallback((thread: ThreadInfo) => {
    update((c) => c.thread?.id === thread.id ? { ...c, thread: { ...c.thread, ...thread } } : c);
  }, [update]);

  const deleted = useCallback((threadId: string) => {
    if (memory.get() === threadId) memory.set(null);
    if (current.current.thread?.id === threadId) newThread();
  }, [memory, newThread]);

  const dismissError = useCallback(() => update((c) => ({ ...c, error: undefined })), [update]);

  // Open the remembered thread (or the fallback) once, when the client first mounts.
  useEffect(() => {
    const remembered = memory.get() ?? options.fallbackThreadId;
    if (remembered) openThread(remembered);
    return () => abort.current?.abort();
  }, []);

  const last = conversation.items[conversation.items.length - 1];
  const streamingItemId = streaming && last?.type === "assistant_message" ? last.id : undefined;

  return {
    conversation,
    streaming,
    streamingItemId,
    loading,
    loadingEarlier,
    feedback,
    restoredDraft,
    send,
    stop,
    openThread,
    newThread,
    retry,
    retryAfterError,
    sendFeedback,
    loadEarlier,
    renamed,
    deleted,
    dismissError,
  };
}
