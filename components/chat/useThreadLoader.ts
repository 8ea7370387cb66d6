/**
 * Which thread is open: open one (newest items first, earlier ones paged on demand), start a
 * new one, forget a deleted one. The current thread is remembered per identity (`memory`).
 * @module
 */
import { useCallback } from "preact/hooks";
import type { RefObject } from "preact";
import { type ChatKitClient, ChatKitRequestError } from "./client/client.ts";
import { PENDING_PREFIX, threadInfo } from "./client/conversation.ts";
import type { ThreadMemory } from "./client/memory.ts";
import type { ChatState } from "./chat_state.ts";
import type { Dispatch } from "./useChatState.ts";
import { describe, type Turns } from "./useTurns.ts";

const PAGE_SIZE = 20;

export interface ThreadLoaderOptions {
  client: ChatKitClient;
  memory: ThreadMemory;
  dispatch: Dispatch;
  latest: RefObject<ChatState>;
  turns: Pick<Turns, "cancel" | "generation">;
}

export interface ThreadLoader {
  openThread(threadId: string): Promise<void>;
  newThread(): void;
  loadEarlier(): Promise<void>;
  /** Forgets a thread deleted elsewhere; starts a new one if it was open. */
  deleted(threadId: string): void;
}

export function useThreadLoader(options: ThreadLoaderOptions): ThreadLoader {
  const { client, memory, dispatch, latest, turns } = options;
  const { generation } = turns;

  const openThread = useCallback(async (threadId: string) => {
    turns.cancel();
    const myGeneration = ++generation.current;
    dispatch({ type: "thread_opening" });
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
      dispatch({ type: "thread_opened", thread: threadInfo(thread), items, hasEarlier });
    } catch (error) {
      if (generation.current !== myGeneration) return;
      if (error instanceof ChatKitRequestError && error.status === 404) {
        // Deleted, or another identity's: forget it and start fresh.
        if (memory.get() === threadId) memory.set(null);
        dispatch({ type: "thread_open_failed" });
      } else {
        dispatch({ type: "thread_open_failed", message: describe(error) });
      }
    } finally {
      if (generation.current === myGeneration) dispatch({ type: "loading_ended" });
    }
  }, [client, memory, dispatch]);

  const newThread = useCallback(() => {
    turns.cancel();
    generation.current++;
    memory.set(null);
    dispatch({ type: "thread_reset" });
  }, [memory, dispatch]);

  const loadEarlier = useCallback(async () => {
    const { thread, items } = latest.current.conversation;
    const oldest = items.find((item) => !item.id.startsWith(PENDING_PREFIX));
    if (!thread || !oldest) return;
    dispatch({ type: "earlier_loading" });
    try {
      const page = await client.listItems(thread.id, {
        order: "desc",
        after: oldest.id,
        limit: PAGE_SIZE,
      });
      dispatch({
        type: "earlier_loaded",
        items: page.data.slice().reverse(),
        hasMore: page.has_more,
      });
    } catch (error) {
      dispatch({ type: "failed", message: describe(error) });
    } finally {
      dispatch({ type: "earlier_ended" });
    }
  }, [client, dispatch]);

  const deleted = useCallback((threadId: string) => {
    if (memory.get() === threadId) memory.set(null);
    if (latest.current.conversation.thread?.id === threadId) newThread();
  }, [memory, newThread]);

  return { openThread, newThread, loadEarlier, deleted };
}
