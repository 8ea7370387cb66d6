/**
 * The type and size limits every announced attachment is checked against (`attachments.create`;
 * uploads and previews are lib/attachments/service.ts).
 * @module
 */
import { HttpError } from "../errors.ts";
import { mimeAllowed } from "./items.ts";
import type { ChatKitLimits } from "./limits.ts";

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
