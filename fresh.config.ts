/**
 * The app's settings: the one place a developer changes how deno-chatkit behaves.
 * Secrets and deployment values come from the environment instead (see README).
 */
import { defineConfig } from "./lib/settings.ts";

export default defineConfig({
  site: {
    title: "deno-chatkit",
    description: "A self-hosted ChatKit backend and site, running on Deno.",
  },
  limits: {
    // Largest JSON request to /chatkit, in bytes (uploads have their own limit below).
    maxBodyBytes: 1024 * 1024,
    // Longest user message (text plus quoted text), in characters.
    maxMessageChars: 32_000,
    // Largest attachment, in bytes.
    maxAttachmentBytes: 10 * 1024 * 1024,
    // Attachment types users may upload (`image/*` style wildcards work).
    attachmentMimeTypes: [
      "image/png",
      "image/jpeg",
      "image/gif",
      "image/webp",
      "application/pdf",
      "text/plain",
    ],
  },
});
