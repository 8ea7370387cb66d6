/**
 * Server rendering of a page inside `_app`, with the island boot scripts appended.
 * @module
 */
import type { ComponentType } from "preact";
import { renderToString } from "preact-render-to-string";
import { collectIslands, serializeForScript, STATE_ELEMENT_ID } from "./islands.ts";
import type { PageProps } from "./types.ts";

/** URLs of the built client code. */
export interface ClientAssets {
  /** The reviver entry. */
  main: string;
  /** Island name → chunk URL. */
  islands: Record<string, string>;
  /** Shared chunks to preload. */
  chunks: string[];
  /** Stand-alone script name → URL (see `BuildOptions.scripts`). */
  scripts?: Record<string, string>;
}

export interface RenderPageOptions {
  // deno-lint-ignore no-explicit-any
  app?: ComponentType<PageProps<any, any>>;
  // deno-lint-ignore no-explicit-any
  page: ComponentType<PageProps<any, any>>;
  // deno-lint-ignore no-explicit-any
  props: Omit<PageProps<any, any>, "Component">;
  assets: ClientAssets;
}

/**
 * Renders a page to a complete HTML document. Islands met during the render are marked, their
 * props serialised into one JSON script, and the reviver is loaded as a module script (no
 * inline JavaScript, so a strict `script-src 'self'` CSP works).
 */
export function renderPage({ app: App, page: Page, props, assets }: RenderPageOptions): string {
  const Component = () => <Page {...props} Component={() => null} />;
  const { result: body, islands } = collectIslands(() =>
    renderToString(
      App ? <App {...props} Component={Component} /> : <Component />,
    )
  );
  let html = body.startsWith("<html") ? `<!DOCTYPE html>${body}` : body;
  if (islands.length > 0) html = insertBeforeBodyEnd(html, bootScripts(islands, assets));
  return html;
}

function bootScripts(islands: [string, unknown][], assets: ClientAssets): string {
  const used = [...new Set(islands.map(([name]) => name))];
  const state = {
    islands: Object.fromEntries(used.map((name) => [name, assets.islands[name]])),
    props: islands.map(([, props]) => props),
  };
  const preloads = [...assets.chunks, ...used.map((name) => assets.islands[name])]
    .filter(Boolean)
    .map((href) => `<link rel="modulepreload" href="${href}">`)
    .join("");
  return `<script id="${STATE_ELEMENT_ID}" type="application/json">${
    serializeForScript(state)
  }</script>${preloads}<script type="module" src="${assets.main}"></script>`;
}

function insertBeforeBodyEnd(html: string, snippet: string): string {
  const at = html.lastIndexOf("</body>");
  return at === -1 ? html + snippet : html.slice(0, at) + snippet + html.slice(at);
}
