import { signPreviews } from "../../../lib/attachments/present.ts";
import { chatKitContext, chatKitJson } from "../../../lib/http/chatkit.ts";
import { callerOf } from "../../../lib/http/rate_limit.ts";
import { readUpload } from "../../../lib/http/upload.ts";
import { define } from "../../../lib/state.ts";

/**
 * Direct upload target (`uploadStrategy: { type: "direct", uploadUrl: "/chatkit/upload" }`):
 * a multipart `file` field becomes a new attachment of the caller; answers the attachment.
 * 413 over `limits.maxAttachmentBytes` or the storage quota, 415 outside
 * `limits.attachmentMimeTypes` or when the bytes contradict the type, 429 over the upload rate;
 * a refused upload stores nothing.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { attachments, limiter } = ctx.state.services;
    await limiter.hit(callerOf(ctx), { modelTurn: false });
    const file = await readUpload(ctx.req, attachments.limits.maxAttachmentBytes, {
      requireMultipart: true,
    });
    const { owner, origin } = chatKitContext(ctx);
    const attachment = await attachments.createUploaded(owner, {
      name: file.name ?? "upload",
      mimeType: file.mimeType ?? "application/octet-stream",
      bytes: file.bytes,
    }, origin);
    return chatKitJson(await signPreviews(attachment, attachments.signer(owner, origin)));
  },
});
