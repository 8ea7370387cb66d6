/**
 * The message box: grows with its text, Enter sends (Shift+Enter for a new line), and while a
 * response streams the send button becomes Stop.
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { SendIcon, StopIcon } from "./icons.tsx";

export interface ComposerProps {
  placeholder: string;
  streaming: boolean;
  canStop: boolean;
  /** The thread refuses input (locked/closed): shown instead of the placeholder. */
  disabledReason?: string;
  /** Text to restore (a message that could not be sent). */
  restoredDraft?: string;
  onSend(text: string): void;
  onStop(): void;
}

const MAX_HEIGHT = 160;

export function Composer(props: ComposerProps) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);

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
  const submit = () => {
    if (props.streaming || disabled || !text.trim()) return;
    props.onSend(text);
    setText("");
  };

  return (
    <form
      class="ck-composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
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
            disabled={disabled || !text.trim()}
          >
            <SendIcon size={18} />
          </button>
        )}
    </form>
  );
}
