/**
 * The history list: the identity's threads, newest first, paged with "Show more"; each can be
 * opened, renamed (inline) or deleted (after a confirmation).
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { ChatKitClient } from "./client/client.ts";
import { type ThreadInfo, threadInfo } from "./client/conversation.ts";
import { PencilIcon, TrashIcon } from "./icons.tsx";

const PAGE_SIZE = 20;

export interface HistoryProps {
  client: ChatKitClient;
  currentThreadId?: string;
  showRename: boolean;
  showDelete: boolean;
  /** Changes when threads may have changed (reloads the first page). */
  version: number;
  onOpen(threadId: string): void;
  onRenamed(thread: ThreadInfo): void;
  onDeleted(threadId: string): void;
}

/** "Today", "Yesterday", or a short date. */
function when(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const today = new Date();
  const days = Math.floor(
    (new Date(today.toDateString()).getTime() - new Date(date.toDateString()).getTime()) /
      86_400_000,
  );
  if (days <= 0) return date.toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
  if (days === 1) return "Yesterday";
  return date.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

function HistoryRow(
  props: {
    thread: ThreadInfo;
    current: boolean;
    showRename: boolean;
    showDelete: boolean;
    onOpen(): void;
    onRename(title: string): Promise<void>;
    onDelete(): Promise<void>;
  },
) {
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [title, setTitle] = useState(props.thread.title ?? "");
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const name = props.thread.title || "New chat";

  useEffect(() => {
    if (mode === "rename") input.current?.select();
  }, [mode]);

  if (mode === "rename") {
    const save = async () => {
      const next = title.trim();
      if (!next || next === props.thread.title) return setMode("view");
      setBusy(true);
      try {
        await props.onRename(next);
        setMode("view");
      } finally {
        setBusy(false);
      }
    };
    return (
      <li class="ck-history-row" data-editing="true">
        <form
          class="ck-rename"
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <input
            ref={input}
            class="ck-rename-input"
            aria-label="Chat title"
            value={title}
            maxLength={200}
            disabled={busy}
            onInput={(event) => setTitle(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") {
                event.preventDefault();
                event.stopPropagation();
                setTitle(props.thread.title ?? "");
                setMode("view");
              }
            }}
          />
          <button type="submit" class="ck-text-button" disabled={busy}>Save</button>
        </form>
      </li>
    );
  }

  if (mode === "confirm") {
    return (
      <li class="ck-history-row" data-confirm="true">
        <span class="ck-confirm-text">Delete “{name}”?</span>
        <button
          type="button"
          class="ck-text-button ck-danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await props.onDelete();
            } finally {
              setBusy(false);
            }
          }}
        >
          Delete
        </button>
        <button type="button" class="ck-text-button" onClick={() => setMode("view")}>
          Cancel
        </button>
      </li>
    );
  }

  return (
    <li class="ck-history-row" data-current={props.current ? "true" : undefined}>
      <button
        type="button"
        class="ck-history-open"
        aria-current={props.current ? "true" : undefined}
        onClick={props.onOpen}
      >
        <span class="ck-history-title">{name}</span>
        <span class="ck-history-date">{when(props.thread.created_at)}</span>
      </button>
      {props.showRename
        ? (
          <button
            type="button"
            class="ck-action"
            aria-label={`Rename “${name}”`}
            title="Rename"
            onClick={() => {
              setTitle(props.thread.title ?? "");
              setMode("rename");
            }}
          >
            <PencilIcon size={16} />
          </button>
        )
        : null}
      {props.showDelete
        ? (
          <button
            type="button"
            class="ck-action"
            aria-label={`Delete “${name}”`}
            title="Delete"
            onClick={() => setMode("confirm")}
          >
            <TrashIcon size={16} />
          </button>
        )
        : null}
    </li>
  );
}

export function History(props: HistoryProps) {
  const { client } = props;
  const [threads, setThreads] = useState<ThreadInfo[]>([]);
  const [after, setAfter] = useState<string>();
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();

  const load = useCallback(async (cursor?: string) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await client.listThreads({ limit: PAGE_SIZE, order: "desc", after: cursor });
      const infos = page.data.map(threadInfo);
      setThreads((list) =>
        cursor ? [...list, ...infos.filter((t) => !list.some((l) => l.id === t.id))] : infos
      );
      setHasMore(page.has_more);
      setAfter(page.after ?? infos[infos.length - 1]?.id);
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not load your chats.");
    } finally {
      setLoading(false);
    }
  }, [client]);

  useEffect(() => {
    load();
  }, [load, props.version]);

  return (
    <section class="ck-history" aria-label="Chat history">
      {threads.length === 0 && !loading && !error
        ? <p class="ck-history-empty">No chats yet. Start one and it will appear here.</p>
        : null}
      {error ? <p class="ck-history-empty" role="alert">{error}</p> : null}
      <ul class="ck-history-list">
        {threads.map((thread) => (
          <HistoryRow
            key={thread.id}
            thread={thread}
            current={thread.id === props.currentThreadId}
            showRename={props.showRename}
            showDelete={props.showDelete}
            onOpen={() => props.onOpen(thread.id)}
            onRename={async (title) => {
              const updated = threadInfo(await client.renameThread(thread.id, title));
              setThreads((list) => list.map((t) => t.id === thread.id ? updated : t));
              props.onRenamed(updated);
            }}
            onDelete={async () => {
              await client.deleteThread(thread.id);
              setThreads((list) => list.filter((t) => t.id !== thread.id));
              props.onDeleted(thread.id);
            }}
          />
        ))}
      </ul>
      {loading ? <div class="ck-history-loading" aria-label="Loading">Loading…</div> : null}
      {hasMore && !loading
        ? (
          <button type="button" class="ck-more" onClick={() => load(after)}>
            Show more
          </button>
        )
        : null}
    </section>
  );
}
