import { HttpError, NotFoundError } from "../../../lib/errors.ts";
import { define } from "../../../lib/state.ts";

/**
 * `GET /chatkit/preview/:id?exp=…&sig=…`: an uploaded image's bytes (`preview_url`). A signed,
 * unexpired URL works without cookies (the ChatKit iframe and embeds on other sites cannot send
 * them; lib/attachments/signed_url.ts); without a signature only the owner gets it. An expired
 * URL is a 403; anything else (unknown, foreign, not uploaded, not a raster image — SVG and
 * HTML are never served inline) a 404. `nosniff` and a sandboxing CSP on every answer.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const found = await ctx.state.services.attachments.preview(ctx.params.id, {
      owner: ctx.state.owner || undefined,
      expires: ctx.url.searchParams.get("exp"),
      signature: ctx.url.searchParams.get("sig"),
    });
    if (found === "expired") {
      throw new HttpError(403, "This preview link has expired; reload the conversation", {
        code: "preview_expired",
      });
    }
    if (!found) throw new NotFoundError("Attachment not found");
    return new Response(ReadableStream.from(found.chunks), {
      headers: {
        "content-type": found.mime,
        "content-length": String(found.size),
        "cache-control": "private, max-age=3600",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "content-disposition": "inline",
      },
    });
  },
});
