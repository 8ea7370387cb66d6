/**
 * Markdown and MDX → a parsed document: front matter (`title`, `slug`) read as YAML, MDX's
 * `import`/`export` lines and JSX tags dropped (the text between tags is kept), then the
 * Markdown cut at its headings, each section with its anchor. Text is kept readable: links become
 * their text, code blocks stay as written (people ask about commands).
 * @module
 */
import { lexer, type Token, type Tokens } from "marked";
import { parse as parseYaml } from "yaml";
import { AnchorSet, explicitAnchor } from "./anchors.ts";
import type { ParsedDocument, Section } from "./types.ts";

const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;

/** Front matter fields we use, and the Markdown after it. */
export function splitFrontMatter(source: string): {
  data: { title?: string; slug?: string };
  body: string;
} {
  const match = source.match(FRONT_MATTER);
  if (!match) return { data: {}, body: source };
  let data: unknown;
  try {
    data = parseYaml(match[1]);
  } catch (error) {
    throw new Error(`front matter is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const fields = typeof data === "object" && data !== null ? data as Record<string, unknown> : {};
  return {
    data: {
      title: typeof fields.title === "string" ? fields.title : undefined,
      slug: typeof fields.slug === "string" ? fields.slug : undefined,
    },
    body: source.slice(match[0].length),
  };
}

/**
 * Drops what MDX adds to Markdown: ESM lines, JSX tags (capitalised or namespaced; lower-case
 * HTML is left to the Markdown parser) and `{/* comments *\/}` / `{expressions}` on their own.
 * Fenced code is left alone.
 */
export function stripMdx(body: string): string {
  const out: string[] = [];
  let fence: string | null = null;
  let inEsm = false;
  for (const line of body.split(/\r?\n/)) {
    const marker = line.match(/^\s*(```+|~~~+)/)?.[1];
    if (fence) {
      out.push(line);
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = null;
      continue;
    }
    if (marker) {
      fence = marker;
      out.push(line);
      continue;
    }
    if (inEsm) {
      // A multi-line import/export ends at a line that closes it.
      if (/[;'"`}]\s*$/.test(line) || line.trim() === "") inEsm = false;
      continue;
    }
    if (/^(import|export)\s/.test(line)) {
      inEsm = !/(;|from\s+['"][^'"]+['"])\s*$/.test(line) &&
        !/^export\s+default\s+\w+;?$/.test(line);
      continue;
    }
    out.push(
      line
        .replace(/\{\/\*[\s\S]*?\*\/\}/g, "")
        .replace(/<\/?[A-Z][\w.:-]*(?:\s+[^<>]*?)?\s*\/?>/g, "")
        .replace(/^\s*\{[^{}]*\}\s*$/, ""),
    );
  }
  return out.join("\n");
}

/** Parses Markdown (or MDX when `mdx`), naming the document `fallbackTitle` if it has no title. */
export function parseMarkdown(
  source: string,
  fallbackTitle: string,
  options: { mdx?: boolean } = {},
): ParsedDocument {
  const { data, body } = splitFrontMatter(source);
  const tokens = lexer(options.mdx ? stripMdx(body) : body);
  const anchors = new AnchorSet();
  const sections: Section[] = [];
  const stack: { depth: number; text: string }[] = [];
  let current: Section = { headings: [], text: "" };
  let title = data.title;
  let paragraphs: string[] = [];
  const flush = () => {
    current.text = paragraphs.join("\n\n").trim();
    if (current.text) sections.push(current);
    paragraphs = [];
  };
  for (const token of tokens) {
    if (token.type === "heading") {
      const heading = token as Tokens.Heading;
      const { text: raw, anchor: explicit } = explicitAnchor(inlineText(heading.tokens));
      const text = raw.trim();
      const anchor = explicit ?? anchors.next(text);
      // The first level-1 heading is the page's title (when front matter gave none).
      if (heading.depth === 1 && !sections.length && !stack.length && !paragraphs.length) {
        title ??= text;
        if (title === text) {
          current = { headings: [], anchor, text: "" };
          continue;
        }
      }
      flush();
      while (stack.length && stack[stack.length - 1].depth >= heading.depth) stack.pop();
      stack.push({ depth: heading.depth, text });
      current = { headings: stack.map((h) => h.text), anchor, text: "" };
      continue;
    }
    const text = blockText(token);
    if (text) paragraphs.push(text);
  }
  flush();
  return { title: title ?? fallbackTitle, slug: data.slug, sections };
}

function blockText(token: Token): string {
  switch (token.type) {
    case "paragraph":
    case "text":
      return "tokens" in token && token.tokens ? inlineText(token.tokens) : token.text;
    case "code":
      return "```\n" + (token as Tokens.Code).text + "\n```";
    case "blockquote":
      return (token as Tokens.Blockquote).tokens.map(blockText).filter(Boolean).join("\n\n");
    case "list":
      return (token as Tokens.List).items
        .map((item) => "- " + item.tokens.map(blockText).filter(Boolean).join(" "))
        .join("\n");
    case "table": {
      const table = token as Tokens.Table;
      const row = (cells: Tokens.TableCell[]) => cells.map((c) => inlineText(c.tokens)).join(" | ");
      return [row(table.header), ...table.rows.map(row)].join("\n");
    }
    case "html":
      return htmlToText((token as Tokens.HTML).text);
    default:
      return "";
  }
}

function inlineText(tokens: Token[]): string {
  return tokens.map((t) => {
    if (t.type === "html") return htmlToText(t.raw);
    if (t.type === "br") return "\n";
    if (t.type === "image") return (t as Tokens.Image).text;
    if ("tokens" in t && t.tokens?.length) return inlineText(t.tokens);
    if (t.type === "codespan") return (t as Tokens.Codespan).text;
    return "text" in t ? decodeEntities(String(t.text)) : "";
  }).join("");
}

function htmlToText(html: string): string {
  return decodeEntities(
    html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, "").replace(/<[^>]+>/g, " "),
  ).replace(/\s+/g, " ").trim();
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  "#39": "'",
  nbsp: " ",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, name) => ENTITIES[name]);
}
