/**
 * Citations in the built-in client: an assistant message's annotations (protocol §4.3) as
 * numbered footnotes. Sources are numbered once each, in the order they first appear in the
 * text, then the ones without a position (message-level sources, shown only in the list).
 * Only absolute http(s) URLs become links: a `javascript:` or `data:` URL from a document or a
 * model must never be something a click runs.
 *
 * Markers go into the Markdown source as placeholder characters (one private-use code point per
 * marker) before rendering, so they travel through Markdown to their place in the HTML, where
 * citation_dom.ts turns them into links. A raw index may fall where a character would change the
 * Markdown (between the two `*` of `**`, before a `#` that starts a heading, on a code fence),
 * so each one is first moved to the nearest place where it cannot.
 * @module
 */
import type { Annotation, AssistantMessageContent, Source } from "./client/types.ts";

/** One entry of the Sources list. */
export interface Footnote {
  /** Its number, from 1. */
  n: number;
  title: string;
  /** The link, when the source has an absolute http(s) URL; otherwise shown as plain text. */
  href?: string;
  description?: string;
}

/** Footnote numbers cited at one place of the message's text. */
export interface Marker {
  /** Index into the message's text (its parts joined as itemText joins them). */
  index: number;
  numbers: number[];
}

/** What a message shows for its annotations. */
export interface Citations {
  footnotes: Footnote[];
  markers: Marker[];
}

/** Separator between content parts (as `itemText` joins them). */
export const PART_SEPARATOR = "\n\n";

/** First placeholder code point; marker `k` is `PLACEHOLDER_BASE + k`. */
export const PLACEHOLDER_BASE = 0xe000;
/** Markers beyond this many in one message are not drawn (the private-use area's size). */
export const MAX_MARKERS = 0xf8ff - PLACEHOLDER_BASE + 1;
/** Any placeholder character. */
export const PLACEHOLDER_RE = /[\uE000-\uF8FF]/g;

