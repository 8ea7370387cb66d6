import { deepEqual, equal } from "node:assert/strict";
import { annotate } from "./citations.ts";
import type { Passage } from "./search.ts";

const passage = (n: number, documentId = String(n)): Passage => ({
  chunkId: `c${n}`,
  documentId,
  title: `Doc ${documentId}`,
  headingPath: `Doc ${documentId} › Part ${n}`,
  url: `https://x.example/d${documentId}#p${n}`,
  documentUrl: `https://x.example/d${documentId}`,
  text: `Text of passage ${n}.`,
  score: 1 / n,
});

Deno.test("annotate - markers become annotations at their index, and leave the text", () => {
  const { text, annotations } = annotate(
    "Reset it from the sign-in screen [1]. Codes work once [2][1] — “é” [3, 2]",
    [passage(1), passage(2), passage(3)],
  );
  equal(text, "Reset it from the sign-in screen. Codes work once — “é”");
  deepEqual(annotations.map((a) => [a.index, (a.source as { url: string }).url]), [
    [32, "https://x.example/d1#p1"],
    [49, "https://x.example/d2#p2"],
    [49, "https://x.example/d1#p1"],
    [55, "https://x.example/d3#p3"],
    [55, "https://x.example/d2#p2"],
  ]);
  equal(text.slice(0, 32), "Reset it from the sign-in screen");
  deepEqual(annotations[0].source, {
    type: "url",
    title: "Doc 1 › Part 1",
    url: "https://x.example/d1#p1",
    description: "Text of passage 1.",
  });
});

Deno.test("annotate - code, links and unknown numbers are not citations", () => {
  const input = "Use `arr[1]` or\n```\nx[2]\n```\nsee [1](https://a.example) and [9].";
  const { text, annotations } = annotate(input, [passage(1), passage(2)]);
  equal(text, input);
  // No marker: the sources given become the message's sources, one per document.
  deepEqual(annotations.map((a) => [a.index, a.source.title]), [
    [undefined, "Doc 1 › Part 1"],
    [undefined, "Doc 2 › Part 2"],
  ]);
});

Deno.test("annotate - without markers, one source per document in rank order", () => {
  const { annotations } = annotate("No markers here.", [
    passage(1, "a"),
    passage(2, "b"),
    passage(3, "a"),
  ]);
  deepEqual(annotations.map((a) => a.source.title), ["Doc a › Part 1", "Doc b › Part 2"]);
  deepEqual(annotate("Anything", []).annotations, []);
});
