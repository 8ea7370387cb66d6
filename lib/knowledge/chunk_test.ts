import { deepEqual, equal, ok } from "node:assert/strict";
import { chunkDocument, splitText } from "./chunk.ts";

const settings = { maxChars: 200, overlapChars: 40 };

Deno.test("splitText - a section within the budget is one chunk", () => {
  deepEqual(splitText("  One short paragraph.  ", settings), ["One short paragraph."]);
  deepEqual(splitText("   ", settings), []);
});

Deno.test("splitText - long sections are cut at paragraphs within the budget, with overlap", () => {
  const paragraphs = Array.from(
    { length: 8 },
    (_, i) => `Paragraph ${i} talks about topic ${i} in a sentence or two of plain words.`,
  );
  const pieces = splitText(paragraphs.join("\n\n"), settings);
  ok(pieces.length > 2);
  for (const p of pieces) ok(p.length <= settings.maxChars, `${p.length}: ${p}`);
  // Every paragraph survives, and each later piece starts with the end of the one before.
  for (const p of paragraphs) ok(pieces.some((piece) => piece.includes(p)), p);
  for (let i = 1; i < pieces.length; i++) {
    const head = pieces[i].split("\n\n")[0];
    ok(pieces[i - 1].endsWith(head), `piece ${i} does not overlap: ${head}`);
  }
});

Deno.test("splitText - a paragraph longer than the budget is cut at sentences, then words", () => {
  const long = "word ".repeat(300).trim() + ". Next sentence.";
  const pieces = splitText(long, settings);
  for (const p of pieces) ok(p.length <= settings.maxChars);
  equal(pieces.join(" ").split(/\s+/).filter((w) => w.startsWith("word")).length >= 300, true);
});

Deno.test("chunkDocument - chunks carry the heading path and deep link", () => {
  const chunks = chunkDocument(
    {
      title: "Guide",
      sections: [
        { headings: [], anchor: "guide", text: "Intro." },
        { headings: ["Setup", "Linux"], anchor: "linux", text: "Run it." },
        { headings: ["Notes"], text: "No anchor here." },
      ],
    },
    "https://x.example/guide#old",
    settings,
  );
  deepEqual(chunks.map((c) => [c.ord, c.headingPath, c.url]), [
    [0, "Guide", "https://x.example/guide#guide"],
    [1, "Guide › Setup › Linux", "https://x.example/guide#linux"],
    [2, "Guide › Notes", "https://x.example/guide#old"],
  ]);
});
