/**
 * The built-in client's UI state as one reducer: the conversation (protocol events applied by
 * `client/conversation.ts`) plus what the panel shows around it — streaming, loading, feedback,
 * a draft handed back to the composer. Pure: every change is an action, testable without a DOM.
 * @module
 */
import {
  applyEvent,
  type Conversation,
  EMPTY_CONVERSATION,
  itemsThrough,
  PENDING_PREFIX,
  type ThreadInfo,
  visibleItems,
} from "./client/conversation.ts";
import type { ThreadItem, ThreadStreamEvent } from "./client/types.ts";

export type FeedbackKind = "positive" | "negative";

/** Everything the conversation view renders. */
export interface ChatState {
  conversation: Conversation;
  /** A response is streaming. */
  streaming: boolean;
  /** A thread is loading. */
  loading: boolean;
  loadingEarlier: boolean;
  feedback: Record<string, FeedbackKind>;
  /** Text to put back into the composer (a message that never reached the server). */
  restoredDraft?: string;
}

export const INITIAL_CHAT_STATE: ChatState = {
  conversation: EMPTY_CONVERSATION,
  streaming: false,
  loading: false,
  loadingEarlier: false,
  feedback: {},
};

/** What can happen to the state. */
export type ChatAction =
  | { type: "pending_added"; item: ThreadItem }
  | { type: "run_started" }
  | { type: "event"; event: ThreadStreamEvent }
  /** `draft`: the message never reached the server (it goes back to the composer). */
  | { type: "run_failed"; message: string; draft?: string }
  | { type: "run_ended" }
  | { type: "thread_opening" }
  | { type: "thread_opened"; thread: ThreadInfo; items: ThreadItem[]; hasEarlier: boolean }
  | { type: "thread_open_failed"; message?: string }
  | { type: "loading_ended" }
  | { type: "thread_reset" }
  | { type: "truncated"; userMessageId: string }
  | { type: "feedback_sent"; itemId: string; kind: FeedbackKind }
  | { type: "feedback_failed"; itemId: string; message: string }
  | { type: "earlier_loading" }
  | { type: "earlier_loaded"; items: ThreadItem[]; hasMore: boolean }
  | { type: "earlier_ended" }
  | { type: "renamed"; thread: ThreadInfo }
  | { type: "failed"; message: string }
  | { type: "error_dismissed" };

const withConversation = (
  state: ChatState,
  fn: (c: Conversation) => Conversation,
): ChatState => ({ ...state, conversation: fn(state.conversation) });

/** The next state. */
export function chatReducer(state: ChatState, action: ChatAction): ChatState {
  switch (action.type) {
    case "pending_added":
      return withConversation(state, (c) => ({ ...c, items: [...c.items, action.item] }));
    case "run_started":
      return {
        ...state,
        streaming: true,
        restoredDraft: undefined,
        conversation: {
          ...state.conversation,
          error: undefined,
          notice: undefined,
          allowCancel: true,
        },
      };
    case "event":
      return withConversation(state, (c) => applyEvent(c, action.event));
    case "run_failed":
      if (action.draft === undefined) {
        return withConversation(state, (c) => ({
          ...c,
          error: { message: action.message, allowRetry: true },
        }));
      }
      return {
        ...state,
        restoredDraft: action.draft,
        conversation: {
          ...state.conversation,
          items: state.conversation.items.filter((item) => !item.id.startsWith(PENDING_PREFIX)),
          error: { message: action.message, allowRetry: false },
        },
      };
    case "run_ended":
      return { ...state, streaming: false };
    case "thread_opening":
      return {
        ...state,
        streaming: false,
        loading: true,
        feedback: {},
        conversation: EMPTY_CONVERSATION,
      };
    case "thread_opened":
      return {
        ...state,
        conversation: {
          ...EMPTY_CONVERSATION,
          thread: action.thread,
          items: visibleItems(action.items),
          hasEarlier: action.hasEarlier,
        },
      };
    case "thread_open_failed":
      return {
        ...state,
        conversation: action.message === undefined
          ? EMPTY_CONVERSATION
          : { ...EMPTY_CONVERSATION, error: { message: action.message, allowRetry: false } },
      };
    case "loading_ended":
      return { ...state, loading: false };
    case "thread_reset":
      return {
        ...state,
        streaming: false,
        loading: false,
        feedback: {},
        conversation: EMPTY_CONVERSATION,
      };
    case "truncated":
      return withConversation(state, (c) => ({
        ...c,
        items: itemsThrough(c.items, action.userMessageId),
        error: undefined,
      }));
    case "feedback_sent":
      return { ...state, feedback: { ...state.feedback, [action.itemId]: action.kind } };
    case "feedback_failed": {
      const feedback = { ...state.feedback };
      delete feedback[action.itemId];
      return chatReducer({ ...state, feedback }, { type: "failed", message: action.message });
    }
    case "earlier_loading":
      return { ...state, loadingEarlier: true };
    case "earlier_loaded":
      return withConversation(state, (c) => ({
        ...c,
        items: visibleItems([...action.items, ...c.items]),
        hasEarlier: action.hasMore,
      }));
    case "earlier_ended":
      return { ...state, loadingEarlier: false };
    case "renamed":
      return withConversation(
        state,
        (c) =>
          c.thread?.id === action.thread.id
            ? { ...c, thread: { ...c.thread, ...action.thread } }
            : c,
      );
    case "failed":
      return withConversation(state, (c) => ({
        ...c,
        error: { message: action.message, allowRetry: false },
      }));
    case "error_dismissed":
      return withConversation(state, (c) => ({ ...c, error: undefined }));
  }
}
