/**
 * What the model gets for an uploaded attachment, prepared once after the upload: a resized
 * image, or the bounded text of a PDF or text file. Runs inside the attachment worker
 * (worker.ts) so that decoding and PDF parsing never stall other requests.
 * @module
 */
import { fitImage, type ImageBudget } from "./image.ts";
import type { AttachmentKind } from "./sniff.ts";
import { pdfText, textFileText } from "./text.ts";

/** A job for {@link prepareForModel}. */
export interface PrepareInput {
  bytes: Uint8Array;
  mime: string;
  kind: AttachmentKind;
  imageBudget: ImageBudget;
  /** Characters of text kept per file. */
  maxTextChars: number;
}

/** The result: set fields are stored with the attachment. */
export interface Prepared {
  /** A smaller copy of an image (absent when the upload itself is within budget). */
  image?: { bytes: Uint8Array; mime: string; width: number; height: number };
  /** Set when the upload is within the image budget as it is. */
  imageAsIs?: boolean;
  text?: string;
  /** Characters before bounding (text) or pages (PDF). */
  textTotal?: number;
  pages?: number;
  /** Why the model cannot read it (said to the model in a note). */
  problem?: string;
}

/** Prepares one attachment; never throws (a problem is reported in `problem`). */
export async function prepareForModel(input: PrepareInput): Promise<Prepared> {
  try {
    switch (input.kind) {
      case "image": {
        const fitted = await fitImage(input.bytes, input.mime, input.imageBudget);
        if (!fitted.changed) return { imageAsIs: true };
        const { bytes, mime, width, height } = fitted;
        return { image: { bytes, mime, width, height } };
      }
      case "pdf": {
        const text = await pdfText(input.bytes, input.maxTextChars);
        return { text: text.text, textTotal: text.totalChars, pages: text.pages };
      }
      case "text": {
        const text = textFileText(input.bytes, input.maxTextChars);
        return { text: text.text, textTotal: text.totalChars };
      }
      default:
        return {};
    }
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}
