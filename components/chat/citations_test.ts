import { deepEqual, equal } from "node:assert/strict";
import type { Annotation, AssistantMessageContent } from "./client/types.ts";
import {
  citations,
  PLACEHOLDER_BASE,
  safeHref,
  safeIndex,
  stripPlaceholders,
  withPlaceholders,
} from "./citations.ts";

function url(url: string, title: string, index?: number, description?: string): Annotation {
  return {
    type: "annotation",
    source: { type: "url", url, title, ...(description ? { description } : {}) },
    ...(index === undefined ? {} : { index }),
  };
}

function part(text: string, annotations: Annotation[]): AssistantMessageContent {
  return { type: "output_text", text, annotations };
}

/** Shows placeholder k as `{k}`. */
function show(text: string): string {
  return text.replace(/[\uE000-\uF8FF]/g, (c) => `{${c.charCodeAt(0) - PLACEHOLDER_BASE}}`);
}

Deno.test("safeHref - only absolute http and https URLs are links", () => {
  const cases: [unknown, string | undefined][] = [
    ["https://docs.example.com/a#b", "https://docs.example.com/a#b"],
    ["http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"],
    ["HTTPS://Docs.Example.com/", "https://docs.example.com/"],
    ["javascript:alert(1)", undefined],
    [" javascript:alert(1)", undefined],
    ["JaVaScRiPt:alert(1)", undefined],
    ["data:text/html;base64,PHNjcmlwdD4=", undefined],
    ["vbscript:msgbox(1)", undefined],
    ["file:///etc/passwd", undefined],
    ["guide/install.md", undefined],
    ["/guide/install", undefined],
    ["//evil.example/x", undefined],
    ["", undefined],
    [undefined, undefined],
    [42, undefined],
  ];
  for (const [input, expected] of cases) equal(safeHref(input), expected, String(input));
});

Deno.test("citations - numbers each source once, in order of first appearance in the text", () => {
  const text = "Alpha beta. Gamma delta. Epsilon.";
  const a = "https://docs.example.com/a";
  const b = "https://docs.example.com/b";
  // Listed out of text order, and source A cited twice.
  const result = citations([
    part(text, [
      url(b, "B", text.indexOf(". Gamma")),
      url(a, "A", text.indexOf(". Epsilon")),
      url(a, "A", 5),
    ]),
  ]);
  deepEqual(result.footnotes.map((f) => [f.n, f.title, f.href]), [[1, "A", a], [2, "B", b]]);
  deepEqual(result.markers, [
    { index: 5, numbers: [1] },
    { index: text.indexOf(". Gamma"), numbers: [2] },
    { index: text.indexOf(". Epsilon"), numbers: [1] },
  ]);
});

Deno.test("citations - annotations at one index form one marker; sources without an index are listed only", () => {
  const result = citations([
    part("Works.", [
      url("https://x.example/1", "One", 5),
      url("https://x.example/2", "Two", 5, "A snippet"),
      url("https://x.example/1", "One", 5),
      url("https://x.example/3", "Three"),
    ]),
  ]);
  deepEqual(result.markers, [{ index: 5, numbers: [1, 2] }]);
  deepEqual(result.footnotes, [
    { n: 1, title: "One", href: "https://x.example/1" },
    { n: 2, title: "Two", href: "https://x.example/2", description: "A snippet" },
    { n: 3, title: "Three", href: "https://x.example/3" },
  ]);
});

Deno.test("citations - unsafe URLs, files and entities are footnotes without a link", () => {
  const result = citations([
    part("a b c d", [
      url("javascript:alert(document.cookie)", "Evil", 1),
      url("data:text/html,<script>alert(1)</script>", "", 3),
      { type: "annotation", source: { type: "file", title: "", filename: "notes.pdf" }, index: 5 },
      {
        type: "annotation",
        source: { type: "entity", id: "e1", title: "Person", interactive: false, data: {} },
      },
    ]),
  ]);
  deepEqual(result.footnotes, [
    { n: 1, title: "Evil" },
    { n: 2, title: "data:text/html,<script>alert(1)</script>" },
    { n: 3, title: "notes.pdf" },
    { n: 4, title: "Person" },
  ]);
});

