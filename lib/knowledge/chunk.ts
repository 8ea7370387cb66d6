/**
 * Sections → chunks. A section that fits the budget is one chunk; a longer one is cut at
 * paragraph boundaries (then sentences, then words), each later piece starting with the end of
 * the piece before it (the overlap), so a passage that straddles a cut is still found whole.
 * Every chunk keeps the document title and its heading path ("Page › Section") and links to its
 * section (`url#anchor`).
 * @module
 */
import type { ChunkSettings } from "./settings.ts";
import type { Chunk, ParsedDocument } from "./types.ts";

/** The separator of heading paths. */
export const PATH_SEPARATOR = " › ";

/** Cuts a parsed document whose public URL is `url` into chunks. */
export function chunkDocument(doc: ParsedDocument, url: string, settings: ChunkSettings): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of doc.sections) {
    const headingPath = [doc.title, ...section.headings].join(PATH_SEPARATOR);
    const link = section.anchor ? `${url.replace(/#.*$/, "")}#${section.anchor}` : url;
    for (const text of splitText(section.text, settings)) {
      chunks.push({ ord: chunks.length, headingPath, url: link, text });
    }
  }
  return chunks;
}

/** Splits text into pieces of at most `maxChars`, with `overlapChars` carried over. */
export function splitText(text: string, { maxChars, overlapChars }: ChunkSettings): string[] {
  const trimmed = text.trim();
  if (trimmed.length <= maxChars) return trimmed ? [trimmed] : [];
  // Units no longer than the budget (minus room for the overlap), in order.
  const room = maxChars - overlapChars - 2;
  const units = trimmed.split(/\n\s*\n/).flatMap((p) => cut(p.trim(), room)).filter(Boolean);
  const pieces: string[] = [];
  let current = "";
  for (const unit of units) {
    if (current && current.length + 2 + unit.length > maxChars) {
      pieces.push(current);
      const carry = tail(current, overlapChars);
      current = carry && carry.length + 2 + unit.length <= maxChars ? `${carry}\n\n${unit}` : unit;
    } else {
      current = current ? `${current}\n\n${unit}` : unit;
    }
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Cuts one paragraph into sentences, and sentences into words, until each part fits. */
function cut(paragraph: string, room: number): string[] {
  if (paragraph.length <= room) return [paragraph];
  const sentences = paragraph.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*/g) ?? [paragraph];
  const out: string[] = [];
  let current = "";
  for (const sentence of sentences) {
    if (sentence.length > room) {
      if (current) out.push(current.trim());
      current = "";
      out.push(...byWords(sentence, room));
    } else if ((current + sentence).length > room) {
      out.push(current.trim());
      current = sentence;
    } else {
      current += sentence;
    }
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

function byWords(text: string, room: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    // A single "word" longer than the budget (a URL, a hash) is cut where it must be.
    for (let i = 0; i < word.length; i += room) {
      const part = word.slice(i, i + room);
      if (current && current.length + 1 + part.length > room) {
        out.push(current);
        current = part;
      } else current = current ? `${current} ${part}` : part;
    }
  }
  if (current) out.push(current);
  return out;
}

/** The last `chars` characters of a text, starting at a word. */
function tail(text: string, chars: number): string {
  if (chars <= 0) return "";
  if (text.length <= chars) return text;
  const slice = text.slice(-chars);
  const space = slice.search(/\s/);
  return (space >= 0 ? slice.slice(space) : slice).trim();
}
