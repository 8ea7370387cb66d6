/**
 * What the protocol server is handed per request (`RequestContext`, built by the HTTP edge) and
 * the app's extension points (`ChatKitHandlers`). Nothing here knows about HTTP.
 * @module
 */
import type { Action, ThreadItem, ThreadMetadata, ThreadStreamEvent, WidgetItem } from "./types.ts";
import type { OwnerStore } from "../store/mod.ts";
import type { RespondContext } from "./responder.ts";

/** Per-request context, built by the HTTP edge (`lib/http/chatkit.ts`). */
export interface RequestContext {
  /** The caller's owner id. */
  owner: string;
  /** The caller's own store view (`store.forOwner(owner)`): the only way to the data. */
  store: OwnerStore;
  /** Request id for logs. */
  requestId: string;
  /** The client's UI locale (`Accept-Language`). */
  locale?: string;
  /** Absolute origin of this app as the client reaches it (for upload and preview URLs). */
  origin: string;
  /** The host page of an embed on another site (stored on the user message, told the agent). */
  page?: { url: string; title?: string };
}

/** Overridable extension points. Unset ones answer a clear "not configured" error. */
export interface ChatKitHandlers {
  /** `threads.custom_action`: stream events for a widget action. */
  action?(
    thread: ThreadMetadata,
    action: Action,
    sender: WidgetItem | null,
    context: RespondContext,
  ): AsyncIterable<ThreadStreamEvent>;
  /**
   * Set when `action` runs the model: then `threads.custom_action` counts against the message
   * rate limits like a new message does.
   */
  actionStartsTurn?: boolean;
  /** `threads.sync_custom_action`: answer with an updated item (persist it yourself). */
  syncAction?(
    thread: ThreadMetadata,
    action: Action,
    sender: WidgetItem | null,
    context: RespondContext,
  ): Promise<{ updated_item?: ThreadItem }>;
  /** `input.transcribe`: speech to text. */
  transcribe?(
    audio: Uint8Array,
    mimeType: string,
    context: RequestContext,
  ): Promise<{ text: string }>;
  /** `stream_options` of each stream (default `allow_cancel: true`). */
  streamOptions?(thread: ThreadMetadata): { allow_cancel: boolean };
}
