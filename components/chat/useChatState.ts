/**
 * The chat reducer as a hook, with a `latest` ref that is current as soon as an action is
 * dispatched: callbacks read the state they act on (the open thread, the items) from it, not
 * from a render that may not have happened yet.
 * @module
 */
import { useCallback, useReducer, useRef } from "preact/hooks";
import type { RefObject } from "preact";
import { type ChatAction, chatReducer, type ChatState, INITIAL_CHAT_STATE } from "./chat_state.ts";

/** Dispatches one action. */
export type Dispatch = (action: ChatAction) => void;

/** The state, a dispatcher, and the state as of the last dispatch. */
export function useChatState(): [ChatState, Dispatch, RefObject<ChatState>] {
  const [state, dispatchToPreact] = useReducer(chatReducer, INITIAL_CHAT_STATE);
  const latest = useRef(state);
  const dispatch = useCallback((action: ChatAction) => {
    latest.current = chatReducer(latest.current, action);
    dispatchToPreact(action);
  }, []);
  return [state, dispatch, latest];
}
