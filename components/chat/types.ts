/**
 * Props of the chat widget island (serialised by the server into the page).
 * @module
 */
import type { ComponentChildren } from "preact";
import type { AttachmentLimits } from "./client/options.ts";
import type { ChatKitSettings } from "./settings.ts";

/** Who the widget talks as: decides which remembered thread it opens. */
export interface WidgetIdentity {
  /** The user id, or `anonymous` for a visitor (`chatkit_thread_<key>` in localStorage). */
  key: string;
  /** The signed-in user's display name, if any. */
  name?: string;
}

export interface ChatWidgetProps {
  settings: ChatKitSettings;
  /** `CHATKIT_DOMAIN_KEY` (public: it identifies the site to ChatKit). */
  domainKey: string;
  identity: WidgetIdentity;
  /** A signed-in user's most recent thread: opened when nothing is remembered. */
  latestThreadId?: string;
  /** Upload limits (from the server's `limits`), for ChatKit's composer. */
  attachments?: AttachmentLimits;
  /** A Bearer token for cross-origin embeds (unset: the session cookie is used). */
  authToken?: string;
}

/** What the embed on other sites adds (functions and nodes: never serialised into a page). */
export interface EmbedWidgetProps {
  /** Controls the panel from outside (`DenoChatKit.open()`); unset: the launcher alone does. */
  open?: boolean;
  onOpenChange?(open: boolean): void;
  /** The protocol fetch (Bearer token, page context); unset: `createApiFetch({ authToken })`. */
  fetch?: typeof fetch;
  /** The launcher's corner. */
  position?: "right" | "left";
  /** Extra controls in the panel header (the embed's sign-in). */
  headerActions?: ComponentChildren;
}
