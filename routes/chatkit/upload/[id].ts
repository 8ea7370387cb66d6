import { uploadAttachment } from "../../../lib/chatkit/attachments.ts";
import { chatKitJson } from "../../../lib/http/chatkit.ts";
import { readUpload } from "../../../lib/http/upload.ts";
import { define } from "../../../lib/state.ts";
import type { FreshContext } from "../../../lib/fresh/types.ts";
import type { State } from "../../../lib/state.ts";

/**
 * Two-phase upload target (`upload_descriptor.url` of `attachments.create`): stores the bytes
 * (multipart `file` field or a raw body, POST or PUT) of the caller's own attachment and answers
 * the attachment without its upload descriptor. 404 for unknown or foreign ids.
 */
async function upload(ctx: FreshContext<State>): Promise<Response> {
  const { chatkit } = ctx.state.services;
  const file = await readUpload(ctx.req, chatkit.limits.maxAttachmentBytes);
  const { store } = ctx.state;
  return chatKitJson(await uploadAttachment(store, chatkit.limits, ctx.params.id, file.bytes));
}

export const handler = define.handlers({ POST: upload, PUT: upload });
