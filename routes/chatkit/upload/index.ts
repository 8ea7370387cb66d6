import { createUploadedAttachment } from "../../../lib/chatkit/attachments.ts";
import { chatKitContext, chatKitJson } from "../../../lib/http/chatkit.ts";
import { readUpload } from "../../../lib/http/upload.ts";
import { define } from "../../../lib/state.ts";

/**
 * Direct upload target (`uploadStrategy: { type: "direct", uploadUrl: "/chatkit/upload" }`):
 * a multipart `file` field becomes a new attachment of the caller; answers the attachment.
 * 413 over `limits.maxAttachmentBytes`, 415 outside `limits.attachmentMimeTypes`.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { chatkit } = ctx.state.services;
    const file = await readUpload(ctx.req, chatkit.limits.maxAttachmentBytes, {
      requireMultipart: true,
    });
    const attachment = await createUploadedAttachment(ctx.state.store, chatkit.limits, {
      name: file.name ?? "upload",
      mimeType: file.mimeType ?? "application/octet-stream",
      bytes: file.bytes,
    }, chatKitContext(ctx).origin);
    return chatKitJson(attachment);
  },
});