Deno.test("citations - indexes of later parts count from the joined text; out-of-range is clamped", () => {
  const result = citations([
    part("First.", [url("https://x.example/1", "One", 5)]),
    part("Second.", [url("https://x.example/2", "Two", 6), url("https://x.example/3", "3", 99)]),
  ]);
  // "First.\n\nSecond." — the second part starts at 8.
  deepEqual(result.markers, [
    { index: 5, numbers: [1] },
    { index: 14, numbers: [2] },
    { index: 15, numbers: [3] },
  ]);
});

Deno.test("withPlaceholders - plain text keeps the markers at their indexes", () => {
  const text = "Reset it from the sign-in screen. The link lasts 30 minutes.";
  const markers = [
    { index: text.indexOf(". The"), numbers: [1] },
    { index: text.length - 1, numbers: [2] },
  ];
  equal(
    show(withPlaceholders(text, markers)),
    "Reset it from the sign-in screen{0}. The link lasts 30 minutes{1}.",
  );
  equal(stripPlaceholders(withPlaceholders(text, markers)), text);
});

Deno.test("withPlaceholders - placeholder characters already in the text cannot pose as markers", () => {
  const text = "icon \uE001 here";
  equal(show(withPlaceholders(text, [{ index: 4, numbers: [1] }])), "icon{0} \uFFFD here");
});

Deno.test("safeIndex - moves markers off Markdown syntax", () => {
  const cases: [string, string, string][] = [
    // [text with | at the raw index, expected text with | at the safe index, why]
    ["**|bold**", "**|bold**", "after an opening run: fine"],
    ["*|*bold**", "**|bold**", "inside a delimiter run: after it"],
    ["~|~gone~~", "~~|gone~~", "inside ~~"],
    ["see ``|`code``` now", "see ```|code``` now", "inside a backtick run"],
    ["word |**bold**", "word| **bold**", "after spaces: at the word before"],
    ["see [docs]|(https://x.example/a) now", "see [docs](https://x.example/a)| now", "link"],
    ["an !|[image](/a.png)", "an ![|image](/a.png)", "image: into the alt text"],
    ["Tom &am|p; Jerry", "Tom &amp;| Jerry", "entity"],
    ["a \\|*star*", "a \\*|star*", "escape"],
    ["|# Heading", "# |Heading", "heading prefix"],
    ["Intro\n|- item", "Intro\n- |item", "list bullet"],
    ["Intro\n|- [ ] task", "Intro\n- [ ] |task", "task box"],
    ["Intro\n|> quoted", "Intro\n> |quoted", "quote"],
    ["Intro\n|1. first", "Intro\n1. |first", "ordered list"],
    ["Title\n==|=", "Title|\n===", "setext underline: end of the title"],
    ["Para\n\n--|-\n\nNext", "Para|\n\n---\n\nNext", "rule"],
    ["Run:\n```sh|\nls\n```", "Run:|\n```sh\nls\n```", "fence opener: the text before"],
    ["|```sh\nls\n```", "```sh\n|ls\n```", "fence opener at the start"],
    ["Run:\n```sh\nls\n```|", "Run:\n```sh\nls|\n```", "closing fence: end of the code"],
    ["Done.\n\n|", "Done.|\n\n", "trailing blank line"],
  ];
  for (const [raw, expected, why] of cases) {
    const index = raw.indexOf("|");
    const text = raw.slice(0, index) + raw.slice(index + 1);
    const at = safeIndex(text, index);
    equal(`${text.slice(0, at)}|${text.slice(at)}`, expected, why);
  }
  // A table's delimiter row: into the header row's last cell.
  const table = "| a | b |\n|-|-|\n| 1 | 2 |";
  equal(table.slice(0, safeIndex(table, table.indexOf("|-|") + 2)), "| a | b");
});

Deno.test("safeIndex - never splits a surrogate pair or a CRLF", () => {
  const text = "a😀b\r\nc";
  equal(safeIndex(text, 2), 3);
  equal(safeIndex(text, 5), 6);
  equal(safeIndex(text, -3), 0);
  equal(safeIndex(text, 1e9), text.length);
  equal(safeIndex(text, Number.NaN), 0);
});
