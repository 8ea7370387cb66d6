/**
 * From the model's `[n]` markers to ChatKit annotations. The passages the model was given are
 * numbered sources; each marker `[n]` (also `[1][2]` and `[1, 2]`) that names one becomes an
 * annotation with a `url` source at the marker's position — an index into the text as JavaScript
 * counts it (UTF-16) — and the marker text is removed: the ChatKit component draws its own
 * footnote marker at that index and the built-in client draws a numbered superscript there, so
 * leaving `[n]` in would show every citation twice. Markers inside code are left alone, and so
 * are Markdown links (`[1](…)`). When the answer has no marker, the sources given to the model
 * become the message's sources (one per document, in rank order, without an index).
 * @module
 */
import type { Annotation, UrlSource } from "../chatkit/types.ts";
import type { Passage } from "./search.ts";

/** Longest snippet in a source's description. */
const SNIPPET_CHARS = 160;

/** The ChatKit source for a passage: title, deep link and a snippet. */
export function passageSource(p: Passage): UrlSource {
  const text = p.text.replace(/```[\s\S]*?```/g, " ").replace(/\s+/g, " ").trim();
  const description = text.length > SNIPPET_CHARS
    ? `${text.slice(0, SNIPPET_CHARS).replace(/\s+\S*$/, "")}…`
    : text;
  return {
    type: "url",
    title: p.headingPath || p.title,
    url: p.url,
    ...(description ? { description } : {}),
  };
}

/** The answer's text without markers, and its annotations. */
export function annotate(text: string, passages: Passage[]): {
  text: string;
  annotations: Annotation[];
} {
  if (!passages.length) return { text, annotations: [] };
  const annotations: Annotation[] = [];
  let out = "";
  let i = 0;
  let fence = false;
  let inline = false;
  while (i < text.length) {
    const atLineStart = i === 0 || text[i - 1] === "\n";
    if (atLineStart && text.startsWith("```", i)) {
      fence = !fence;
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop;
      continue;
    }
    const ch = text[i];
    if (!fence && ch === "`") inline = !inline;
    if (!fence && !inline && ch === "[") {
      const group = readMarkers(text, i, passages.length);
      if (group) {
        // "works [1]." → "works." with the annotation right after "works".
        out = out.replace(/[ \t]+$/, "");
        for (const n of group.numbers) {
          annotations.push({
            type: "annotation",
            source: passageSource(passages[n - 1]),
            index: out.length,
          });
        }
        i = group.end;
        continue;
      }
    }
    out += ch;
    if (ch === "\n") inline = false;
    i++;
  }
  if (annotations.length) return { text: out, annotations };
  return { text, annotations: documentSources(passages) };
}

/** One source per document, in rank order (for answers without markers). */
export function documentSources(passages: Passage[]): Annotation[] {
  const seen = new Set<string>();
  const out: Annotation[] = [];
  for (const p of passages) {
    if (seen.has(p.documentId)) continue;
    seen.add(p.documentId);
    out.push({ type: "annotation", source: passageSource(p) });
  }
  return out;
}

/** `[1]`, `[1][2]`, `[1, 2]` at `start` naming sources 1..max, or null. */
function readMarkers(text: string, start: number, max: number) {
  const numbers: number[] = [];
  let i = start;
  while (text[i] === "[") {
    const match = /^\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/.exec(text.slice(i, i + 40));
    if (!match) break;
    const after = text[i + match[0].length];
    // A Markdown link or reference ([1](url), [1]: url) is not a citation.
    if (after === "(" || after === ":") break;
    const ns = match[1].split(",").map((s) => Number(s.trim()));
    if (ns.some((n) => n < 1 || n > max)) break;
    numbers.push(...ns);
    i += match[0].length;
  }
  return numbers.length ? { numbers, end: i } : null;
}
