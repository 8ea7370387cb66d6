/**
 * Public URLs for citations. A page's own URL for URL sources. For files: the folder's
 * `baseUrl` from `fresh.config.ts` joined with the file's path without its extension
 * (`guide/install.md` → `<base>/guide/install`, `guide/index.md` or `index.html` →
 * `<base>/guide/`; other files keep their names), or with the
 * front matter `slug` (`/x` from the base, `x` beside the file); without a base URL, the file's
 * path relative to its source.
 * @module
 */

/** The public URL of the file at `relPath` inside a source published at `baseUrl`. */
export function fileUrl(relPath: string, baseUrl: string | undefined, slug?: string): string {
  const path = relPath.split(/[\\/]+/).join("/");
  if (!baseUrl) return path;
  const base = baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`;
  const folder = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  let page: string;
  if (slug) {
    page = slug.startsWith("/") ? slug.slice(1) : folder + slug;
  } else {
    // Markdown is published as pages without the extension; other files keep their names.
    const bare = path.replace(/\.(md|mdx|markdown)$/i, "");
    page = bare.replace(/(^|\/)(index|readme)(\.html?)?$/i, "$1");
  }
  return new URL(page.split("/").map(encodeURIComponent).join("/"), base).toString();
}

/** A URL without its fragment (what identifies a page). */
export function pageKey(url: string): string {
  try {
    const u = new URL(url);
    u.hash = "";
    return u.toString();
  } catch {
    return url.replace(/#.*$/, "");
  }
}
