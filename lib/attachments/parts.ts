/**
 * Attachments → parts of a user message in the model's input, for both API flavours.
 *
 * - images: an `input_image` part with a base64 data URL (the provider cannot reach our
 *   server); a text note instead when the model has no vision, when the image is in an older
 *   turn past the history's image budget, or when it could not be prepared;
 * - PDFs: an `input_file` part (data URL) on the Responses API with `fileInput: "auto"`,
 *   otherwise (Chat Completions, whose providers differ, or `fileInput: "text"`) the extracted
 *   text; older PDFs past the history's file budget also go as text;
 * - text-like files: their (bounded) text, framed so the model knows where it begins and ends;
 * - anything else: named only.
 * The SDK converts the same parts to Chat Completions' `image_url` / text content.
 * @module
 */
import type { AttachmentKind } from "./sniff.ts";

/** An attachment as the model input builder sees it (loaded by the store). */
export interface ModelAttachment {
  id: string;
  name: string;
  mime: string;
  kind: AttachmentKind;
  /** Image: the data URL of what the model gets (the prepared copy or the upload). */
  imageDataUrl?: string;
  /** PDF: the data URL of the upload (for `input_file`). */
  fileDataUrl?: string;
  /** PDF or text file: the bounded text. */
  text?: string;
  /** Characters before bounding. */
  textTotal?: number;
  pages?: number;
  /** Why the model cannot read it. */
  problem?: string;
}

/** How attachments become input, from `fresh.config.ts` and the provider. */
export interface AttachmentInputOptions {
  api: "responses" | "chat_completions";
  /** `agent.vision` (default true): false sends a note instead of image parts. */
  vision: boolean;
  /** `agent.fileInput` (default "auto"): "text" always sends a PDF's extracted text. */
  fileInput: "auto" | "text";
}

/** One content part of a user message (the SDK's `input_text`/`input_image`/`input_file`). */
export type UserPart =
  | { type: "input_text"; text: string }
  | { type: "input_image"; image: string; detail?: string }
  | { type: "input_file"; file: string; filename: string };

/** What an older turn may still carry (the newest turn always gets its attachments). */
export interface AttachmentHistoryBudget {
  /** Image parts in the whole input; older ones become notes first. */
  maxImages: number;
  /** File parts (PDFs as `input_file`) in the whole input; older ones become text. */
  maxFiles: number;
}

export const DEFAULT_ATTACHMENT_HISTORY_BUDGET: AttachmentHistoryBudget = {
  maxImages: 8,
  maxFiles: 4,
};

function count(n: number, unit: string): string {
  return `${n.toLocaleString("en-US")} ${unit}${n === 1 ? "" : "s"}`;
}

function textBlock(a: ModelAttachment, what: string): UserPart {
  const total = a.textTotal ?? a.text?.length ?? 0;
  const shown = a.text?.length ?? 0;
  const extent = [
    a.pages ? count(a.pages, "page") : "",
    shown < total
      ? `first ${count(shown, "character")} of ${total.toLocaleString("en-US")}`
      : count(total, "character"),
  ].filter(Boolean).join(", ");
  if (!a.text?.trim()) {
    return {
      type: "input_text",
      text: `[Attached ${what}: ${a.name} (${a.mime}) — no text found]`,
    };
  }
  return {
    type: "input_text",
    text: `[Attached ${what}: ${a.name} (${a.mime}, ${extent})]\n${a.text}\n[End of ${a.name}]`,
  };
}

function note(text: string): UserPart {
  return { type: "input_text", text: `[${text}]` };
}

/** Parts for one attachment. `image`/`file` say whether this one may be sent as such a part. */
export function attachmentParts(
  a: ModelAttachment,
  options: AttachmentInputOptions,
  allowed: { image: boolean; file: boolean } = { image: true, file: true },
): UserPart[] {
  if (a.problem) {
    return [note(`Attached: ${a.name} (${a.mime}) — it could not be read: ${a.problem}`)];
  }
  switch (a.kind) {
    case "image":
      if (!options.vision) {
        return [note(`Attached image: ${a.name} — not shown: this model does not take images`)];
      }
      if (!allowed.image) {
        return [note(`Attached image: ${a.name} — shown in an earlier turn, not sent again`)];
      }
      if (!a.imageDataUrl) return [note(`Attached image: ${a.name} — not available`)];
      return [note(`Attached image: ${a.name}`), { type: "input_image", image: a.imageDataUrl }];
    case "pdf":
      if (
        options.api === "responses" && options.fileInput === "auto" && allowed.file &&
        a.fileDataUrl
      ) {
        return [{ type: "input_file", file: a.fileDataUrl, filename: a.name }];
      }
      return [textBlock(a, "PDF")];
    case "text":
      return [textBlock(a, "file")];
    default:
      return [note(`Attached: ${a.name} (${a.mime}) — its content cannot be read here`)];
  }
}

/**
 * Decides, for the attachments of a whole input (oldest turn first), which may go as image and
 * file parts: the newest ones within the budget. Returns the ids allowed.
 */
export function allowedParts(
  attachmentsByTurn: ModelAttachment[][],
  budget: AttachmentHistoryBudget,
  options: AttachmentInputOptions,
): { images: Set<string>; files: Set<string> } {
  const images = new Set<string>();
  const files = new Set<string>();
  const fileParts = options.api === "responses" && options.fileInput === "auto";
  for (let t = attachmentsByTurn.length - 1; t >= 0; t--) {
    const newest = t === attachmentsByTurn.length - 1;
    for (const a of attachmentsByTurn[t]) {
      if (a.kind === "image" && (newest || images.size < budget.maxImages)) images.add(a.id);
      if (a.kind === "pdf" && fileParts && (newest || files.size < budget.maxFiles)) {
        files.add(a.id);
      }
    }
  }
  return { images, files };
}

/** A data URL of bytes. */
export function dataUrl(mime: string, bytes: Uint8Array): string {
  // Encode in slices: String.fromCharCode(...bytes) overflows the stack on large files.
  let binary = "";
  const step = 0x8000;
  for (let i = 0; i < bytes.byteLength; i += step) {
    binary += String.fromCharCode(...bytes.subarray(i, i + step));
  }
  return `data:${mime};base64,${btoa(binary)}`;
}

/** Characters an attachment adds to the history budget (its text, or a note's worth). */
export function attachmentChars(a: Pick<ModelAttachment, "kind" | "text">): number {
  return a.kind === "pdf" || a.kind === "text" ? (a.text?.length ?? 0) + 100 : 100;
}
