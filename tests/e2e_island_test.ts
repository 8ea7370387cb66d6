/** The start page in a real browser: rendered on the server, then made interactive. */
import { equal } from "node:assert/strict";
import { startTestApp } from "./support/app.ts";
import { browserTest, screenshot } from "./support/browser.ts";
import { testDatabase } from "./support/db.ts";

browserTest("start page - the island hydrates and responds to clicks", async (browser) => {
  const app = await startTestApp({ db: await testDatabase("pglite") });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(app.url);
    equal(await page.locator("h1").textContent(), "deno-chatkit");
    await page.waitForSelector("html[data-hydrated=true]", { timeout: 15_000 });
    await page.getByRole("button", { name: "Click me" }).click();
    await page.getByRole("button", { name: "Clicked 1 time" }).click();
    equal(await page.locator(".counter button").textContent(), "Clicked 2 times");
    await screenshot(page, "start-page");
    equal(errors.length, 0, errors.join("\n"));
  } finally {
    await app.close();
  }
});
