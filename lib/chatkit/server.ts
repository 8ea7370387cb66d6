/**
 * The ChatKit server: dispatches the 16 request types (protocol §2, §6) and runs the respond
 * pipeline (§6.6, §6.7).
 *
 * Errors before a stream starts are thrown as typed HTTP errors (400/404/413/415/501); the thread
 * and items are validated and loaded before any SSE header is sent. Inside a stream every failure
 * becomes one `error` event and the stream ends cleanly.
 * @module
 */
import { BadRequestError, HttpError, NotFoundError } from "../errors.ts";
import { log } from "../log.ts";
import type { OwnerStore, Store } from "../store/mod.ts";
import { CustomStreamError, StreamError } from "./errors.ts";
import { newAttachmentId, newItemId, newThreadId, nowIso } from "./ids.ts";
import { clientThread, jsonResponse, sseFrame, visiblePage } from "./json.ts";
import type { RespondContext, Responder } from "./responder.ts";

import { answerStructuredInput, buildAttachment, buildUserMessage, mimeAllowed } from "./items.ts";
import { parseChatKitRequest, type RequestOf } from "./schemas.ts";
import { applyUpdate } from "./updates.ts";
import {
  type Action,
  type Attachment,
  isHiddenItem,
  type ThreadItem,
  type ThreadMetadata,
  type ThreadStreamEvent,
  type UserMessageInput,
  type UserMessageItem,
  type WidgetItem,
} from "./types.ts";

/** Size and type limits (from `fresh.config.ts` → `limits`). */
export interface ChatKitLimits {
  /** Largest JSON request body in bytes. */
  maxBodyBytes: number;
  /** Largest user message (text + quoted text) in characters. */
  maxMessageChars: number;
  /** Largest attachment in bytes. */
  maxAttachmentBytes: number;
  /** Allowed attachment MIME types; `type/*` wildcards allowed. */
  attachmentMimeTypes: string[];
}

/** Default limits. */
export const DEFAULT_LIMITS: ChatKitLimits = {
  maxBodyBytes: 1024 * 1024,
  maxMessageChars: 32_000,
  maxAttachmentBytes: 10 * 1024 * 1024,
  attachmentMimeTypes: [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
  ],
};

/** Per-request context built by the HTTP layer. */
export interface RequestContext {
  /** The caller's owner id. */
  owner: string;
  /** Request id for logs. */
  requestId: string;
  /** The client's UI locale (`Accept-Language`). */
  locale?: string;
  /** Absolute origin of this app as the client reaches it (for upload and preview URLs). */
  origin: string;
  /**
   * Called once the request is parsed, before anything is read or written; throwing a typed
   * HTTP error (e.g. 429 from the rate limiter) refuses the request before any stream starts.
   */
  admit?(type: string): Promise<void>;
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

/** What the server is built from. */
export interface ChatKitServerOptions {
  store: Store;
  /** The assistant; without one, turns answer an `error` event. */
  responder?: Responder;
  handlers?: ChatKitHandlers;
  limits?: Partial<ChatKitLimits>;
}

/** The note stored (hidden) when the client disconnects mid-turn. */
export const CANCELLED_NOTE =
  "The user cancelled the previous response before it finished. Do not continue that response unless asked.";

const NOT_CONFIGURED = 501;

/** Serves the ChatKit protocol. */
export class ChatKitServer {
  readonly store: Store;
  readonly limits: ChatKitLimits;
  responder?: Responder;
  handlers: ChatKitHandlers;

  constructor(options: ChatKitServerOptions) {
    this.store = options.store;
    this.responder = options.responder;
    this.handlers = options.handlers ?? {};
    const given = Object.entries(options.limits ?? {}).filter(([, v]) => v !== undefined);
    this.limits = { ...DEFAULT_LIMITS, ...Object.fromEntries(given) };
  }

