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

/** How the model reads an attachment. */
export type AttachmentKind = "image" | "pdf" | "text" | "other";

/** The decided type of an attachment. */
export interface DetectedType {
  /** The MIME type to store and check against the allow-list (lower case, no parameters). */
  mime: string;
  kind: AttachmentKind;
}

/** The declared type or name contradicts the bytes (415). */
export class MimeMismatchError extends HttpError {
  constructor(message: string) {
    super(415, message, { code: "attachment_type_mismatch" });
  }
}

/** Raster image types the model takes as image parts (and previews may show). */
export const IMAGE_MIME_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

const IMAGE_EXTENSIONS: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  jfif: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/**
 * Extensions of text-like files and the type stored for them. Source code without a registered
 * type gets `text/plain`: what matters to the model is that it is text.
 */
const TEXT_EXTENSIONS: Record<string, string> = {
  txt: "text/plain",
  text: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
  json: "application/json",
  jsonl: "application/jsonl",
  ndjson: "application/jsonl",
  yaml: "application/yaml",
  yml: "application/yaml",
  toml: "application/toml",
  xml: "application/xml",
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  svg: "image/svg+xml",
  ini: "text/plain",
  cfg: "text/plain",
  conf: "text/plain",
  env: "text/plain",
  sql: "application/sql",
  js: "text/javascript",
  mjs: "text/javascript",
  cjs: "text/javascript",
  jsx: "text/javascript",
  ts: "text/typescript",
  mts: "text/typescript",
  cts: "text/typescript",
  tsx: "text/typescript",
  py: "text/x-python",
  rb: "text/x-ruby",
  go: "text/x-go",
  rs: "text/x-rust",
  java: "text/x-java",
  kt: "text/x-kotlin",
  swift: "text/x-swift",
  c: "text/x-c",
  h: "text/x-c",
  cc: "text/x-c++",
  cpp: "text/x-c++",
  hpp: "text/x-c++",
  cs: "text/x-csharp",
  php: "text/x-php",
  sh: "text/x-shellscript",
  bash: "text/x-shellscript",
  zsh: "text/x-shellscript",
  ps1: "text/plain",
  lua: "text/x-lua",
  r: "text/x-r",
  scala: "text/x-scala",
  dart: "text/x-dart",
  vue: "text/plain",
  svelte: "text/plain",
  tex: "text/x-tex",
  diff: "text/x-diff",
  patch: "text/x-diff",
};

/** Declared non-`text/*` types that are text all the same. */
const TEXT_MIME_TYPES: ReadonlySet<string> = new Set([
  "application/json",
  "application/jsonl",
  "application/x-ndjson",
  "application/xml",
  "application/yaml",
  "application/x-yaml",
  "application/toml",
  "application/sql",
  "application/javascript",
  "application/typescript",
  "application/x-sh",
  "image/svg+xml",
]);

/** The media type of a MIME string: lower case, parameters dropped. */
export function mediaType(mime: string | undefined): string {
  return (mime ?? "").split(";")[0].trim().toLowerCase();
}

function extension(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : base.startsWith(".") ? base.slice(1) : "";
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
 * The type an upload is expected to have, from its name and declared type only (before any
 * byte is seen: `attachments.create`). The extension wins over a generic or wrong declared type.
 */
export function expectedType(name: string, declaredMime: string | undefined): DetectedType {
  const declared = mediaType(declaredMime);
  const ext = extension(name);
  if (IMAGE_EXTENSIONS[ext]) return { mime: IMAGE_EXTENSIONS[ext], kind: "image" };
  if (ext === "pdf") return { mime: "application/pdf", kind: "pdf" };
  if (TEXT_EXTENSIONS[ext]) return { mime: TEXT_EXTENSIONS[ext], kind: "text" };
  if (IMAGE_MIME_TYPES.has(declared)) return { mime: declared, kind: "image" };
  if (declared === "application/pdf") return { mime: declared, kind: "pdf" };
  if (declared.startsWith("text/") || TEXT_MIME_TYPES.has(declared)) {
    return { mime: declared, kind: "text" };
  }
  return { mime: declared || "application/octet-stream", kind: "other" };
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
