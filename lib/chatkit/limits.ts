/**
 * The size, type and time limits of requests (`limits` in `fresh.config.ts`): `/chatkit` and its
 * uploads, and the request bodies of every other route (lib/http/body_guard.ts).
 * @module
 */

/** Size, type and time limits (from `fresh.config.ts` → `limits`). */
export interface ChatKitLimits {
  /** Largest JSON request body of `/chatkit` in bytes. */
  maxBodyBytes: number;
  /**
   * Largest body of every other route but uploads (sign-in and sign-up forms, the auth API, the
   * embed's endpoints), in bytes.
   */
  maxFormBytes: number;
  /** How long a client may take to send a request body (uploads excepted), in ms; then 408. */
  bodyTimeoutMs: number;
  /** How long a client may take to send an upload's body, in ms; then 408. */
  uploadTimeoutMs: number;
  /** Largest user message (text + quoted text) in characters. */
  maxMessageChars: number;
  /** Largest attachment in bytes. */
  maxAttachmentBytes: number;
  /**
   * Allowed attachment MIME types; `type/*` wildcards allowed. Types are decided from the bytes
   * and the file name (a `.ts` file is `text/typescript`, whatever the browser says).
   */
  attachmentMimeTypes: string[];
  /** Bytes of attachments one user or visitor may keep (uploads and their model copies). */
  attachmentStorageBytes: number;
  /** Uploads per user or visitor per hour (0: no limit). */
  uploadsPerHour: number;
  /** Uploads no message uses are deleted after this many hours. */
  unattachedUploadHours: number;
  /** How long a signed image preview URL works, in seconds. */
  previewUrlSeconds: number;
  /**
   * How long, in seconds, the writes of a stream (the user's message, the finished reply) are
   * retried while the database cannot be reached, before the user gets an error instead.
   */
  saveRetrySeconds: number;
  /** Attachments one message may carry (set from `chatkit.composer.attachments.maxCount`). */
  maxAttachmentsPerMessage?: number;
}

/** Default limits. */
export const DEFAULT_LIMITS: ChatKitLimits = {
  maxBodyBytes: 1024 * 1024,
  maxFormBytes: 64 * 1024,
  bodyTimeoutMs: 15_000,
  uploadTimeoutMs: 120_000,
  maxMessageChars: 32_000,
  maxAttachmentBytes: 10 * 1024 * 1024,
  attachmentMimeTypes: [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/*",
    "application/json",
    "application/jsonl",
    "application/xml",
    "application/yaml",
    "application/toml",
    "application/sql",
  ],
  attachmentStorageBytes: 100 * 1024 * 1024,
  uploadsPerHour: 20,
  unattachedUploadHours: 24,
  previewUrlSeconds: 3600,
  saveRetrySeconds: 20,
};