  /** Handles one raw JSON body (already read with the body cap). Throws typed HTTP errors. */
  async handle(body: Uint8Array | string, ctx: RequestContext): Promise<Response> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
    } catch {
      throw new BadRequestError("Request body is not valid JSON", "invalid_json");
    }
    const result = parseChatKitRequest(parsed);
    if (!result.ok) throw new BadRequestError(result.message, "invalid_request");
    const req = result.request;
    await ctx.admit?.(req.type);
    const store = this.store.forOwner(ctx.owner);
    switch (req.type) {
      case "threads.create":
        return this.#create(req, store, ctx);
      case "threads.add_user_message":
        return this.#addUserMessage(req, store, ctx);
      case "threads.add_client_tool_output":
        return this.#addClientToolOutput(req, store, ctx);
      case "threads.add_structured_input":
        return this.#addStructuredInput(req, store, ctx);
      case "threads.retry_after_item":
        return this.#retry(req, store, ctx);
      case "threads.custom_action":
        return this.#customAction(req, store, ctx);
      case "threads.sync_custom_action":
        return this.#syncCustomAction(req, store, ctx);
      case "threads.get_by_id":
        return this.#getById(req, store);
      case "threads.list":
        return this.#listThreads(req, store);
      case "items.list":
        return this.#listItems(req, store);
      case "threads.update":
        return this.#update(req, store);
      case "threads.delete":
        return this.#delete(req, store);
      case "items.feedback":
        return this.#feedback(req, store);
      case "attachments.create":
        return this.#createAttachment(req, store, ctx);
      case "attachments.delete":
        return this.#deleteAttachment(req, store);
      case "input.transcribe":
        return this.#transcribe(req, ctx);
    }
  }

  // == non-streaming ==========================================================================

  async #getById(req: RequestOf<"threads.get_by_id">, store: OwnerStore): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const items = await store.loadThreadItems(thread.id, undefined, 20, "asc");
    return jsonResponse(clientThread(thread, items));
  }

  async #listThreads(req: RequestOf<"threads.list">, store: OwnerStore): Promise<Response> {
    const { limit, after, order } = req.params as {
      limit?: number;
      after?: string;
      order: "asc" | "desc";
    };
    const threads = await store.loadThreads(limit, after, order);
    const out: { data: unknown[]; has_more: boolean; after?: string } = {
      data: threads.data.map((t) => clientThread(t)),
      has_more: threads.has_more,
    };
    if (threads.after !== undefined) out.after = threads.after;
    return jsonResponse(out);
  }

  async #listItems(req: RequestOf<"items.list">, store: OwnerStore): Promise<Response> {
    const { thread_id, limit, after, order } = req.params;
    const items = await store.loadThreadItems(thread_id, after, limit, order);
    // An empty page may mean "no such thread": only then pay for the check.
    if (items.data.length === 0) await requireThread(store, thread_id);
    return jsonResponse(visiblePage(items));
  }

  async #update(req: RequestOf<"threads.update">, store: OwnerStore): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    thread.title = req.params.title;
    await store.saveThread(thread);
    return jsonResponse(clientThread(thread));
  }

  // Unknown and foreign ids are one case (every query is filtered by owner): 404, nothing changes.
  // The reference answers {} for unknown ids; DESIGN.md makes "missing or not yours" a 404 for
  // every request type, and a repeated delete stays harmless.
  async #delete(req: RequestOf<"threads.delete">, store: OwnerStore): Promise<Response> {
    if (!await store.deleteThread(req.params.thread_id)) {
      throw new NotFoundError("Thread not found");
    }
    return jsonResponse({});
  }

  async #feedback(req: RequestOf<"items.feedback">, store: OwnerStore): Promise<Response> {
    const { thread_id, item_ids, kind } = req.params;
    const found = await store.addFeedback(thread_id, item_ids, kind);
    if (found < new Set(item_ids).size) throw new NotFoundError("Thread or item not found");
    return jsonResponse({});
  }

  async #createAttachment(
    req: RequestOf<"attachments.create">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const { name, size, mime_type } = req.params;
    this.checkAttachment(mime_type, size);
    const id = newAttachmentId();
    const attachment = buildAttachment(id, name, mime_type, ctx.origin);
    attachment.upload_descriptor = {
      url: `${ctx.origin}/chatkit/upload/${id}`,
      method: "POST",
      headers: {},
    };
    await store.saveAttachment(attachment, size);
    return jsonResponse(attachment);
  }

  async #deleteAttachment(
    req: RequestOf<"attachments.delete">,
    store: OwnerStore,
  ): Promise<Response> {
    if (!await store.deleteAttachment(req.params.attachment_id)) {
      throw new NotFoundError("Attachment not found");
    }
    return jsonResponse({});
  }

  async #transcribe(req: RequestOf<"input.transcribe">, ctx: RequestContext): Promise<Response> {
    if (!this.handlers.transcribe) {
      throw new HttpError(NOT_CONFIGURED, "Transcription is not configured on this server", {
        code: "not_configured",
      });
    }
    const mediaType = req.params.mime_type.split(";")[0].trim().toLowerCase();
    if (!mediaType.startsWith("audio/")) {
      throw new BadRequestError("params.mime_type: expected an audio type", "invalid_request");
    }
    let audio: Uint8Array;
    try {
      audio = Uint8Array.from(atob(req.params.audio_base64), (c) => c.charCodeAt(0));
    } catch {
      throw new BadRequestError("params.audio_base64: not valid base64", "invalid_request");
    }
    const result = await this.handlers.transcribe(audio, req.params.mime_type, ctx);
    return jsonResponse({ text: result.text });
  }

  async #syncCustomAction(
    req: RequestOf<"threads.sync_custom_action">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const sender = req.params.item_id
      ? await requireItem(store, thread.id, req.params.item_id)
      : null;
    if (!this.handlers.syncAction) {
      throw new HttpError(NOT_CONFIGURED, "Custom actions are not configured on this server", {
        code: "not_configured",
      });
    }
    if (sender && sender.type !== "widget") {
      throw new BadRequestError(
        "params.item_id: actions can only be sent from widget items",
        "invalid_request",
      );
    }
    const result = await this.handlers.syncAction(
      thread,
      req.params.action,
      sender as WidgetItem | null,
      respondContext(ctx, store, new AbortController().signal),
    );
    return jsonResponse(result.updated_item ? { updated_item: result.updated_item } : {});
  }

  // == attachments (upload and preview routes) ================================================

  /** Throws 415 for a MIME type outside the allow-list and 413 for an oversize attachment. */
  checkAttachment(mimeType: string, size: number): void {
    if (!mimeAllowed(mimeType, this.limits.attachmentMimeTypes)) {
      throw new HttpError(415, `Attachments of type ${mimeType} are not allowed`, {
        code: "unsupported_media_type",
      });
    }
    if (size > this.limits.maxAttachmentBytes) {
      throw new HttpError(
        413,
        `Attachment is larger than the limit of ${this.limits.maxAttachmentBytes} bytes`,
        {
          code: "payload_too_large",
        },
      );
    }
  }

  /** Two-phase upload: stores the bytes of an attachment created by `attachments.create`. */
  async uploadAttachment(
    attachmentId: string,
    bytes: Uint8Array,
    ctx: RequestContext,
  ): Promise<Attachment> {
    const store = this.store.forOwner(ctx.owner);
    const stored = await store.loadAttachment(attachmentId);
    if (!stored) throw new NotFoundError("Attachment not found");
    this.checkAttachment(stored.attachment.mime_type, bytes.byteLength);
    const updated = await store.storeAttachmentBytes(attachmentId, bytes);
    if (!updated) throw new NotFoundError("Attachment not found");
    return updated;
  }

  /** Direct upload: creates an attachment from uploaded bytes. */
  async createUploadedAttachment(
    name: string,
    mimeType: string,
    bytes: Uint8Array,
    ctx: RequestContext,
  ): Promise<Attachment> {
    this.checkAttachment(mimeType, bytes.byteLength);
    const store = this.store.forOwner(ctx.owner);
    const attachment = buildAttachment(newAttachmentId(), name, mimeType, ctx.origin);
    await store.saveAttachment(attachment, bytes.byteLength, bytes);
    return attachment;
  }

  /** The bytes of an uploaded attachment of the owner, or 404. */
  async attachmentBytes(
    attachmentId: string,
    owner: string,
  ): Promise<{ bytes: Uint8Array; mimeType: string }> {
    const found = await this.store.forOwner(owner).loadAttachmentBytes(attachmentId);
    if (!found) throw new NotFoundError("Attachment not found");
    return found;
  }

  // == streaming ==============================================================================

  async #create(
    req: RequestOf<"threads.create">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const input = req.params.input;
    this.#checkMessage(input);
    const attachments = await loadMessageAttachments(store, input.attachments);
    return sseResponse(ctx.requestId, async (sink, signal) => {
      const thread: ThreadMetadata = {
        id: newThreadId(),
        created_at: nowIso(),
        status: { type: "active" },
        metadata: {},
      };
      const userItem = buildUserMessage(thread.id, input, attachments);
      await store.createThread(thread, userItem, input.attachments);
      sink.send({ type: "thread.created", thread: clientThread(thread) });
      sink.send({ type: "thread.item.done", item: userItem });
      await this.#respond(thread, userItem, store, ctx, sink, signal);
    });
  }

  async #addUserMessage(
    req: RequestOf<"threads.add_user_message">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const input = req.params.input;
    this.#checkMessage(input);
    const thread = await requireThread(store, req.params.thread_id);
    const attachments = await loadMessageAttachments(store, input.attachments);
    return sseResponse(ctx.requestId, async (sink, signal) => {
      if (refuseInactive(thread, sink)) return;
      const userItem = buildUserMessage(thread.id, input, attachments);
      if (!await store.addThreadItem(thread.id, userItem, input.attachments)) {
        throw new CustomStreamError("This thread no longer exists.");
      }
      sink.send({ type: "thread.item.done", item: userItem });
      await this.#respond(thread, userItem, store, ctx, sink, signal);
    });
  }

  async #addClientToolOutput(
    req: RequestOf<"threads.add_client_tool_output">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const latest = await store.loadLatestItems(thread.id, 20);
    const call = latest[0];
    if (!call || call.type !== "client_tool_call" || call.status !== "pending") {
      throw new BadRequestError(
        "There is no pending client tool call in this thread",
        "no_pending_tool_call",
      );
    }
    return sseResponse(ctx.requestId, async (sink, signal) => {
      if (refuseInactive(thread, sink)) return;
      const completed: ThreadItem = { ...call, status: "completed", output: req.params.result };
      await store.saveItem(thread.id, completed);
      for (const item of latest.slice(1)) {
        if (item.type === "client_tool_call" && item.status === "pending") {
          await store.deleteThreadItem(thread.id, item.id);
        }
      }
      await this.#respond(thread, null, store, ctx, sink, signal);
    });
  }

  async #addStructuredInput(
    req: RequestOf<"threads.add_structured_input">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const item = await requireItem(store, thread.id, req.params.item_id);
    if (item.type !== "structured_input" || item.status !== "pending") {
      throw new BadRequestError(
        "params.item_id: not a pending structured input item",
        "invalid_request",
      );
    }
    return sseResponse(ctx.requestId, async (sink, signal) => {
      if (refuseInactive(thread, sink)) return;
      const answered = answerStructuredInput(item, req.params.input);
      sink.send({ type: "stream_options", stream_options: this.#streamOptions(thread) });
      await store.saveItem(thread.id, answered);
      sink.send({ type: "thread.item.replaced", item: answered });
      await this.#respond(thread, null, store, ctx, sink, signal, false);
    });
  }

  async #retry(
    req: RequestOf<"threads.retry_after_item">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const item = await requireItem(store, thread.id, req.params.item_id);
    if (item.type !== "user_message") {
      throw new BadRequestError(
        "params.item_id: retry needs the id of a user message",
        "invalid_request",
      );
    }
    return sseResponse(ctx.requestId, async (sink, signal) => {
      if (refuseInactive(thread, sink)) return;
      await store.deleteItemsAfter(thread.id, item.id);
      await this.#respond(thread, item, store, ctx, sink, signal);
    });
  }

  async #customAction(
    req: RequestOf<"threads.custom_action">,
    store: OwnerStore,
    ctx: RequestContext,
  ): Promise<Response> {
    const thread = await requireThread(store, req.params.thread_id);
    const sender = req.params.item_id
      ? await requireItem(store, thread.id, req.params.item_id)
      : null;
    return sseResponse(ctx.requestId, async (sink, signal) => {
      if (sender && sender.type !== "widget") {
        throw new StreamError("stream.error", { allowRetry: false });
      }
      const action = this.handlers.action;
      if (!action) {
        throw new CustomStreamError("Custom actions are not configured on this server.");
      }
      sink.send({ type: "stream_options", stream_options: this.#streamOptions(thread) });
      const rctx = respondContext(ctx, store, signal);
      await this.#pipeline(
        thread,
        action(thread, req.params.action, sender as WidgetItem | null, rctx),
        store,
        ctx,
        sink,
        signal,
      );
    });
  }

  #checkMessage(input: UserMessageInput): void {
    let chars = input.quoted_text?.length ?? 0;
    for (const part of input.content) chars += part.text.length;
    if (chars > this.limits.maxMessageChars) {
      throw new BadRequestError(
        `params.input.content: the message is longer than ${this.limits.maxMessageChars} characters`,
        "message_too_long",
      );
    }
  }

  #streamOptions(thread: ThreadMetadata): { allow_cancel: boolean } {
    return this.handlers.streamOptions?.(thread) ?? { allow_cancel: true };
  }

  async #respond(
    thread: ThreadMetadata,
    input: UserMessageItem | null,
    store: OwnerStore,
    ctx: RequestContext,
    sink: EventSink,
    signal: AbortSignal,
    sendStreamOptions = true,
  ): Promise<void> {
    if (sendStreamOptions) {
      sink.send({ type: "stream_options", stream_options: this.#streamOptions(thread) });
    }
    const responder = this.responder;
    if (!responder) throw new CustomStreamError("No assistant is configured on this server.");
    const rctx = respondContext(ctx, store, signal);
    await this.#pipeline(thread, responder.respond(thread, input, rctx), store, ctx, sink, signal);
  }

  /**
   * Forwards the events of a responder/action, persisting `done` / `replaced` / `removed`, and
   * saving + announcing thread changes. On a thrown error: partial assistant text is kept and an
   * `error` event sent. On disconnect: partial text kept plus a hidden "cancelled" note.
   */
  async #pipeline(
    thread: ThreadMetadata,
    events: AsyncIterable<ThreadStreamEvent>,
    store: OwnerStore,
    ctx: RequestContext,
    sink: EventSink,
    signal: AbortSignal,
  ): Promise<void> {
    const pending = new Map<string, ThreadItem>();
    let signature = threadSignature(thread);
    let refs = threadRefs(thread);
    // After every event: a cheap reference check (title assigned, objects replaced); a full
    // comparison (in-place changes too) after every event that is not a streaming update.
    const checkThread = async (full = true) => {
      const nowRefs = threadRefs(thread);
      const moved = nowRefs.some((r, i) => r !== refs[i]);
      if (!full && !moved) return;
      refs = nowRefs;
      const now = threadSignature(thread);
      if (now === signature) return;
      signature = now;
      await store.saveThread(thread);
      sink.send({ type: "thread.updated", thread: clientThread(thread) });
    };

    let abortListener: (() => void) | undefined;
    const aborted = new Promise<"aborted">((resolve) => {
      if (signal.aborted) return resolve("aborted");
      abortListener = () => resolve("aborted");
      signal.addEventListener("abort", abortListener, { once: true });
    });
    let iterator: AsyncIterator<ThreadStreamEvent> | undefined;
    let failure: unknown;
    try {
      iterator = events[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const next = iterator.next();
        next.catch(() => {}); // it may settle after we stopped waiting for it
        const result = await Promise.race([next, aborted]);
        if (result === "aborted" || result.done) break;
        await this.#apply(result.value, thread, pending, store, sink);
        await checkThread(result.value.type !== "thread.item.updated");
      }
    } catch (error) {
      failure = error;
    } finally {
      if (abortListener) signal.removeEventListener("abort", abortListener);
    }

    if (signal.aborted) {
      // Client disconnected: stop the responder without waiting for it, keep what was said.
      iterator?.return?.()?.catch?.(() => {});
      await this.#persistPartial(thread, pending, store);
      const note: ThreadItem = {
        id: newItemId("sdk_hidden_context"),
        thread_id: thread.id,
        created_at: nowIso(),
        type: "sdk_hidden_context",
        content: CANCELLED_NOTE,
      };
      await store.addThreadItem(thread.id, note);
      if (threadSignature(thread) !== signature) await store.saveThread(thread);
      return;
    }
    if (failure !== undefined) {
      await this.#persistPartial(thread, pending, store);
      await checkThread().catch((e) => logError(e, ctx.requestId));
      sink.send(errorEvent(failure, ctx.requestId));
      return;
    }
    await checkThread();
  }

  async #persistPartial(
    thread: ThreadMetadata,
    pending: Map<string, ThreadItem>,
    store: OwnerStore,
  ): Promise<void> {
    for (const item of pending.values()) {
      if (item.type === "assistant_message" && item.content.some((c) => c.text.length > 0)) {
        await store.saveItem(thread.id, item);
      }
    }
    pending.clear();
  }

  async #apply(
    event: ThreadStreamEvent,
    thread: ThreadMetadata,
    pending: Map<string, ThreadItem>,
    store: OwnerStore,
    sink: EventSink,
  ): Promise<void> {
    switch (event.type) {
      case "thread.item.added": {
        const item = ownItem(event.item, thread.id);
        pending.set(item.id, structuredClone(item));
        if (!isHiddenItem(item)) sink.send({ type: "thread.item.added", item });
        return;
      }
      case "thread.item.updated": {
        const item = pending.get(event.item_id);
        if (item) applyUpdate(item, event.update);
        if (!item || !isHiddenItem(item)) sink.send(event);
        return;
      }
      case "thread.item.done": {
        const item = ownItem(event.item, thread.id);
        pending.delete(item.id);
        await store.saveItem(thread.id, item);
        if (!isHiddenItem(item)) sink.send({ type: "thread.item.done", item });
        return;
      }
      case "thread.item.replaced": {
        const item = ownItem(event.item, thread.id);
        pending.delete(item.id);
        await store.saveItem(thread.id, item);
        if (!isHiddenItem(item)) sink.send({ type: "thread.item.replaced", item });
        return;
      }
      case "thread.item.removed":
        pending.delete(event.item_id);
        await store.deleteThreadItem(thread.id, event.item_id);
        sink.send(event);
        return;
      case "thread.created":
        return; // only the server creates threads
      case "thread.updated":
        sink.send({ type: "thread.updated", thread: clientThread(event.thread) });
        return;
      default:
        sink.send(event);
    }
  }
}

