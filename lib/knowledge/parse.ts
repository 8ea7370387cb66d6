/**
 * Picks the parser for a file or a fetched page: by extension for files, by content type for
 * URLs. Plain text becomes one section per document (paragraphs kept).
 * @module
 */
import { parseHtml } from "./html.ts";
import { parseMarkdown } from "./markdown.ts";
import { parsePdf } from "./pdf.ts";
import type { ParsedDocument } from "./types.ts";

/** The formats ingestion reads. */
export type Format = "markdown" | "mdx" | "html" | "text" | "pdf";

const BY_EXTENSION: Record<string, Format> = {
  md: "markdown",
  markdown: "markdown",
  mdx: "mdx",
  html: "html",
  htm: "html",
  txt: "text",
  text: "text",
  pdf: "pdf",
};

/** The format of a file name, or null when ingestion does not read it. */
export function formatOfPath(path: string): Format | null {
  const ext = path.match(/\.([^./\\]+)$/)?.[1]?.toLowerCase();
  return ext ? BY_EXTENSION[ext] ?? null : null;
}

/** The format of an HTTP answer's content type (falling back to the URL's extension). */
export function formatOfResponse(contentType: string | null, url: string): Format | null {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "text/html" || type === "application/xhtml+xml") return "html";
  if (type === "application/pdf") return "pdf";
  if (type === "text/markdown" || type === "text/x-markdown") return "markdown";
  if (type === "text/plain") return formatOfPath(new URL(url).pathname) ?? "text";
  return formatOfPath(new URL(url).pathname);
}

/** Parses bytes of a known format; `name` is the title when the document has none. */
export async function parseDocument(
  bytes: Uint8Array,
  format: Format,
  name: string,
): Promise<ParsedDocument> {
  if (format === "pdf") return await parsePdf(bytes, name);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  switch (format) {
    case "markdown":
      return parseMarkdown(text, name);
    case "mdx":
      return parseMarkdown(text, name, { mdx: true });
    case "html":
      return parseHtml(text, name);
    case "text":
      return parseText(text, name);
  }
}

function parseText(text: string, name: string): ParsedDocument {
  const paragraphs = text.replace(/\r\n?/g, "\n").split(/\n\s*\n/).map((p) => p.trim())
    .filter(Boolean);
  // A short first line standing alone, without a full stop, is the document's title.
  const first = paragraphs[0];
  const title = first && first.length <= 80 && !first.includes("\n") && !/[.:;]$/.test(first)
    ? paragraphs.shift()!
    : name;
  const body = paragraphs.join("\n\n");
  return { title, sections: body ? [{ headings: [], text: body }] : [] };
}

/** A readable title from a file name: `getting-started.md` → `Getting started`. */
export function titleFromName(path: string): string {
  const base = path.split(/[\\/]/).pop()!.replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ").trim();
  return base ? base[0].toUpperCase() + base.slice(1) : path;
}
