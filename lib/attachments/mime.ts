/**
 * Attachment types from names and declared MIME types alone — no Deno or server code, so the
 * built-in client checks files with the same rules before uploading them (sniff.ts then checks
 * the bytes on the server).
 * @module
 */
import type { Attachment } from "../chatkit/types.ts";

/** How the model reads an attachment. */
export type AttachmentKind = "image" | "pdf" | "text" | "other";

/** The decided type of an attachment. */
export interface DetectedType {
  /** The MIME type to store and check against the allow-list (lower case, no parameters). */
  mime: string;
  kind: AttachmentKind;
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
 * The attachment as the client sees it: raster images are `image`s with a preview URL (signed
 * per owner when sent, see `present.ts`); everything else,
 * SVG included, is a `file`.
 */
export function clientAttachment(
  id: string,
  name: string,
  type: DetectedType,
  origin: string,
): Attachment {
  if (type.kind === "image" && IMAGE_MIME_TYPES.has(type.mime)) {
    return {
      type: "image",
      id,
      name,
      mime_type: type.mime,
      preview_url: `${origin}/chatkit/preview/${id}`,
    };
  }
  return { type: "file", id, name, mime_type: type.mime };
}
