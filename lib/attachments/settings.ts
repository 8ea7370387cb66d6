/**
 * Attachment settings and their defaults. In `fresh.config.ts`: `agent.vision`,
 * `agent.fileInput` and `agent.attachments` (what the model gets), `limits.attachments` (storage).
 * @module
 */
import { DEFAULT_IMAGE_BUDGET, type ImageBudget } from "./image.ts";
import { type AttachmentHistoryBudget, DEFAULT_ATTACHMENT_HISTORY_BUDGET } from "./parts.ts";
import { type AttachmentQuota, DEFAULT_ATTACHMENT_QUOTA } from "./store.ts";

/** What the model gets for attachments (`agent.attachments`). */
export interface AttachmentModelSettings {
  /** Images over this budget are scaled down before the model sees them. */
  image: ImageBudget;
  /** Characters of a PDF's or text file's text the model reads (per file). */
  maxTextChars: number;
  /** Image and file parts kept across the history (older ones become notes or text first). */
  history: AttachmentHistoryBudget;
}

/** Storage limits of attachments (`limits.attachments`). */
export interface AttachmentStorageSettings extends AttachmentQuota {
  /** Uploads no message refers to are deleted after this many hours. */
  unattachedHours: number;
  /** How long a signed preview URL works, in seconds. */
  previewUrlSeconds: number;
}

export const DEFAULT_ATTACHMENT_MODEL_SETTINGS: AttachmentModelSettings = {
  image: DEFAULT_IMAGE_BUDGET,
  maxTextChars: 20_000,
  history: DEFAULT_ATTACHMENT_HISTORY_BUDGET,
};

export const DEFAULT_ATTACHMENT_STORAGE: AttachmentStorageSettings = {
  ...DEFAULT_ATTACHMENT_QUOTA,
  unattachedHours: 24,
  previewUrlSeconds: 3600,
};

/** Input forms of the settings: every key optional (nested objects too). */
export interface AttachmentModelSettingsInput {
  image?: Partial<ImageBudget>;
  maxTextChars?: number;
  history?: Partial<AttachmentHistoryBudget>;
}

/** Fills unset keys with the defaults. */
export function resolveAttachmentModelSettings(
  input: AttachmentModelSettingsInput = {},
): AttachmentModelSettings {
  return {
    image: { ...DEFAULT_ATTACHMENT_MODEL_SETTINGS.image, ...input.image },
    maxTextChars: input.maxTextChars ?? DEFAULT_ATTACHMENT_MODEL_SETTINGS.maxTextChars,
    history: { ...DEFAULT_ATTACHMENT_MODEL_SETTINGS.history, ...input.history },
  };
}

/** Fills unset keys with the defaults. */
export function resolveAttachmentStorage(
  input: Partial<AttachmentStorageSettings> = {},
): AttachmentStorageSettings {
  return { ...DEFAULT_ATTACHMENT_STORAGE, ...input };
}
