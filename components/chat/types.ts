/**
 * Props of the chat widget island (serialised by the server into the page).
 * @module
 */
import type { AttachmentLimits } from "../../lib/chatkit_client/options.ts";
import type { ChatKitSettings } from "../../lib/chatkit_client/settings.ts";

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
