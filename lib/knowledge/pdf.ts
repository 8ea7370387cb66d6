/**
 * PDF → a parsed document, through unpdf (PDF.js built for servers): one section per page,
 * anchored `#page=N` (which browsers' PDF viewers open at that page). The title is the PDF's
 * own Title when it has one.
 * @module
 */
import { extractText, getDocumentProxy, getMeta } from "unpdf";
import type { ParsedDocument, Section } from "./types.ts";

/** Extracts the text of a PDF, naming it `fallbackTitle` when it has no Title. */
export async function parsePdf(bytes: Uint8Array, fallbackTitle: string): Promise<ParsedDocument> {
  // PDF.js may detach the buffer it is given: hand it a copy.
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  try {
    const { text } = await extractText(pdf, { mergePages: false });
    let title: string | undefined;
    try {
      const meta = await getMeta(pdf);
      const info = meta.info as Record<string, unknown> | undefined;
      if (typeof info?.Title === "string" && info.Title.trim()) title = info.Title.trim();
    } catch { /* no metadata */ }
    const sections: Section[] = [];
    text.forEach((page, i) => {
      const body = page.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, " ").trim())
        .filter(Boolean).join("\n\n");
      if (body) sections.push({ headings: [`Page ${i + 1}`], anchor: `page=${i + 1}`, text: body });
    });
    return { title: title ?? fallbackTitle, sections };
  } finally {
    await pdf.cleanup();
  }
}
