/**
 * Helpers of the attachment tests: uploads made exactly as the ChatKit component makes them.
 * @module
 */
import assert from "node:assert/strict";
import type { Harness } from "./chatkit_helpers.ts";

/** A two-phase upload as the ChatKit component makes it; returns the attachment. */
export async function uploadTwoPhase(
  h: Harness,
  name: string,
  mime: string,
  bytes: Uint8Array,
): Promise<{ id: string; type: string; preview_url?: string; mime_type: string }> {
  const created = await h.json<{ id: string; upload_descriptor: { url: string; method: string } }>({
    type: "attachments.create",
    params: { name, size: bytes.byteLength, mime_type: mime },
  });
  const form = new FormData();
  form.append("file", new File([bytes as BlobPart], name, { type: mime }));
  const res = await h.fetch(created.upload_descriptor.url, {
    method: created.upload_descriptor.method,
    body: form,
  });
  const text = await res.text();
  assert.equal(res.status, 200, `upload of ${name}: ${text}`);
  return JSON.parse(text);
}
