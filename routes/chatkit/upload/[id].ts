import { chatKitContext } from "../../../lib/chatkit/context.ts";
import { jsonResponse } from "../../../lib/chatkit/json.ts";
import { readUpload } from "../../../lib/chatkit/upload.ts";
import { define } from "../../../lib/state.ts";
import type { FreshContext } from "../../../lib/fresh/types.ts";
import type { State } from "../../../lib/state.ts";

/**
 * Two-phase upload target (`upload_descriptor.url` of `attachments.create`): stores the bytes
 * (multipart `file` field or a raw body, POST or PUT) of the caller's own attachment and answers
 * the attachment without its upload descriptor. 404 for unknown or foreign ids.
 */
async function upload(ctx: FreshContext<State>): Promise<Response> {
  const chatkit = ctx.state.services.chatkit;
  const file = await readUpload(ctx.req, chatkit.limits.maxAttachmentBytes);
  const attachment = await chatkit.uploadAttachment(ctx.params.id, file.bytes, chatKitContext(ctx));
  return jsonResponse(attachment);
}

export const handler = define.handlers({ POST: upload, PUT: upload });
