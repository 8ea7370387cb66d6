/**
 * Checks the request handlers run before they answer: the thread or item must exist (and be the
 * caller's), attachments uploaded, messages within the limit, the thread still open.
 * @module
 */
import { BadRequestError, HttpError, NotFoundError } from "../errors.ts";
import type { OwnerStore } from "../store/mod.ts";
import type { RequestContext } from "./context.ts";
import type { Scope } from "./requests.ts";
import type { RespondContext } from "./responder.ts";
import type { EventSink } from "./stream.ts";
import type { Attachment, ThreadItem, ThreadMetadata, UserMessageInput } from "./types.ts";

/** The thread, or 404 (unknown and foreign ids are one case). */
export async function requireThread(store: OwnerStore, threadId: string): Promise<ThreadMetadata> {
  const thread = await store.loadThread(threadId);
  if (!thread) throw new NotFoundError("Thread not found");
  return thread;
}

/**
 * The thread of a stream request; of one that starts a turn, marked in the same statement as
 * having a turn in progress (409 when another turn holds it).
 */
export function turnThread(scope: Scope, threadId: string): Promise<ThreadMetadata> {
  return scope.turn ? scope.turn.claim(threadId) : requireThread(scope.store, threadId);
}

/** The item of a thread, or 404. */
export async function requireItem(
  store: OwnerStore,
  threadId: string,
  itemId: string,
): Promise<ThreadItem> {
  const item = await store.loadItem(threadId, itemId);
  if (!item) throw new NotFoundError("Item not found");
  return item;
}

/**
 * The attachments of a new message: at most `maxCount` (400), all must exist (404), be
 * uploaded (400) and belong to no other message (409: an attachment is never moved).
 */
export async function loadMessageAttachments(
  store: OwnerStore,
  ids: string[],
  maxCount = Infinity,
): Promise<Attachment[]> {
  if (!ids.length) return [];
  if (new Set(ids).size > maxCount) {
    throw new BadRequestError(
      `A message may carry at most ${maxCount} attachments`,
      "too_many_attachments",
    );
  }
  const stored = await store.loadAttachments(ids);
  if (stored.length !== ids.length) throw new NotFoundError("Attachment not found");
  for (const s of stored) {
    if (!s.uploaded) {
      throw new BadRequestError(
        `Attachment ${s.attachment.id} has not been uploaded`,
        "attachment_not_uploaded",
      );
    }
    if (s.referenced) {
      throw new HttpError(
        409,
        `Attachment ${s.attachment.id} already belongs to another message; attach the file again`,
        { code: "attachment_in_use" },
      );
    }
  }
  return stored.map((s) => s.attachment);
}

/** 400 when a message (text + quoted text) is longer than `maxChars`. */
export function checkMessage(input: UserMessageInput, maxChars: number): void {
  let chars = input.quoted_text?.length ?? 0;
  for (const part of input.content) chars += part.text.length;
  if (chars > maxChars) {
    throw new BadRequestError(
      `params.input.content: the message is longer than ${maxChars} characters`,
      "message_too_long",
    );
  }
}

/** Sends the `error` event of a locked or closed thread; true when the thread refuses input. */
export function refuseInactive(thread: ThreadMetadata, sink: EventSink): boolean {
  if (thread.status.type === "active") return false;
  const reason = thread.status.reason;
  const message = reason ??
    (thread.status.type === "locked" ? "This thread is locked." : "This thread is closed.");
  sink.send({ type: "error", code: "custom", message, allow_retry: false });
  return true;
}

/** 501 for an extension point the app did not configure. */
export function notConfigured(message: string): HttpError {
  return new HttpError(501, message, { code: "not_configured" });
}

/** The responder's context for one turn. */
export function respondContext(
  ctx: RequestContext,
  store: OwnerStore,
  signal: AbortSignal,
): RespondContext {
  const out: RespondContext = { owner: ctx.owner, requestId: ctx.requestId, signal, store };
  if (ctx.locale) out.locale = ctx.locale;
  if (ctx.page) out.page = ctx.page;
  return out;
}
