/**
 * The host page a message comes from, read from an embed's request headers. Only an embed on
 * an allowed origin sends it, and only a page of that same origin counts: the URL is what the
 * assistant (and the knowledge retrieval) is told, so another site's URL is never taken.
 * @module
 */
import {
  PAGE_TITLE_HEADER,
  PAGE_URL_HEADER,
  type PageContext,
  pageTitle,
  pageUrl,
} from "./protocol.ts";

export type { PageContext } from "./protocol.ts";

/** The page context of a request from `origin` (the embed's verified origin), if it sent one. */
export function readPageContext(req: Request, origin: string | undefined): PageContext | undefined {
  const rawUrl = req.headers.get(PAGE_URL_HEADER);
  if (!rawUrl || !origin) return undefined;
  const url = pageUrl(rawUrl);
  if (!url || new URL(url).origin !== origin) return undefined;
  const context: PageContext = { url };
  const rawTitle = req.headers.get(PAGE_TITLE_HEADER);
  if (rawTitle) {
    let decoded = rawTitle;
    try {
      decoded = decodeURIComponent(rawTitle);
    } catch { /* keep the raw text */ }
    const title = pageTitle(decoded);
    if (title) context.title = title;
  }
  return context;
}

/**
 * The line the assistant reads with a message sent from a page (in the message's model input,
 * like a quote). The title is the host's text: it is quoted, as data.
 */
export function pageContextNote(page: PageContext): string {
  const title = page.title ? ` titled ${JSON.stringify(page.title)}` : "";
  return `(Sent from the web page ${page.url}${title})`;
}