/** The URL as a link target when it is absolute http or https, else undefined. */
export function safeHref(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** What identifies a source: two annotations of the same source share one number. */
function sourceKey(source: Source): string {
  switch (source.type) {
    case "url":
      return `url:${source.url}`;
    case "file":
      return `file:${source.filename}`;
    case "entity":
      return `entity:${source.id}`;
    default:
      return `other:${JSON.stringify(source)}`;
  }
}

function sourceTitle(source: Source): string {
  const title = typeof source.title === "string" ? source.title.trim() : "";
  if (title) return title;
  switch (source.type) {
    case "url":
      return source.url;
    case "file":
      return source.filename;
    case "entity":
      return source.label ?? source.id;
    default:
      return "Source";
  }
}

/** The footnotes and markers of a message's content parts. */
export function citations(parts: AssistantMessageContent[]): Citations {
  const positioned: { at: number; order: number; annotation: Annotation }[] = [];
  const unpositioned: Annotation[] = [];
  let offset = 0;
  let order = 0;
  for (const part of parts) {
    for (const annotation of part.annotations ?? []) {
      if (!annotation?.source) continue;
      const index = annotation.index;
      if (typeof index === "number" && Number.isFinite(index)) {
        const at = offset + Math.min(Math.max(0, Math.trunc(index)), part.text.length);
        positioned.push({ at, order: order++, annotation });
      } else {
        unpositioned.push(annotation);
      }
    }
    offset += part.text.length + PART_SEPARATOR.length;
  }
  positioned.sort((a, b) => a.at - b.at || a.order - b.order);

  const footnotes: Footnote[] = [];
  const numbers = new Map<string, number>();
  const numberOf = (source: Source): number => {
    const key = sourceKey(source);
    let n = numbers.get(key);
    if (n === undefined) {
      n = footnotes.length + 1;
      numbers.set(key, n);
      const note: Footnote = { n, title: sourceTitle(source) };
      const href = source.type === "url" ? safeHref(source.url) : undefined;
      if (href) note.href = href;
      const description = typeof source.description === "string" ? source.description.trim() : "";
      if (description) note.description = description;
      footnotes.push(note);
    }
    return n;
  };

  const markers: Marker[] = [];
  for (const { at, annotation } of positioned) {
    const n = numberOf(annotation.source);
    const last = markers.at(-1);
    // Annotations at the same index form one footnote group (protocol §4.3).
    if (last && last.index === at) {
      if (!last.numbers.includes(n)) last.numbers.push(n);
    } else {
      markers.push({ index: at, numbers: [n] });
    }
  }
  for (const annotation of unpositioned) numberOf(annotation.source);
  return { footnotes, markers: markers.slice(0, MAX_MARKERS) };
}

/**
 * The text with one placeholder per marker, each at a safe place for its index. Placeholder
 * characters already in the text become U+FFFD (same length, so indexes still hold).
 */
export function withPlaceholders(text: string, markers: Marker[]): string {
  const clean = text.replace(PLACEHOLDER_RE, "\uFFFD");
  const placed = markers.slice(0, MAX_MARKERS).map((m, k) => ({
    at: safeIndex(clean, m.index),
    k,
  }));
  placed.sort((a, b) => a.at - b.at || a.k - b.k);
  let out = "";
  let from = 0;
  for (const { at, k } of placed) {
    out += clean.slice(from, at) + String.fromCharCode(PLACEHOLDER_BASE + k);
    from = at;
  }
  return out + clean.slice(from);
}

/** The text without placeholders. */
export function stripPlaceholders(text: string): string {
  return text.replace(PLACEHOLDER_RE, "");
}

/** Block syntax at the start of a line: indentation, `#`, `>`, list bullets and task boxes, `|`. */
const LINE_PREFIX =
  /^[ \t]*(?:(?:#{1,6}|>|[-*+](?:[ \t]+\[[ xX]\])?|\d{1,9}[.)]|\|)(?=[ \t]|$)[ \t]*)*/;
/** A line that is all syntax: a rule, a setext underline, a table's delimiter row, a fence. */
const STRUCTURAL_LINE =
  /^ {0,3}(?:(?:[-*_][ \t]*){3,}|=+[ \t]*|`{3,}[^`]*|~{3,}.*|\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*)$/;
/** Characters whose runs are one token (`**`, `~~`, a backtick fence). */
const RUN_CHARS = new Set(["*", "_", "~", "`"]);
/** What a backslash escapes in Markdown. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;

/**
 * Where a marker for `index` goes so that the placeholder changes no Markdown: applied until
 * nothing moves (bounded: text made only of syntax has no good place; the DOM step then puts
 * the marker at the end).
 */
export function safeIndex(text: string, index: number): number {
  let p = Number.isFinite(index) ? Math.min(Math.max(0, Math.trunc(index)), text.length) : 0;
  for (let guard = 0; guard < 12; guard++) {
    const next = step(text, p);
    if (next === p) break;
    p = next;
  }
  return p;
}

function step(text: string, p: number): number {
  const before = text[p - 1] ?? "";
  const at = text[p] ?? "";
  // Never inside a surrogate pair, a CRLF or a backslash escape.
  if (/[\uD800-\uDBFF]/.test(before) && /[\uDC00-\uDFFF]/.test(at)) return p + 1;
  if (before === "\r" && at === "\n") return p + 1;
  if (before === "\\" && ESCAPABLE.test(at)) return p + 1;

  const lineStart = text.lastIndexOf("\n", p - 1) + 1;
  const newline = text.indexOf("\n", p);
  const lineEnd = newline < 0 ? text.length : newline;
  const line = text.slice(lineStart, lineEnd).replace(/\r$/, "");
  const prefix = LINE_PREFIX.exec(line)?.[0].length ?? 0;

  // On a line of syntax only (or a blank one): after the text before it, else before the next.
  if (!line.trim() || STRUCTURAL_LINE.test(line) || prefix === line.length) {
    const back = lastTextEnd(text, lineStart);
    if (back !== null) return back;
    return newline < 0 ? p : newline + 1;
  }
  // After a table row's closing pipe (a cell of its own): into the last cell.
  if (before === "|" && !text.slice(p, lineEnd).trim() && p - 1 - lineStart > prefix) {
    let q = p - 1;
    while (q - lineStart > prefix && /[ \t]/.test(text[q - 1])) q--;
    return q;
  }
  // Within the line's block syntax: after it.
  if (p - lineStart < prefix) return lineStart + prefix;
  // After spaces: at the end of the word before them (as the server places its markers).
  if (/[ \t]/.test(before)) {
    let q = p;
    while (q - lineStart > prefix && /[ \t]/.test(text[q - 1])) q--;
    if (q - lineStart > prefix) return q;
  }
  // Inside a run of one delimiter (`**`, `~~`, backticks): after the run.
  if (RUN_CHARS.has(before) && before === at) {
    let q = p;
    while (text[q] === before) q++;
    return q;
  }
  // Between a link's text and its destination, or an image's `!` and `[`: after the link / into
  // the alt text (the DOM step moves markers out of links and attributes).
  if (before === "]" && at === "(") {
    const close = text.indexOf(")", p);
    return close >= 0 && close < lineEnd ? close + 1 : p;
  }
  if (before === "!" && at === "[") return p + 1;
  // Inside an entity (`&amp;`): after it.
  const entity = /&#?[a-zA-Z0-9]{0,30}$/.exec(text.slice(Math.max(lineStart, p - 32), p));
  if (entity) {
    const rest = /^[a-zA-Z0-9]{0,30};/.exec(text.slice(p, p + 32));
    if (rest) return p + rest[0].length;
  }
  return p;
}

/** The end of the last non-blank text before `lineStart`, or null when there is none. */
function lastTextEnd(text: string, lineStart: number): number | null {
  let q = lineStart - 1;
  while (q > 0 && /\s/.test(text[q - 1])) q--;
  return q > 0 ? q : null;
}
