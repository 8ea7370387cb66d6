/**
 * HTML → a parsed document: the main content only (`<main>`, `<article>` or `[role=main]`, else
 * the body), without navigation, scripts, styles, forms or hidden parts, cut at its headings.
 * Anchors are the headings' own `id`s (or of an `<a id|name>` inside them); a heading without
 * one links to the page.
 * @module
 */
import { parseHTML } from "linkedom";
import type { ParsedDocument, Section } from "./types.ts";

const DROP = "script, style, noscript, template, nav, aside, form, svg, iframe, button, " +
  "dialog, [hidden], [aria-hidden='true'], [role='navigation'], [role='banner'], " +
  "[role='contentinfo']";
const BLOCK = new Set([
  "p",
  "div",
  "section",
  "article",
  "main",
  "ul",
  "ol",
  "li",
  "dl",
  "dt",
  "dd",
  "table",
  "tr",
  "blockquote",
  "figure",
  "figcaption",
  "header",
  "footer",
  "details",
  "summary",
  "hr",
  "br",
  "address",
]);
const HEADING = /^h([1-6])$/;

// deno-lint-ignore no-explicit-any
type Node = any;

/** Parses an HTML page, naming it `fallbackTitle` when it has neither `<title>` nor `<h1>`. */
export function parseHtml(html: string, fallbackTitle: string): ParsedDocument {
  // linkedom needs the <html> element to find <body> (fragments and bare <body> lose it).
  const wrapped = /<body[\s>]/i.test(html) ? html : `<body>${html}</body>`;
  const { document } = parseHTML(/<html[\s>]/i.test(wrapped) ? wrapped : `<html>${wrapped}</html>`);
  const root: Node = document.querySelector("main, [role='main']") ??
    document.querySelector("article") ?? document.body ?? document.documentElement;
  for (const el of [...root.querySelectorAll(DROP)]) el.remove();
  // Page-wide header and footer (site chrome) go; those inside the main content stay.
  if (root === document.body) {
    for (const el of [...root.querySelectorAll(":scope > header, :scope > footer")]) el.remove();
  }
  const h1 = root.querySelector("h1");
  const title = clean(
    document.querySelector("meta[property='og:title']")?.getAttribute("content") ??
      document.querySelector("title")?.textContent ?? h1?.textContent ?? "",
  ) || fallbackTitle;

  const sections: Section[] = [];
  const stack: { depth: number; text: string }[] = [];
  let current: Section = { headings: [], text: "" };
  let paragraphs: string[] = [];
  let line = "";
  const endLine = () => {
    const text = clean(line);
    if (text) paragraphs.push(text);
    line = "";
  };
  const flush = () => {
    endLine();
    current.text = paragraphs.join("\n\n");
    if (current.text) sections.push(current);
    paragraphs = [];
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      line += node.textContent;
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = node.tagName.toLowerCase();
    const level = tag.match(HEADING);
    if (level) {
      const depth = Number(level[1]);
      const text = clean(node.textContent);
      if (!text) return;
      flush();
      const anchor = node.getAttribute("id") ??
        node.querySelector("[id], a[name]")?.getAttribute("id") ??
        node.querySelector("a[name]")?.getAttribute("name") ?? undefined;
      // The page's own h1 (the title) is not a section heading.
      if (depth === 1 && node === h1 && text === title) {
        current = { headings: [], anchor, text: "" };
        return;
      }
      while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
      stack.push({ depth, text });
      current = { headings: stack.map((h) => h.text), anchor, text: "" };
      return;
    }
    if (tag === "pre") {
      endLine();
      const code = String(node.textContent).replace(/\s+$/, "");
      if (code.trim()) paragraphs.push("```\n" + code + "\n```");
      return;
    }
    const block = BLOCK.has(tag);
    if (block) endLine();
    if (tag === "td" || tag === "th") line += " | ";
    for (const child of node.childNodes) walk(child);
    if (block) endLine();
  };
  walk(root);
  flush();
  return { title, sections };
}

function clean(text: string): string {
  return text.replace(/\s+/g, " ").replace(/^( ?\| ?)+/, "").trim();
}
