import { chatKitContext } from "../../../lib/chatkit/context.ts";
import { jsonResponse } from "../../../lib/chatkit/json.ts";
import { readUpload } from "../../../lib/chatkit/upload.ts";
import { define } from "../../../lib/state.ts";

/**
 * Direct upload target (`uploadStrategy: { type: "direct", uploadUrl: "/chatkit/upload" }`):
 * a multipart `file` field becomes a new attachment of the caller; answers the attachment.
 * 413 over `limits.maxAttachmentBytes`, 415 outside `limits.attachmentMimeTypes`.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const chatkit = ctx.state.services.chatkit;
    const file = await readUpload(ctx.req, chatkit.limits.maxAttachmentBytes, {
      requireMultipart: true,
    });
    const attachment = await chatkit.createUploadedAttachment(
      file.name ?? "upload",
      file.mimeType ?? "application/octet-stream",
      file.bytes,
      chatKitContext(ctx),
    );
    return jsonResponse(attachment);
  },
});
