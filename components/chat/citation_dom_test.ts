/**
 * The markers through the real Markdown renderer (marked) into a DOM (linkedom: DOMPurify needs
 * a browser, so the sanitising step is covered by the browser test instead).
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { parseHTML } from "linkedom";
import { insertMarkers } from "./citation_dom.ts";
import { citations, withPlaceholders } from "./citations.ts";
import type { Annotation } from "./client/types.ts";
import { markdownToUnsafeHtml } from "./markdown.ts";

const A = "https://docs.example.com/a#intro";
const B = "https://docs.example.com/b";

function cite(url: string, title: string, index?: number): Annotation {
  return {
    type: "annotation",
    source: { type: "url", url, title },
    ...(index === undefined ? {} : { index }),
  };
}

/** Renders `text` with annotations as the client does; returns the message element. */
function render(text: string, annotations: Annotation[]): Element {
  const result = citations([{ type: "output_text", text, annotations }]);
  const html = markdownToUnsafeHtml(withPlaceholders(text, result.markers));
  const { document } = parseHTML(`<!doctype html><html><body><div id="m">${html}</div></body>`);
  const root = document.getElementById("m")!;
  insertMarkers(root, result.markers, result.footnotes);
  return root;
}

/** The marker links as [text, href, accessible name]. */
function links(root: Element): string[][] {
  return Array.from(root.querySelectorAll("sup.ck-cite a")).map((a) => [
    a.textContent ?? "",
    a.getAttribute("href") ?? "",
    a.getAttribute("aria-label") ?? "",
  ]);
}

function noPlaceholders(root: Element) {
  ok(!/[\uE000-\uF8FF]/.test(root.outerHTML), root.outerHTML);
  ok(!/%EE%8|%EF%[89AB]/i.test(root.outerHTML), root.outerHTML);
}

Deno.test("insertMarkers - superscript links at the annotations' places, numbered per source", () => {
  const text = "Reset it from the sign-in screen. The link lasts 30 minutes.";
  const root = render(text, [
    cite(A, "Reset", text.indexOf(". The")),
    cite(B, "Links", text.length - 1),
    cite(A, "Reset", text.length - 1),
  ]);
  equal(
    root.textContent?.trim(),
    "Reset it from the sign-in screen1. The link lasts 30 minutes2,1.",
  );
  deepEqual(links(root), [
    ["1", A, "Source 1: Reset"],
    ["2", B, "Source 2: Links"],
    ["1", A, "Source 1: Reset"],
  ]);
  const first = root.querySelector("sup.ck-cite a")!;
  equal(first.getAttribute("target"), "_blank");
  equal(first.getAttribute("rel"), "noopener noreferrer");
  // Grouped sources are separated visibly, and the separator is not read out.
  equal(
    root.querySelectorAll("sup.ck-cite")[1].querySelector("span")?.getAttribute("aria-hidden"),
    "true",
  );
  noPlaceholders(root);
});

Deno.test("insertMarkers - a marker inside a code span or block goes after the code, which stays intact", () => {
  const text = "Run `deno task ingest docs/` now.\n\n```sh\ndeno task dev\n```\n\nDone.";
  const root = render(text, [
    cite(A, "Ingest", text.indexOf("ingest docs")),
    cite(B, "Dev", text.indexOf("task dev")),
  ]);
  equal(root.querySelector("p code")?.textContent, "deno task ingest docs/");
  equal(root.querySelector("pre code")?.textContent, "deno task dev\n");
  equal(root.querySelector("p code")?.nextSibling?.nodeName, "SUP");
  equal(root.querySelector("pre")?.nextSibling?.nodeName, "SUP");
  equal(root.querySelectorAll("code sup").length, 0);
  deepEqual(links(root).map((l) => l[0]), ["1", "2"]);
  noPlaceholders(root);
});

Deno.test("insertMarkers - markers between Markdown syntax leave emphasis, headings, lists and tables working", () => {
  const text =
    "# Title\n\n**Bold** and _em_ text.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |";
  const at = (s: string, d = 0) => text.indexOf(s) + d;
  const root = render(text, [
    cite(A, "T", 0),
    cite(B, "Bold", at("**Bold**", 1)),
    cite("https://x.example/em", "Em", at(" _em_", 1)),
    cite("https://x.example/li", "Li", at("- two")),
    cite("https://x.example/tb", "Tb", at("|---|", 2)),
  ]);
  equal(root.querySelector("h1")?.textContent, "1Title");
  equal(root.querySelector("strong")?.textContent, "2Bold");
  equal(root.querySelector("em")?.textContent, "em");
  deepEqual(Array.from(root.querySelectorAll("li"), (li) => li.textContent), ["one", "4two"]);
  equal(root.querySelectorAll("table td").length, 2);
  deepEqual(Array.from(root.querySelectorAll("th"), (th) => th.textContent), ["a", "b5"]);
  equal(links(root).length, 5);
  noPlaceholders(root);
});

Deno.test("insertMarkers - never inside a link: after a link's text, an autolink or a link's URL", () => {
  const text =
    "See [the docs](https://x.example/d) or https://x.example/auto and ![pic](/a.png) end";
  const root = render(text, [
    cite(A, "In text", text.indexOf("docs]")),
    cite(B, "Auto", text.indexOf(" and")),
    cite("https://x.example/img", "Img", text.indexOf(".png")),
  ]);
  equal(root.querySelectorAll("a a").length, 0);
  const hrefs = Array.from(
    root.querySelectorAll("a:not(.ck-cite-link)"),
    (a) => a.getAttribute("href"),
  );
  deepEqual(hrefs, ["https://x.example/d", "https://x.example/auto", "/a.png"]);
  for (const a of root.querySelectorAll("a:not(.ck-cite-link)")) {
    equal(a.nextSibling?.nodeName, "SUP", a.outerHTML);
  }
  noPlaceholders(root);
});

Deno.test("insertMarkers - an unsafe URL's marker is plain text with its name for screen readers", () => {
  const text = "Click nothing.";
  const root = render(text, [cite("javascript:alert(1)", "<b>Evil</b>", 13)]);
  equal(root.querySelectorAll("a").length, 0);
  const marker = root.querySelector("sup.ck-cite .ck-cite-plain")!;
  equal(marker.querySelector(".ck-sr-only")?.textContent, "Source 1: <b>Evil</b>");
  equal(root.querySelectorAll("b").length, 0, "a title is text, never markup");
  noPlaceholders(root);
});

Deno.test("insertMarkers - sources without an index get no marker", () => {
  const root = render("Plain answer.", [cite(A, "A"), cite(B, "B")]);
  equal(root.querySelectorAll("sup").length, 0);
  equal(root.textContent?.trim(), "Plain answer.");
});
