/**
 * The assistant on another site through `/embed.js`, in Chromium with third-party cookies
 * blocked: the host page (http://localhost:<p>) has only the script tag and hostile CSS; the app
 * is on http://127.0.0.1:<p>, another site.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { CHROMIUM_MISSING_REASON, CHROMIUM_PATH, screenshot } from "./support/browser.ts";
import { startChatApp } from "./support/chat_widget.ts";
import { blockChatKit } from "./support/chatkit_stub.ts";
import { testDatabase } from "./support/db.ts";
import { launchWithoutThirdPartyCookies, startHostSite } from "./support/embed_host.ts";
import { SCRIPT_URL } from "./support/chat_widget.ts";

function embedTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `[browser] embed - ${name}${
      CHROMIUM_PATH ? "" : ` (ignored: ${CHROMIUM_MISSING_REASON})`
    }`,
    ignore: !CHROMIUM_PATH,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

/** Waits for the embed's launcher (inside its shadow root: Playwright's locators pierce it). */
async function launcher(page: Page) {
  const button = page.locator("deno-chatkit").getByRole("button", { name: "Open chat" });
  await button.waitFor({ state: "visible", timeout: 15_000 });
  return button;
}

embedTest("hostile host CSS neither hides the launcher nor receives our styles", async () => {
  const host = startHostSite();
  const chat = await startChatApp(await testDatabase("pglite"), {
    env: { ALLOWED_ORIGINS: host.origin },
  });
  const browser = await launchWithoutThirdPartyCookies();
  try {
    host.setScript(`${chat.app.url}/embed.js`, {
      "data-greeting": "Ask me about these docs",
      "data-position": "left",
      "data-accent": "#117a3e",
    });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await blockChatKit(page, SCRIPT_URL);
    await page.goto(host.url());
    const button = await launcher(page);
    const box = await button.boundingBox();
    ok(box && box.width >= 40 && box.height >= 40, `launcher has its size: ${JSON.stringify(box)}`);
    ok(box.x < 200, `data-position=left puts it on the left: x=${box.x}`);
    const look = await button.evaluate((el) => {
      const style = getComputedStyle(el);
      return { display: style.display, font: style.fontFamily, background: style.backgroundColor };
    });
    ok(look.display !== "none", `displayed: ${JSON.stringify(look)}`);
    equal(look.background, "rgb(17, 122, 62)", "data-accent colours the launcher");
    // Our rules do not reach the host's own element of the same class.
    const hostButton = await page.locator("#host-button").evaluate((el) =>
      getComputedStyle(el).position
    );
    equal(hostButton, "static");

    await button.click();
    await page.locator("deno-chatkit .ck-panel[data-open=true]").waitFor();
    await page.locator("deno-chatkit").getByText("Ask me about these docs").waitFor();
    const composer = page.locator("deno-chatkit").getByRole("textbox", { name: "Message" });
    await composer.waitFor({ state: "visible" });
    const font = await composer.evaluate((el) => getComputedStyle(el).fontFamily);
    ok(!font.includes("Comic"), `host fonts do not leak in: ${font}`);
    await screenshot(page, "embed-hostile-host");
    // The embed script and its bundle are loadable by other sites.
    const script = await fetch(`${chat.app.url}/embed.js`);
    equal(script.headers.get("cross-origin-resource-policy"), "cross-origin");
    ok(/max-age=\d{1,4}\b/.test(script.headers.get("cache-control") ?? ""), "short cache");
    const bundleUrl = (await script.text()).match(/"bundle":"([^"]+)"/)?.[1];
    ok(bundleUrl, "the loader names its bundle");
    const bundle = await fetch(new URL(bundleUrl, chat.app.url));
    await bundle.body?.cancel();
    equal(bundle.status, 200);
    ok(bundle.headers.get("cache-control")?.includes("immutable"));
    equal(bundle.headers.get("cross-origin-resource-policy"), "cross-origin");
    deepEqual(errors, []);
  } finally {
    await browser.close();
    await chat.close();
    await host.close();
  }
});

embedTest("a site not in ALLOWED_ORIGINS is told so; no thread, no model call", async () => {
  const host = startHostSite();
  const db = await testDatabase("pglite");
  const chat = await startChatApp(db, { env: { ALLOWED_ORIGINS: "https://docs.example.com" } });
  const browser = await launchWithoutThirdPartyCookies();
  try {
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from threads`;
    host.setScript(`${chat.app.url}/embed.js`);
    const page = await browser.context.newPage();
    await blockChatKit(page, SCRIPT_URL);
    const chatkitCalls: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/chatkit")) chatkitCalls.push(r.url());
    });
    await page.goto(host.url());
    await (await launcher(page)).click();
    const alert = page.locator("deno-chatkit").getByRole("alert");
    await alert.waitFor({ timeout: 10_000 });
    const text = await alert.innerText();
    ok(text.includes("Not available on this site"), text);
    ok(text.includes(host.origin), text);
    await screenshot(page, "embed-refused");
    deepEqual(chatkitCalls, [], "the widget never calls /chatkit");
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from threads`;
    equal(after.n, before.n, "no thread was created");
    equal(chat.fake.requests.length, 0, "no model call");
  } finally {
    await browser.close();
    await chat.close();
    await host.close();
  }
});
