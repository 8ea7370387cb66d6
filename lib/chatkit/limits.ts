/**
 * The size and type limits of `/chatkit` requests (`limits` in `fresh.config.ts`).
 * @module
 */

/** Size and type limits (from `fresh.config.ts` → `limits`). */
export interface ChatKitLimits {
  /** Largest JSON request body in bytes. */
  maxBodyBytes: number;
  /** Largest user message (text + quoted text) in characters. */
  maxMessageChars: number;
  /** Largest attachment in bytes. */
  maxAttachmentBytes: number;
  /** Allowed attachment MIME types; `type/*` wildcards allowed. */
  attachmentMimeTypes: string[];
}

/** Default limits. */
export const DEFAULT_LIMITS: ChatKitLimits = {
  maxBodyBytes: 1024 * 1024,
  maxMessageChars: 32_000,
  maxAttachmentBytes: 10 * 1024 * 1024,
  attachmentMimeTypes: [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
  ],
};
