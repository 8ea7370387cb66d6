import { signPreviews } from "../../../lib/attachments/present.ts";
import { chatKitContext, chatKitJson } from "../../../lib/http/chatkit.ts";
import { callerOf } from "../../../lib/http/rate_limit.ts";
import { readUpload } from "../../../lib/http/upload.ts";
import { define } from "../../../lib/state.ts";
import type { FreshContext } from "../../../lib/fresh/types.ts";
import type { State } from "../../../lib/state.ts";

/**
 * Two-phase upload target (`upload_descriptor.url` of `attachments.create`): stores the bytes
 * (multipart `file` field or a raw body, POST or PUT) of the caller's own attachment and answers
 * the attachment without its upload descriptor. 404 for unknown or foreign ids, 409 once a
 * message uses it, 413/415/429 (size, type or a MIME lie, quota, rate) with nothing stored.
 */
async function upload(ctx: FreshContext<State>): Promise<Response> {
  const { attachments, limiter } = ctx.state.services;
  // Uploads count against the per-owner and per-address limits like messages do.
  await limiter.hit(callerOf(ctx), { modelTurn: false });
  const file = await readUpload(ctx.req, attachments.limits.maxAttachmentBytes);
  const { owner, origin } = chatKitContext(ctx);
  const attachment = await attachments.upload(owner, ctx.params.id, file.bytes, origin);
  return chatKitJson(await signPreviews(attachment, attachments.signer(owner, origin)));
}

export const handler = define.handlers({ POST: upload, PUT: upload });
