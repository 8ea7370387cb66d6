/** The start page in a real browser: rendered on the server, then made interactive. */
import { equal } from "node:assert/strict";
import { startTestApp } from "./support/app.ts";
import { browserTest, screenshot } from "./support/browser.ts";
import { testDatabase } from "./support/db.ts";

browserTest("start page - the chat widget island hydrates and opens on click", async (browser) => {
  const app = await startTestApp({
    db: await testDatabase("pglite"),
    settings: { chatkit: { builtInClient: "always" } },
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(app.url);
    equal(await page.locator("h1").textContent(), "deno-chatkit");
    // Server-rendered: the launcher is in the HTML before any script ran.
    equal(await page.locator("frsh-island[data-island=ChatWidget] .ck-launcher").count(), 1);
    await page.waitForSelector("html[data-hydrated=true]", { timeout: 15_000 });
    // Only a hydrated island reacts: the click opens the panel.
    await page.getByRole("button", { name: "Open chat" }).click();
    await page.getByRole("dialog", { name: "Assistant" }).waitFor();
    equal(await page.locator(".ck-panel").getAttribute("data-open"), "true");
    await screenshot(page, "start-page");
    equal(errors.length, 0, errors.join("\n"));
  } finally {
    await app.close();
  }
});
