/**
 * The conversation: earlier-items paging, messages, the typing indicator, notices and errors.
 * Keeps the newest content in view while the user is at the bottom; a visually hidden live
 * region carries the text being streamed for screen readers.
 * @module
 */
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { itemText } from "./client/conversation.ts";
import { AlertIcon, RetryIcon } from "./icons.tsx";
import { Message } from "./Message.tsx";
import type { ConversationApi } from "./useConversation.ts";

export interface MessageListProps {
  chat: ConversationApi;
  actions: { feedback: boolean; retry: boolean };
  /** Hosts whose images answers may show (`chatkit.allowedImageDomains`). */
  imageDomains?: readonly string[];
}

export function MessageList({ chat, actions, imageDomains }: MessageListProps) {
  const { conversation, streaming, streamingItemId } = chat;
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const items = conversation.items;
  const last = items[items.length - 1];
  const waiting = streaming && (!last || last.type === "user_message");
  const streamingItem = streamingItemId ? items.find((i) => i.id === streamingItemId) : undefined;
  const liveText = streamingItem ? itemText(streamingItem) : "";

  // Follow new content when the reader is at (or near) the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  });

  useEffect(() => {
    pinned.current = true;
  }, [conversation.thread?.id]);

  return (
    <div
      ref={scroller}
      class="ck-scroll"
      onScroll={(event) => {
        const el = event.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
    >
      <div class="ck-messages" role="log" aria-label="Conversation">
        {conversation.hasEarlier
          ? (
            <button
              type="button"
              class="ck-more"
              disabled={chat.loadingEarlier}
              onClick={() => {
                pinned.current = false;
                chat.loadEarlier();
              }}
            >
              {chat.loadingEarlier ? "Loading…" : "Show earlier messages"}
            </button>
          )
          : null}
        {items.map((item) => (
          <Message
            key={item.id}
            item={item}
            streaming={item.id === streamingItemId}
            idle={!streaming}
            feedback={chat.feedback[item.id]}
            actions={actions}
            imageDomains={imageDomains}
            onFeedback={(kind) => chat.sendFeedback(item.id, kind)}
            onRetry={() => chat.retry(item.id)}
          />
        ))}
        {waiting
          ? (
            <div class="ck-message ck-message-assistant ck-typing" aria-label="Assistant is typing">
              <span class="ck-dot" />
              <span class="ck-dot" />
              <span class="ck-dot" />
              {conversation.progress
                ? <span class="ck-progress">{conversation.progress}</span>
                : null}
            </div>
          )
          : null}
        {conversation.notice
          ? (
            <div class={`ck-banner ck-banner-${conversation.notice.level}`} role="status">
              {conversation.notice.title ? <strong>{conversation.notice.title}</strong> : null}
              <span>{conversation.notice.message}</span>
            </div>
          )
          : null}
        {conversation.error
          ? (
            <div class="ck-banner ck-banner-danger" role="alert">
              <AlertIcon size={18} />
              <span class="ck-banner-text">{conversation.error.message}</span>
              {conversation.error.allowRetry
                ? (
                  <button type="button" class="ck-text-button" onClick={chat.retryAfterError}>
                    <RetryIcon size={16} /> Retry
                  </button>
                )
                : (
                  <button type="button" class="ck-text-button" onClick={chat.dismissError}>
                    Dismiss
                  </button>
                )}
            </div>
          )
          : null}
      </div>
      <div class="ck-sr-only" aria-live="polite" aria-atomic="false" data-live-region="">
        {liveText}
      </div>
    </div>
  );
}
