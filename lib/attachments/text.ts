/**
 * The text the model reads for a PDF (extracted with unpdf, a serverless build of Mozilla's
 * PDF.js) or a text-like file (decoded UTF-8), bounded by a character budget.
 * @module
 */

/** Text prepared for the model. */
export interface ModelText {
  /** At most `maxChars` characters. */
  text: string;
  /** Characters before bounding. */
  totalChars: number;
  /** Pages (PDF only). */
  pages?: number;
  truncated: boolean;
}

function bound(text: string, maxChars: number): Pick<ModelText, "text" | "truncated"> {
  if (text.length <= maxChars) return { text, truncated: false };
  // Cut at a line break near the end when there is one, so the last line is whole.
  const cut = text.lastIndexOf("\n", maxChars);
  return { text: text.slice(0, cut > maxChars * 0.8 ? cut : maxChars), truncated: true };
}

/** UTF-8 characters in bytes (lead bytes only), without decoding them. */
function utf8Chars(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.byteLength; i++) if ((bytes[i] & 0xc0) !== 0x80) n++;
  return n;
}

/**
 * A text file's content for the model (a UTF-8 BOM dropped). Only the head that can fit is
 * decoded (a UTF-8 character is at most 4 bytes), so a 10 MB log costs no 20 MB string.
 */
export function textFileText(bytes: Uint8Array, maxChars: number): ModelText {
  const head = bytes.subarray(0, Math.min(bytes.byteLength, maxChars * 4 + 3));
  const text = new TextDecoder("utf-8").decode(head).replace(/^\uFEFF/, "");
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 1 : 0;
  const totalChars = head.byteLength === bytes.byteLength ? text.length : utf8Chars(bytes) - bom;
  return { ...bound(text, maxChars), totalChars };
}

/** A PDF's text for the model, pages separated by blank lines. Throws for a broken PDF. */
export async function pdfText(bytes: Uint8Array, maxChars: number): Promise<ModelText> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  // PDF.js takes ownership of (detaches) the buffer it is given: hand it a copy.
  const pdf = await getDocumentProxy(bytes.slice());
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const joined = text.map((page) => page.trim()).filter(Boolean).join("\n\n");
    return { ...bound(joined, maxChars), totalChars: joined.length, pages: totalPages };
  } finally {
    await pdf.loadingTask.destroy();
  }
}
