/**
 * The handlers of the request types answered with JSON (protocol §2): reads and writes of the
 * caller's own threads, items, feedback and attachments, plus transcription and synchronous
 * custom actions.
 * @module
 */
import { clientAttachment, expectedType } from "../attachments/mime.ts";
import { QuotaExceededError } from "../attachments/store.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { checkAttachment } from "./attachments.ts";
import { notConfigured, requireItem, requireThread, respondContext } from "./guards.ts";
import { newAttachmentId } from "./ids.ts";
import { clientThread, visiblePage } from "./json.ts";
import type { Scope } from "./requests.ts";
import type { RequestOf } from "./schemas.ts";
import type { WidgetItem } from "./types.ts";

/** `threads.get_by_id`: the thread with its first page of items. */
export async function getThread(req: RequestOf<"threads.get_by_id">, { store }: Scope) {
  const thread = await requireThread(store, req.params.thread_id);
  const items = await store.loadThreadItems(thread.id, undefined, 20, "asc");
  return clientThread(thread, items);
}

/** `threads.list`: a page of the caller's threads. */
export async function listThreads(req: RequestOf<"threads.list">, { store }: Scope) {
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
  return out;
}

/** `items.list`: a page of a thread's visible items. */
export async function listItems(req: RequestOf<"items.list">, { store }: Scope) {
  const { thread_id, limit, after, order } = req.params;
  const items = await store.loadThreadItems(thread_id, after, limit, order);
  // An empty page may mean "no such thread": only then pay for the check.
  if (items.data.length === 0) await requireThread(store, thread_id);
  return visiblePage(items);
}

/** `threads.update`: renames a thread. */
export async function updateThread(req: RequestOf<"threads.update">, { store }: Scope) {
  const thread = await requireThread(store, req.params.thread_id);
  thread.title = req.params.title;
  await store.saveThread(thread);
  return clientThread(thread);
}

/**
 * `threads.delete`. Unknown and foreign ids are one case (every query is filtered by owner):
 * 404, nothing changes. The reference answers {} for unknown ids; DESIGN.md makes "missing or
 * not yours" a 404 for every request type, and a repeated delete stays harmless.
 */
export async function deleteThread(req: RequestOf<"threads.delete">, { store }: Scope) {
  if (!await store.deleteThread(req.params.thread_id)) {
    throw new NotFoundError("Thread not found");
  }
  return {};
}

/** `items.feedback`: all items must exist in the thread, else 404 and nothing is written. */
export async function addFeedback(req: RequestOf<"items.feedback">, { store }: Scope) {
  const { thread_id, item_ids, kind } = req.params;
  const found = await store.addFeedback(thread_id, item_ids, kind);
  if (found < new Set(item_ids).size) throw new NotFoundError("Thread or item not found");
  return {};
}

/**
 * `attachments.create`: two-phase upload, answering the upload descriptor. The type is decided
 * from the name and the declared type (a `.ts` file is text, whatever the browser says), then
 * checked against the allow-list, the size limit and the owner's storage quota (413) — before
 * any byte is sent. The upload itself checks the bytes.
 */
export async function createAttachment(
  req: RequestOf<"attachments.create">,
  { store, ctx, server }: Scope,
) {
  const { name, size, mime_type } = req.params;
  const expected = expectedType(name, mime_type);
  checkAttachment(server.limits, expected.mime, size);
  const used = await store.attachmentBytesUsed();
  if (used + size > server.limits.attachmentStorageBytes) {
    throw new QuotaExceededError(used, server.limits.attachmentStorageBytes);
  }
  const id = newAttachmentId();
  const attachment = clientAttachment(id, name, expected, ctx.origin);
  attachment.upload_descriptor = {
    url: `${ctx.origin}/chatkit/upload/${id}`,
    method: "POST",
    headers: {},
  };
  await store.saveAttachment(attachment, size);
  return attachment;
}

/** `attachments.delete`: 404 unknown, 409 when a message refers to it. */
export async function deleteAttachment(req: RequestOf<"attachments.delete">, { store }: Scope) {
  if (!await store.deleteAttachment(req.params.attachment_id)) {
    throw new NotFoundError("Attachment not found");
  }
  return {};
}

/** `input.transcribe`: speech to text through the app's `transcribe` handler (501 without). */
export async function transcribe(req: RequestOf<"input.transcribe">, { ctx, server }: Scope) {
  const handler = server.handlers.transcribe;
  if (!handler) throw notConfigured("Transcription is not configured on this server");
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
  const result = await handler(audio, req.params.mime_type, ctx);
  return { text: result.text };
}

/** `threads.sync_custom_action`: the app's `syncAction` handler (501 without). */
export async function syncCustomAction(
  req: RequestOf<"threads.sync_custom_action">,
  { store, ctx, server }: Scope,
) {
  const thread = await requireThread(store, req.params.thread_id);
  const sender = req.params.item_id
    ? await requireItem(store, thread.id, req.params.item_id)
    : null;
  const handler = server.handlers.syncAction;
  if (!handler) throw notConfigured("Custom actions are not configured on this server");
  if (sender && sender.type !== "widget") {
    throw new BadRequestError(
      "params.item_id: actions can only be sent from widget items",
      "invalid_request",
    );
  }
  const result = await handler(
    thread,
    req.params.action,
    sender as WidgetItem | null,
    respondContext(ctx, store, new AbortController().signal),
  );
  return result.updated_item ? { updated_item: result.updated_item } : {};
}
