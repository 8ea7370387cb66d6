import { attachmentBytes } from "../../../lib/chatkit/attachments.ts";
import { NotFoundError } from "../../../lib/errors.ts";
import { define } from "../../../lib/state.ts";

/**
 * `GET /chatkit/preview/:id`: the bytes of the caller's own uploaded image (`preview_url`).
 * Anything else (unknown, foreign, not uploaded, not an image) is a 404.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { bytes, mimeType } = await attachmentBytes(ctx.state.store, ctx.params.id);
    if (!mimeType.toLowerCase().startsWith("image/")) {
      throw new NotFoundError("Attachment not found");
    }
    return new Response(bytes as BodyInit, {
      headers: {
        "content-type": mimeType,
        "content-length": String(bytes.byteLength),
        "cache-control": "private, max-age=3600",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
      },
    });
  },
});
