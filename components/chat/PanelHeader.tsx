/**
 * The panel's header, the same for both clients: history, title, new chat, close.
 * @module
 */
import type { ComponentChildren } from "preact";
import { BackIcon, CloseIcon, HistoryIcon, NewChatIcon } from "./icons.tsx";

export interface PanelHeaderProps {
  title: string;
  /** Shows the history toggle. */
  history?: boolean;
  /** The history list is open (the toggle becomes "Back"). */
  historyOpen?: boolean;
  onHistory?(): void;
  onNewChat?(): void;
  onClose(): void;
  /** Extra controls before "Close" (the embed's sign-in). */
  actions?: ComponentChildren;
}

export function PanelHeader(props: PanelHeaderProps) {
  return (
    <header class="ck-header">
      {props.history
        ? (
          <button
            type="button"
            class="ck-icon-button"
            aria-label={props.historyOpen ? "Back to chat" : "Chat history"}
            aria-pressed={props.historyOpen ? "true" : "false"}
            title={props.historyOpen ? "Back to chat" : "Chat history"}
            onClick={props.onHistory}
          >
            {props.historyOpen ? <BackIcon /> : <HistoryIcon />}
          </button>
        )
        : null}
      <h2 class="ck-header-title" title={props.title}>{props.title}</h2>
      {props.onNewChat
        ? (
          <button
            type="button"
            class="ck-icon-button"
            aria-label="New chat"
            title="New chat"
            onClick={props.onNewChat}
          >
            <NewChatIcon />
          </button>
        )
        : null}
      {props.actions}
      <button
        type="button"
        class="ck-icon-button"
        aria-label="Close chat"
        title="Close"
        onClick={props.onClose}
      >
        <CloseIcon />
      </button>
    </header>
  );
}
