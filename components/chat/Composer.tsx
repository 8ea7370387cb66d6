/**
 * The message box: grows with its text, Enter sends (Shift+Enter for a new line), and while a
 * response streams the send button becomes Stop. With attachments on: an attach button,
 * drag-and-drop and paste of files, chips with progress; sending waits for the uploads.
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { AttachmentChips } from "./AttachmentChips.tsx";
import { AttachIcon, SendIcon, StopIcon } from "./icons.tsx";
import { useAttachments } from "./useAttachments.ts";
import type { UploadRules, UploadTransport } from "./uploads.ts";
import type { SentAttachment } from "./useTurns.ts";

export interface ComposerProps {
  placeholder: string;
  streaming: boolean;
  canStop: boolean;
  /** The thread refuses input (locked/closed): shown instead of the placeholder. */
  disabledReason?: string;
  /** Text to restore (a message that could not be sent). */
  restoredDraft?: string;
  /** Uploads (unset: no attach button). */
  attachments?: { rules: UploadRules; transport: UploadTransport };
  onSend(text: string, attachments: SentAttachment[]): void;
  onStop(): void;
}

const MAX_HEIGHT = 160;

export function Composer(props: ComposerProps) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const files = useAttachments(props.attachments?.transport, props.attachments?.rules);

  useEffect(() => {
    if (props.restoredDraft) setText(props.restoredDraft);
  }, [props.restoredDraft]);

  // Grow with the content up to MAX_HEIGHT, then scroll.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT)}px`;
  }, [text]);

  const disabled = !!props.disabledReason;
  const hasContent = !!text.trim() || files.uploaded.length > 0;
  const canSend = !disabled && hasContent && files.ready;
  const submit = () => {
    if (props.streaming || !canSend) return;
    props.onSend(text, files.uploaded);
    setText("");
    files.clear();
  };
  const enabled = !!props.attachments && !disabled;

  return (
    <form
      class="ck-composer"
      data-dragging={dragging ? "true" : undefined}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onDragOver={(event) => {
        if (!enabled || !event.dataTransfer?.types.includes("Files")) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        setDragging(false);
        if (!enabled || !event.dataTransfer?.files.length) return;
        event.preventDefault();
        files.add([...event.dataTransfer.files]);
      }}
    >
      {props.attachments && (
        <AttachmentChips
          chips={files.chips}
          errors={files.errors}
          onRemove={files.remove}
          onDismissErrors={files.dismissErrors}
        />
      )}
      {props.attachments && (
        <>
          <input
            ref={picker}
            type="file"
            multiple
            hidden
            class="ck-file-input"
            aria-label="Attach files"
            onChange={(event) => {
              files.add([...(event.currentTarget.files ?? [])]);
              event.currentTarget.value = "";
            }}
          />
          <button
            type="button"
            class="ck-attach"
            aria-label="Attach files"
            title="Attach files"
            disabled={!enabled}
            onClick={() => picker.current?.click()}
          >
            <AttachIcon size={18} />
          </button>
        </>
      )}
      <textarea
        ref={box}
        class="ck-input"
        rows={1}
        data-autofocus=""
        aria-label="Message"
        placeholder={props.disabledReason ?? props.placeholder}
        disabled={disabled}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onPaste={(event) => {
          const pasted = [...(event.clipboardData?.files ?? [])];
          if (!enabled || !pasted.length) return;
          event.preventDefault();
          files.add(pasted);
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      {props.streaming
        ? (
          <button
            type="button"
            class="ck-send ck-stop"
            aria-label="Stop"
            title="Stop"
            disabled={!props.canStop}
            onClick={props.onStop}
          >
            <StopIcon size={18} />
          </button>
        )
        : (
          <button
            type="submit"
            class="ck-send"
            aria-label="Send"
            title="Send"
            disabled={!canSend}
          >
            <SendIcon size={18} />
          </button>
        )}
    </form>
  );
}