// == helpers ==================================================================================

/** Receives the events of a stream. */
interface EventSink {
  send(event: ThreadStreamEvent): void;
}

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

/**
 * An SSE response whose frames are written as `produce` sends them. A throw inside `produce`
 * becomes an `error` event; the stream always ends cleanly. The signal aborts when the client
 * goes away (the stream's `cancel`, not `request.signal`).
 */
function sseResponse(
  requestId: string,
  produce: (sink: EventSink, signal: AbortSignal) => Promise<void>,
): Response {
  const abort = new AbortController();
  let closed = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const sink: EventSink = {
        send(event) {
          if (closed) return;
          try {
            controller.enqueue(sseFrame(event));
          } catch {
            closed = true;
          }
        },
      };
      produce(sink, abort.signal)
        .catch((error) => {
          if (!abort.signal.aborted) sink.send(errorEvent(error, requestId));
          else logError(error, requestId);
        })
        .finally(() => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch { /* already closed */ }
        });
    },
    cancel() {
      closed = true;
      abort.abort();
    },
  });
  return new Response(stream, { headers: SSE_HEADERS });
}

function logError(error: unknown, requestId: string): void {
  log.error("chatkit stream failed", {
    requestId,
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
}

/** Maps a thrown error to an `error` event; unexpected errors are logged, never leaked. */
export function errorEvent(error: unknown, requestId: string): ThreadStreamEvent {
  if (error instanceof CustomStreamError) {
    return { type: "error", code: "custom", message: error.message, allow_retry: error.allowRetry };
  }
  if (error instanceof StreamError) {
    return { type: "error", code: error.code, allow_retry: error.allowRetry };
  }
  if (error instanceof HttpError && error.status < 500) {
    return { type: "error", code: "custom", message: error.message, allow_retry: false };
  }
  logError(error, requestId);
  return { type: "error", code: "stream.error", allow_retry: true };
}

function refuseInactive(thread: ThreadMetadata, sink: EventSink): boolean {
  if (thread.status.type === "active") return false;
  const reason = thread.status.reason;
  const message = reason ??
    (thread.status.type === "locked" ? "This thread is locked." : "This thread is closed.");
  sink.send({ type: "error", code: "custom", message, allow_retry: false });
  return true;
}

function respondContext(
  ctx: RequestContext,
  store: OwnerStore,
  signal: AbortSignal,
): RespondContext {
  const out: RespondContext = { owner: ctx.owner, requestId: ctx.requestId, signal, store };
  if (ctx.locale) out.locale = ctx.locale;
  return out;
}

async function requireThread(store: OwnerStore, threadId: string): Promise<ThreadMetadata> {
  const thread = await store.loadThread(threadId);
  if (!thread) throw new NotFoundError("Thread not found");
  return thread;
}

async function requireItem(
  store: OwnerStore,
  threadId: string,
  itemId: string,
): Promise<ThreadItem> {
  const item = await store.loadItem(threadId, itemId);
  if (!item) throw new NotFoundError("Item not found");
  return item;
}

async function loadMessageAttachments(store: OwnerStore, ids: string[]): Promise<Attachment[]> {
  if (!ids.length) return [];
  const stored = await store.loadAttachments(ids);
  if (stored.length !== ids.length) throw new NotFoundError("Attachment not found");
  for (const s of stored) {
    if (!s.uploaded) {
      throw new BadRequestError(
        `Attachment ${s.attachment.id} has not been uploaded`,
        "attachment_not_uploaded",
      );
    }
  }
  return stored.map((s) => s.attachment);
}

function ownItem(item: ThreadItem, threadId: string): ThreadItem {
  return item.thread_id === threadId ? item : { ...item, thread_id: threadId };
}

function threadRefs(thread: ThreadMetadata): unknown[] {
  return [thread.title, thread.status, thread.metadata, thread.allowed_image_domains];
}

function threadSignature(thread: ThreadMetadata): string {
  return JSON.stringify([
    thread.title ?? null,
    thread.status,
    thread.metadata,
    thread.allowed_image_domains ?? null,
  ]);
}
