/**
 * Attachments outside the JSON requests: the limits every attachment is checked against, and the
 * upload and preview operations the upload routes call (owner-bound, like every request).
 * @module
 */
import { HttpError, NotFoundError } from "../errors.ts";
import type { OwnerStore } from "../store/mod.ts";
import { newAttachmentId } from "./ids.ts";
import { buildAttachment, mimeAllowed } from "./items.ts";
import type { ChatKitLimits } from "./limits.ts";
import type { Attachment } from "./types.ts";

/** Throws 415 for a MIME type outside the allow-list and 413 for an oversize attachment. */
export function checkAttachment(limits: ChatKitLimits, mimeType: string, size: number): void {
  if (!mimeAllowed(mimeType, limits.attachmentMimeTypes)) {
    throw new HttpError(415, `Attachments of type ${mimeType} are not allowed`, {
      code: "unsupported_media_type",
    });
  }
  if (size > limits.maxAttachmentBytes) {
    throw new HttpError(
      413,
      `Attachment is larger than the limit of ${limits.maxAttachmentBytes} bytes`,
      { code: "payload_too_large" },
    );
  }
}

/** Two-phase upload: stores the bytes of an attachment created by `attachments.create`. */
export async function uploadAttachment(
  store: OwnerStore,
  limits: ChatKitLimits,
  attachmentId: string,
  bytes: Uint8Array,
): Promise<Attachment> {
  const stored = await store.loadAttachment(attachmentId);
  if (!stored) throw new NotFoundError("Attachment not found");
  checkAttachment(limits, stored.attachment.mime_type, bytes.byteLength);
  const updated = await store.storeAttachmentBytes(attachmentId, bytes);
  if (!updated) throw new NotFoundError("Attachment not found");
  return updated;
}

/** Direct upload: creates an attachment from uploaded bytes. */
export async function createUploadedAttachment(
  store: OwnerStore,
  limits: ChatKitLimits,
  file: { name: string; mimeType: string; bytes: Uint8Array },
  origin: string,
): Promise<Attachment> {
  checkAttachment(limits, file.mimeType, file.bytes.byteLength);
  const attachment = buildAttachment(newAttachmentId(), file.name, file.mimeType, origin);
  await store.saveAttachment(attachment, file.bytes.byteLength, file.bytes);
  return attachment;
}

/** The bytes of an uploaded attachment of the owner, or 404. */
export async function attachmentBytes(
  store: OwnerStore,
  attachmentId: string,
): Promise<{ bytes: Uint8Array; mimeType: string }> {
  const found = await store.loadAttachmentBytes(attachmentId);
  if (!found) throw new NotFoundError("Attachment not found");
  return found;
}
