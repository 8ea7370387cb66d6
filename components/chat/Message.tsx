/**
 * One thread item: the user's messages as bubbles, the assistant's as rendered Markdown with
 * copy, feedback and retry actions; other item kinds get a compact rendering.
 * @module
 */
import { useMemo, useState } from "preact/hooks";
import { type Citations, citations } from "./citations.ts";
import { itemText } from "./client/conversation.ts";
import type { ThreadItem } from "./client/types.ts";
import { CheckIcon, CopyIcon, RetryIcon, ThumbDownIcon, ThumbUpIcon } from "./icons.tsx";
import { renderMarkdown } from "./markdown.ts";
import { Sources } from "./Sources.tsx";
import type { FeedbackKind } from "./useConversation.ts";

export interface MessageProps {
  item: ThreadItem;
  streaming: boolean;
  /** Whether actions may be offered (no response is streaming). */
  idle: boolean;
  feedback?: FeedbackKind;
  actions: { feedback: boolean; retry: boolean };
  /** Hosts whose images answers may show; other images are links (see `markdown.ts`). */
  imageDomains?: readonly string[];
  onFeedback(kind: FeedbackKind): void;
  onRetry(): void;
}

function Markdown(
  { text, cites, imageDomains }: {
    text: string;
    cites?: Citations;
    imageDomains?: readonly string[];
  },
) {
  const html = useMemo(
    () => renderMarkdown(text, { citations: cites, imageDomains }),
    [text, cites, imageDomains],
  );
  // The HTML is produced by marked from escaped source and sanitised by DOMPurify.
  return <div class="ck-markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function CopyButton({ text }: { text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="ck-action"
      aria-label={copied ? "Copied" : "Copy"}
      title={copied ? "Copied" : "Copy"}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } catch {
          // Clipboard refused (permissions): nothing to do.
        }
      }}
    >
      {copied ? <CheckIcon size={16} /> : <CopyIcon size={16} />}
    </button>
  );
}

export function Message(props: MessageProps) {
  const { item } = props;
  // Per item, not per render: the other messages are re-rendered on every streamed delta.
  const cites = useMemo(
    () => item.type === "assistant_message" ? citations(item.content) : undefined,
    [item],
  );
  switch (item.type) {
    case "user_message":
      return (
        <div class="ck-message ck-message-user" data-item-id={item.id}>
          {item.quoted_text ? <blockquote class="ck-quote">{item.quoted_text}</blockquote> : null}
          {item.attachments.length > 0 && (
            <ul class="ck-sent-attachments" aria-label="Attachments">
              {item.attachments.map((a) => (
                <li key={a.id} class="ck-sent-attachment">
                  {a.type === "image" && a.preview_url
                    ? <img class="ck-thumb" src={a.preview_url} alt={a.name} loading="lazy" />
                    : <span class="ck-file-chip">{a.name}</span>}
                </li>
              ))}
            </ul>
          )}
          {itemText(item) ? <div class="ck-bubble">{itemText(item)}</div> : null}
        </div>
      );
    case "assistant_message": {
      const text = itemText(item);
      return (
        <div
          class="ck-message ck-message-assistant"
          data-item-id={item.id}
          data-streaming={props.streaming ? "true" : undefined}
        >
          <div class="ck-assistant-body">
            {text
              ? (
                <Markdown
                  text={text}
                  cites={cites?.markers.length ? cites : undefined}
                  imageDomains={props.imageDomains}
                />
              )
              : null}
            {props.streaming && !text
              ? (
                <span class="ck-typing" aria-hidden="true">
                  <span class="ck-dot" />
                  <span class="ck-dot" />
                  <span class="ck-dot" />
                </span>
              )
              : null}
          </div>
          {cites ? <Sources footnotes={cites.footnotes} itemId={item.id} /> : null}
          {!props.streaming && text
            ? (
              <div class="ck-actions" role="group" aria-label="Message actions">
                <CopyButton text={text} />
                {props.actions.feedback
                  ? (
                    <>
                      <button
                        type="button"
                        class="ck-action"
                        aria-label="Good response"
                        title="Good response"
                        aria-pressed={props.feedback === "positive" ? "true" : "false"}
                        disabled={!!props.feedback}
                        onClick={() => props.onFeedback("positive")}
                      >
                        <ThumbUpIcon size={16} />
                      </button>
                      <button
                        type="button"
                        class="ck-action"
                        aria-label="Bad response"
                        title="Bad response"
                        aria-pressed={props.feedback === "negative" ? "true" : "false"}
                        disabled={!!props.feedback}
                        onClick={() => props.onFeedback("negative")}
                      >
                        <ThumbDownIcon size={16} />
                      </button>
                    </>
                  )
                  : null}
                {props.actions.retry
                  ? (
                    <button
                      type="button"
                      class="ck-action"
                      aria-label="Retry"
                      title="Retry"
                      disabled={!props.idle}
                      onClick={props.onRetry}
                    >
                      <RetryIcon size={16} />
                    </button>
                  )
                  : null}
                {props.feedback
                  ? <span class="ck-action-note">Thanks for the feedback</span>
                  : null}
              </div>
            )
            : null}
        </div>
      );
    }
    case "generated_image":
      return item.image
        ? (
          <div class="ck-message ck-message-assistant" data-item-id={item.id}>
            <img class="ck-image" src={item.image.url} alt="Generated image" />
          </div>
        )
        : null;
    case "widget":
      return item.copy_text
        ? (
          <div class="ck-message ck-message-assistant" data-item-id={item.id}>
            <div class="ck-card">{item.copy_text}</div>
          </div>
        )
        : null;
    case "workflow":
      return item.workflow.tasks.length > 0
        ? (
          <div class="ck-message ck-message-assistant" data-item-id={item.id}>
            <ul class="ck-tasks">
              {item.workflow.tasks.map((task, i) => (
                <li key={i}>{"title" in task && task.title ? task.title : task.type}</li>
              ))}
            </ul>
          </div>
        )
        : null;
    default:
      return null;
  }
}
