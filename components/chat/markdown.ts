/**
 * Markdown to safe HTML for assistant messages: `marked` (GitHub-flavoured) renders, raw HTML in
 * the source is shown as text (never passed through), and DOMPurify sanitises the result.
 * Links open in a new tab without access to this page.
 * @module
 */
import DOMPurify from "dompurify";
import { Marked } from "marked";

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

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML in a message is displayed literally.
    html: ({ text }) => escapeHtml(text),
  },
});

let hooked = false;

/** Renders Markdown to sanitised HTML (browser only: DOMPurify needs a DOM). */
export function renderMarkdown(source: string): string {
  if (!DOMPurify.isSupported) return escapeHtml(source);
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer nofollow");
      }
    });
  }
  const html = marked.parse(source) as string;
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe"],
    FORBID_ATTR: ["style"],
  });
}
