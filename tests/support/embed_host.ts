/**
 * The other site of the embed's browser tests: a page served from `http://localhost:<port>`
 * while the app runs on `http://127.0.0.1:<port>` — different sites, so every request the embed
 * makes is cross-site and no cookie of the app reaches it (notes/stack.md §9) — with nothing of
 * ours but the script tag, and CSS that tries to break or hide the widget. The browser runs
 * with third-party cookies blocked in its profile as well.
 * @module
 */
import { type BrowserContext, chromium } from "playwright-core";
import { CHROMIUM_PATH } from "./browser.ts";

/** CSS of a hostile host page: hides every button and textarea, and restyles everything. */
export const HOSTILE_CSS = `
  button, textarea { display: none !important; }
  * { font-family: "Comic Sans MS", cursive !important; color: #f0f !important;
      line-height: 4 !important; letter-spacing: 3px !important; }
  div { background: yellow !important; border: 5px dashed red !important; }
  deno-chatkit, deno-chatkit * { display: none !important; visibility: hidden !important; }
  .ck-launcher, .ck-panel, [class^="ck-"] { display: none !important; }
`;

/** A running host site. */
export interface HostSite {
  /** `http://localhost:<port>`. */
  origin: string;
  /** Points the page's script tag at an app (`/embed.js` of that origin) with attributes. */
  setScript(src: string, attributes?: Record<string, string>): void;
  /** The page's URL for a path (any path serves the same page; the title names the path). */
  url(path?: string): string;
  close(): Promise<void>;
}

function escapeAttribute(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
}

/** Starts the host site on loopback, reachable as `localhost`. */
export function startHostSite(): HostSite {
  let script = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/favicon.ico") return new Response(null, { status: 404 });
    const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Host docs: ${escapeAttribute(path)}</title>
<style>${HOSTILE_CSS}</style>
</head>
<body>
<main>
  <h1>Host documentation</h1>
  <p>A page of another site, with only the script tag of the assistant.</p>
  <button type="button" class="ck-launcher" id="host-button">The host's own button</button>
</main>
${script}
</body>
</html>`;
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  });
  const port = (server.addr as Deno.NetAddr).port;
  const origin = `http://localhost:${port}`;
  return {
    origin,
    setScript(src, attributes = {}) {
      const attrs = Object.entries(attributes)
        .map(([k, v]) => ` ${k}="${escapeAttribute(v)}"`).join("");
      script = `<script src="${escapeAttribute(src)}" async${attrs}></script>`;
    },
    url: (path = "/docs/getting-started") => origin + path,
    close: () => server.shutdown(),
  };
}

/**
 * A Chromium profile that blocks third-party cookies (`cookie_controls_mode: 1`), as Safari,
 * Firefox's strict mode and Chrome with that setting do. Close the context when done.
 */
export async function launchWithoutThirdPartyCookies(): Promise<
  { context: BrowserContext; close(): Promise<void> }
> {
  if (!CHROMIUM_PATH) throw new Error("no Chromium");
  const dir = await Deno.makeTempDir({ prefix: "embed-profile-" });
  await Deno.mkdir(`${dir}/Default`, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/Default/Preferences`,
    JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true } }),
  );
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
