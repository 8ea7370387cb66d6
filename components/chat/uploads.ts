/**
 * Uploads of the built-in client: checking files against the server's limits before anything
 * is sent (type, size, count), and the two-phase upload (`attachments.create`, then the bytes
 * to the upload URL with progress) — the same requests the ChatKit component makes.
 * Browser code: no Deno APIs.
 * @module
 */
import { expectedType } from "../../lib/attachments/mime.ts";

/** Limits the composer enforces (from `limits` and `composer.attachments` in fresh.config.ts). */
export interface UploadRules {
  maxSize: number;
  maxCount: number;
  /** Allowed MIME types (`type/*` wildcards). */
  mimeTypes: string[];
}

/** An attachment as the server answers it. */
export interface UploadedAttachment {
  id: string;
  type: "file" | "image";
  name: string;
  mime_type: string;
  preview_url?: string;
  upload_descriptor?: { url: string; method: "POST" | "PUT"; headers?: Record<string, string> };
}

function allowed(mime: string, list: string[]): boolean {
  const major = mime.split("/")[0];
  return list.some((a) => {
    const x = a.toLowerCase();
    return x === mime || x === "*/*" || x === `${major}/*`;
  });
}

/** A human size: 1.5 MB, 320 KB, 12 B. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

/** Files split into those to upload and the messages for the others. */
export interface CheckedFiles {
  accepted: { file: File; mime: string }[];
  errors: string[];
}

/** Checks files before any upload: type (by name and declared type), size and count. */
export function checkFiles(
  files: File[],
  alreadyAttached: number,
  rules: UploadRules,
): CheckedFiles {
  const out: CheckedFiles = { accepted: [], errors: [] };
  for (const file of files) {
    const name = file.name || "pasted image";
    const { mime } = expectedType(name, file.type);
    if (!allowed(mime, rules.mimeTypes)) {
      out.errors.push(`${name}: files of this type cannot be attached`);
    } else if (file.size > rules.maxSize) {
      out.errors.push(
        `${name} is ${formatSize(file.size)}: the limit is ${formatSize(rules.maxSize)}`,
      );
    } else if (alreadyAttached + out.accepted.length >= rules.maxCount) {
      out.errors.push(`${name}: at most ${rules.maxCount} attachments per message`);
    } else {
      out.accepted.push({ file, mime });
    }
  }
  return out;
}

/** How the client reaches the server. */
export interface UploadTransport {
  /** The protocol endpoint (`/chatkit`). */
  url: string;
  /** Protocol fetch (cookies or Bearer token). */
  fetch: typeof fetch;
  /** The Bearer token the upload request carries too (embeds on other sites). */
  authToken?: string;
  /**
   * Send the bytes through `fetch` (no progress events): for a protocol fetch that adds its
   * own credentials the upload request could not carry otherwise (the embed's).
   */
  bytesThroughFetch?: boolean;
}

function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string } };
    if (body.error?.message) return body.error.message;
  } catch { /* not JSON */ }
  return `Upload failed (HTTP ${status})`;
}

/**
 * Uploads one file: announces it, then sends its bytes (multipart `file` field) with progress
 * (0..1). Resolves with the stored attachment; rejects with the server's message.
 */
export async function uploadFile(
  transport: UploadTransport,
  file: File,
  mime: string,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<UploadedAttachment> {
  const name = file.name || "pasted-image.png";
  const created = await transport.fetch(transport.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      type: "attachments.create",
      params: { name, size: file.size, mime_type: mime },
    }),
    signal,
  });
  const createdText = await created.text();
  if (!created.ok) throw new Error(errorMessage(created.status, createdText));
  const attachment = JSON.parse(createdText) as UploadedAttachment;
  const descriptor = attachment.upload_descriptor;
  if (!descriptor) return attachment;
  if (transport.bytesThroughFetch) {
    const form = new FormData();
    form.append("file", file, name);
    const res = await transport.fetch(descriptor.url, {
      method: descriptor.method,
      headers: descriptor.headers,
      body: form,
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(errorMessage(res.status, text));
    onProgress(1);
    return JSON.parse(text) as UploadedAttachment;
  }
  // XMLHttpRequest: fetch() reports no upload progress.
  return await new Promise<UploadedAttachment>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(descriptor.method, descriptor.url);
    for (const [k, v] of Object.entries(descriptor.headers ?? {})) xhr.setRequestHeader(k, v);
    if (transport.authToken) xhr.setRequestHeader("authorization", `Bearer ${transport.authToken}`);
    else xhr.withCredentials = true;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(JSON.parse(xhr.responseText) as UploadedAttachment);
      } else reject(new Error(errorMessage(xhr.status, xhr.responseText)));
    };
    xhr.onerror = () => reject(new Error("Upload failed: the connection was lost"));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, name);
    xhr.send(form);
  });
}

/** Deletes an upload the user removed before sending (best effort). */
export async function deleteUpload(transport: UploadTransport, id: string): Promise<void> {
  await transport.fetch(transport.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ type: "attachments.delete", params: { attachment_id: id } }),
  }).catch(() => {});
}
