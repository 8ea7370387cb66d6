/**
 * What an attachment is, decided from its bytes and its name, not from the browser's MIME
 * type alone: browsers send `video/mp2t` for a `.ts` file and `application/octet-stream` for
 * many others, and a client can claim anything.
 *
 * - Images (png, jpeg, gif, webp) and PDFs are recognised by their magic numbers. A file whose
 *   name or declared type says image or PDF but whose bytes do not is a lie ({@link MimeMismatchError}).
 * - Text-like files (txt, md, csv, json, source code, …) are recognised by their extension or a
 *   `text/*` type, and must be UTF-8 without NUL bytes.
 * - Anything else keeps its declared type and is only named to the model.
 * @module
 */
import { HttpError } from "../errors.ts";
import { type DetectedType, IMAGE_MIME_TYPES, mediaType } from "./mime.ts";

export {
  type AttachmentKind,
  type DetectedType,
  expectedType,
  IMAGE_MIME_TYPES,
  mediaType,
} from "./mime.ts";

/** The declared type or name contradicts the bytes (415). */
export class MimeMismatchError extends HttpError {
  constructor(message: string) {
    super(415, message, { code: "attachment_type_mismatch" });
  }
}

function startsWith(bytes: Uint8Array, magic: number[], offset = 0): boolean {
  if (bytes.byteLength < offset + magic.length) return false;
  return magic.every((b, i) => bytes[offset + i] === b);
}

/** The image or PDF type the magic number says, if any. */
export function magicType(bytes: Uint8Array): string | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38]) && (bytes[4] === 0x37 || bytes[4] === 0x39)) {
    return "image/gif";
  }
  if (
    startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)
  ) {
    return "image/webp";
  }
  // The PDF header may follow some junk, but must start within the first 1024 bytes.
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  if (head.includes("%PDF-")) return "application/pdf";
  return undefined;
}

/** Whether the bytes are UTF-8 text (no NUL bytes, valid sequences; a BOM is fine). */
export function isUtf8Text(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * The type of uploaded bytes. `expected` (from {@link expectedType}) is what the name and the
 * declared type promised: an image or PDF promise the bytes break, or a text promise broken by
 * binary bytes, throws {@link MimeMismatchError}. Bytes that are an image or PDF are that,
 * whatever was declared, so the allow-list is checked against what the file really is.
 */
export function detectType(bytes: Uint8Array, expected: DetectedType): DetectedType {
  const magic = magicType(bytes);
  if (expected.kind === "image" || expected.kind === "pdf") {
    if (magic !== expected.mime) {
      throw new MimeMismatchError(
        `The file's content is not ${expected.mime}` + (magic ? ` (it is ${magic})` : ""),
      );
    }
    return expected;
  }
  if (magic) return { mime: magic, kind: magic === "application/pdf" ? "pdf" : "image" };
  if (expected.kind === "text") {
    if (!isUtf8Text(bytes)) {
      throw new MimeMismatchError(`The file's content is not UTF-8 text (${expected.mime})`);
    }
    return expected;
  }
  return expected;
}

/** Whether a type may be shown inline by a browser (previews): raster images only, never SVG or HTML. */
export function inlineSafe(mime: string): boolean {
  return IMAGE_MIME_TYPES.has(mediaType(mime));
}
