/** The Fresh conventions as a user of the site sees them: pages, islands, assets, errors. */
import { equal, match, ok } from "node:assert/strict";
import { generateManifest } from "../lib/fresh/manifest.ts";
import { ROOT } from "../lib/app.ts";
import { startTestApp } from "./support/app.ts";
import { testDatabase } from "./support/db.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("fresh.gen.ts - matches routes/ and islands/ (run `deno task dev` to regenerate)", async () => {
  const committed = await Deno.readTextFile(`${ROOT}fresh.gen.ts`);
  equal(committed, generateManifest(ROOT));
});

Deno.test({
  name: "[e2e] GET / - renders the site title, marks the island and loads hashed bundles",
  ...options,
  async fn() {
    const app = await startTestApp({
      db: await testDatabase("pglite"),
      settings: { site: { title: "Title </script><b>x</b>" } },
    });
    try {
      const res = await app.fetch("/", { headers: { accept: "text/html" } });
      equal(res.status, 200);
      equal(res.headers.get("content-type"), "text/html; charset=utf-8");
      const html = await res.text();
      ok(html.startsWith("<!DOCTYPE html>"));
      ok(html.includes("<title>Title &lt;/script>&lt;b>x&lt;/b></title>"));
      match(html, /<frsh-island data-island="ChatWidget" data-props="0">/);
      const state = html.match(
        /<script id="__FRSH_STATE" type="application\/json">(.*?)<\/script>/,
      );
      ok(state, "the island state script is present");
      const parsed = JSON.parse(state[1]);
      equal(parsed.props[0].identity.key, "anonymous");
      const main = html.match(/<script type="module" src="(\/_frsh\/js\/main-[A-Z0-9]+\.js)">/);
      ok(main, "the reviver is loaded from a content-hashed URL");
      const bundle = await app.fetch(main[1]);
      equal(bundle.status, 200);
      equal(bundle.headers.get("content-type"), "text/javascript; charset=utf-8");
      equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
      ok((await bundle.text()).includes("__FRSH_STATE"));
      const island = await app.fetch(parsed.islands.ChatWidget);
      equal(island.status, 200);
      await island.body?.cancel();
      const missing = await app.fetch("/_frsh/js/main-NOPE.js");
      equal(missing.status, 404);
      await missing.body?.cancel();
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "[e2e] static files - ETag revalidation, immutable asset() URLs, stale ids redirected",
  ...options,
  async fn() {
    const app = await startTestApp({ db: await testDatabase("pglite") });
    try {
      const html = await (await app.fetch("/")).text();
      const href = html.match(/href="(\/styles\.css\?__frsh_c=[0-9a-f]+)"/)?.[1];
      ok(href, "the stylesheet is linked through asset()");
      const css = await app.fetch(href);
      equal(css.status, 200);
      equal(css.headers.get("content-type"), "text/css; charset=utf-8");
      equal(css.headers.get("cache-control"), "public, max-age=31536000, immutable");
      const etag = css.headers.get("etag");
      ok(etag);
      await css.body?.cancel();
      const again = await app.fetch("/styles.css", { headers: { "if-none-match": etag } });
      equal(again.status, 304);
      const stale = await app.fetch("/styles.css?__frsh_c=old", { redirect: "manual" });
      equal(stale.status, 307);
      equal(stale.headers.get("location"), "/styles.css");
      const escape = await app.fetch("/..%2f..%2fdeno.json");
      equal(escape.status, 404);
      await escape.body?.cancel();
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "[e2e] errors - 404 page for browsers, JSON for others, 405 with Allow",
  ...options,
  async fn() {
    const app = await startTestApp({ db: await testDatabase("pglite") });
    try {
      const page = await app.fetch("/no-such-page", { headers: { accept: "text/html" } });
      equal(page.status, 404);
      match(await page.text(), /Page not found/);
      const json = await app.fetch("/no-such-page");
      equal(json.status, 404);
      equal(json.headers.get("content-type"), "application/json");
      equal((await json.json()).error.code, "not_found");
      const post = await app.fetch("/health", { method: "POST" });
      equal(post.status, 405);
      equal(post.headers.get("allow"), "GET, HEAD");
      equal((await post.json()).error.code, "method_not_allowed");
      ok(post.headers.get("x-request-id"));
    } finally {
      await app.close();
    }
  },
});
