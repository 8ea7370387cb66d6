/**
 * Running turns: send a message, retry, stop. One stream at a time; a newer one (or opening
 * another thread, which bumps `generation`) silently ends the older one.
 * @module
 */
import { useCallback, useRef } from "preact/hooks";
import type { RefObject } from "preact";
import { type ChatKitClient, ChatKitRequestError, textInput } from "./client/client.ts";
import { lastUserMessage, PENDING_PREFIX, userMessageBefore } from "./client/conversation.ts";
import type { ThreadMemory } from "./client/memory.ts";
import type { ThreadItem, ThreadStreamEvent } from "./client/types.ts";
import type { ChatState } from "./chat_state.ts";
import type { Dispatch } from "./useChatState.ts";

/** A user-facing sentence for a failed request. */
export function describe(error: unknown): string {
  if (error instanceof ChatKitRequestError) {
    if (error.status === 429) return "Too many messages. Please wait a moment and try again.";
    // One reply at a time per conversation; this tab waits for its own, so another tab or
    // window is writing one (your message was not sent and stays in the box).
    if (error.code === "turn_in_progress") {
      return "A reply is still being written in this conversation (perhaps in another tab). " +
        "Wait for it to finish, then send again.";
    }
    return error.message;
  }
  return "The connection to the assistant failed. Check your network and try again.";
}

export interface TurnsOptions {
  client: ChatKitClient;
  memory: ThreadMemory;
  dispatch: Dispatch;
  latest: RefObject<ChatState>;
  /** Called when the thread list may have changed (new thread, new title). */
  onThreadsChanged: RefObject<(() => void) | undefined>;
}

/** An uploaded attachment a message carries (as the server answered it). */
export interface SentAttachment {
  id: string;
  type: "file" | "image";
  name: string;
  mime_type: string;
  preview_url?: string;
}

export interface Turns {
  /** Sends a message with its text and uploaded attachments (either may be empty, not both). */
  send(text: string, attachments?: SentAttachment[]): void;
  stop(): void;
  retry(assistantItemId: string): void;
  retryAfterError(): void;
  /** Ends the current stream, if any, without a word (another thread is being opened). */
  cancel(): void;
  /** Bumped whenever what is on screen is replaced: late answers of older requests are dropped. */
  generation: RefObject<number>;
}

export function useTurns(options: TurnsOptions): Turns {
  const { client, memory, dispatch, latest, onThreadsChanged } = options;
  const abort = useRef<AbortController | null>(null);
  const generation = useRef(0);

  const run = useCallback(
    async (open: (signal: AbortSignal) => AsyncGenerator<ThreadStreamEvent>, draft?: string) => {
      abort.current?.abort();
      const controller = new AbortController();
      abort.current = controller;
      const runGeneration = generation.current;
      dispatch({ type: "run_started" });
      let acknowledged = false;
      try {
        for await (const event of open(controller.signal)) {
          if (generation.current !== runGeneration) break;
          if (event.type === "thread.created") {
            memory.set(event.thread.id);
            onThreadsChanged.current?.();
          }
          if (event.type === "thread.updated") onThreadsChanged.current?.();
          if (event.type === "thread.item.done" && event.item.type === "user_message") {
            acknowledged = true;
          }
          dispatch({ type: "event", event });
        }
      } catch (error) {
        if (controller.signal.aborted || generation.current !== runGeneration) return;
        // A message that never reached the server goes back into the composer.
        const unsent = draft !== undefined && !acknowledged;
        dispatch({
          type: "run_failed",
          message: describe(error),
          draft: unsent ? draft : undefined,
        });
      } finally {
        if (abort.current === controller) {
          abort.current = null;
          dispatch({ type: "run_ended" });
        }
      }
    },
    [memory, dispatch],
  );

  const send = useCallback((text: string, attachments: SentAttachment[] = []) => {
    const trimmed = text.trim();
    if (!trimmed && !attachments.length) return;
    const thread = latest.current.conversation.thread;
    const pending = {
      id: `${PENDING_PREFIX}${Date.now()}`,
      thread_id: thread?.id ?? "",
      created_at: new Date().toISOString(),
      type: "user_message",
      content: [{ type: "input_text", text: trimmed }],
      attachments,
      inference_options: {},
    } as ThreadItem;
    dispatch({ type: "pending_added", item: pending });
    const input = { ...textInput(trimmed), attachments: attachments.map((a) => a.id) };
    run(
      (signal) =>
        thread
          ? client.addUserMessage(thread.id, input, signal)
          : client.createThread(input, signal),
      trimmed,
    );
  }, [client, run, dispatch]);

  const cancel = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
  }, []);

  const stop = useCallback(() => {
    // Aborting the request is how ChatKit stops a response; the server keeps the partial answer.
    cancel();
    dispatch({ type: "run_ended" });
  }, [cancel, dispatch]);

  const retryFrom = useCallback((userMessageId: string) => {
    const thread = latest.current.conversation.thread;
    if (!thread) return;
    dispatch({ type: "truncated", userMessageId });
    run((signal) => client.retryAfterItem(thread.id, userMessageId, signal));
  }, [client, run, dispatch]);

  const retry = useCallback((assistantItemId: string) => {
    const user = userMessageBefore(latest.current.conversation.items, assistantItemId);
    if (user) retryFrom(user.id);
  }, [retryFrom]);

  const retryAfterError = useCallback(() => {
    const user = lastUserMessage(latest.current.conversation.items);
    if (user) retryFrom(user.id);
  }, [retryFrom]);

  return { send, stop, retry, retryAfterError, cancel, generation };
}
