/**
 * State and actions of the built-in client's conversation, put together from small parts:
 * the reducer (`chat_state.ts`, via `useChatState`), turns (`useTurns`: send, stop, retry) and
 * the open thread (`useThreadLoader`: open, new, earlier items), plus feedback here. Talks to the
 * server only through the protocol client; remembers the current thread per identity.
 * @module
 */
import type { SentAttachment } from "./useTurns.ts";
import { useCallback, useEffect, useRef } from "preact/hooks";
import type { ChatKitClient } from "./client/client.ts";
import type { Conversation, ThreadInfo } from "./client/conversation.ts";
import type { ThreadMemory } from "./client/memory.ts";
import type { FeedbackKind } from "./chat_state.ts";
import { useChatState } from "./useChatState.ts";
import { useThreadLoader } from "./useThreadLoader.ts";
import { describe, useTurns } from "./useTurns.ts";

export type { FeedbackKind } from "./chat_state.ts";

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
  send(text: string, attachments?: SentAttachment[]): void;
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

export function useConversation(options: ConversationOptions): ConversationApi {
  const { client, memory } = options;
  const [state, dispatch, latest] = useChatState();
  const onThreadsChanged = useRef(options.onThreadsChanged);
  onThreadsChanged.current = options.onThreadsChanged;
  const turns = useTurns({ client, memory, dispatch, latest, onThreadsChanged });
  const threads = useThreadLoader({ client, memory, dispatch, latest, turns });

  const sendFeedback = useCallback((itemId: string, kind: FeedbackKind) => {
    const thread = latest.current.conversation.thread;
    if (!thread) return;
    dispatch({ type: "feedback_sent", itemId, kind });
    client.sendFeedback(thread.id, [itemId], kind).catch((error) => {
      dispatch({ type: "feedback_failed", itemId, message: describe(error) });
    });
  }, [client, dispatch]);

  const renamed = useCallback((thread: ThreadInfo) => dispatch({ type: "renamed", thread }), [
    dispatch,
  ]);
  const dismissError = useCallback(() => dispatch({ type: "error_dismissed" }), [dispatch]);

  // Open the remembered thread (or the fallback) once, when the client first mounts.
  useEffect(() => {
    const remembered = memory.get() ?? options.fallbackThreadId;
    if (remembered) threads.openThread(remembered);
    return () => turns.cancel();
  }, []);

  const { conversation, streaming } = state;
  const last = conversation.items[conversation.items.length - 1];
  const streamingItemId = streaming && last?.type === "assistant_message" ? last.id : undefined;

  return {
    conversation,
    streaming,
    streamingItemId,
    loading: state.loading,
    loadingEarlier: state.loadingEarlier,
    feedback: state.feedback,
    restoredDraft: state.restoredDraft,
    send: turns.send,
    stop: turns.stop,
    openThread: threads.openThread,
    newThread: threads.newThread,
    retry: turns.retry,
    retryAfterError: turns.retryAfterError,
    sendFeedback,
    loadEarlier: threads.loadEarlier,
    renamed,
    deleted: threads.deleted,
    dismissError,
  };
}
