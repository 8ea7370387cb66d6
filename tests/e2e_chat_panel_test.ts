/**
 * The chat widget's launcher and panel in Chromium: keyboard, focus, Escape, backdrop, the
 * full-screen panel on a phone-sized viewport, dark mode, and reduced motion.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest, screenshot } from "./support/browser.ts";
import {
  gotoOffline,
  openChat,
  sendMessage,
  startChatApp,
  waitIdle,
  waitPanelSettled,
} from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";

const focusedLabel = (page: import("playwright-core").Page) =>
  page.evaluate(() =>
    document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.tagName
  );

browserTest(
  "chat panel - keyboard operable, focus managed, Escape and backdrop close it",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await gotoOffline(page, chat.app.url);
      const launcher = page.getByRole("button", { name: "Open chat" });
      equal(await launcher.getAttribute("aria-expanded"), "false");
      await screenshot(page, "chat-launcher");

      // Keyboard: focus the launcher and press Enter.
      await launcher.focus();
      await page.keyboard.press("Enter");
      await page.waitForSelector(".ck-panel[data-open=true]");
      const dialog = page.getByRole("dialog", { name: "Assistant" });
      await dialog.waitFor();
      equal(await dialog.getAttribute("aria-modal"), "true");
      // Focus moved into the panel, onto the message box.
      await page.waitForFunction(() =>
        document.activeElement?.getAttribute("aria-label") === "Message"
      );
      // The launcher (now the panel's second close button) says the panel is expanded. It is
      // picked by its class: the header's close button comes first in the DOM.
      const toggle = page.locator(".ck-launcher");
      equal(await toggle.getAttribute("aria-label"), "Close chat");
      equal(await toggle.getAttribute("aria-expanded"), "true");

      // Tab stays inside the panel.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press("Tab");
        ok(
          await page.evaluate(() => !!document.activeElement?.closest(".ck-panel")),
          `focus left the panel at Tab ${i + 1}: ${await focusedLabel(page)}`,
        );
      }

      // Escape closes and gives focus back to the launcher.
      await page.keyboard.press("Escape");
      await page.waitForSelector(".ck-panel[data-open=false]");
      // The panel's state and the launcher's label may land in separate renders: wait for the
      // focus to settle (bounded), then say where it is if it never reached the launcher.
      await page.waitForFunction(
        () => document.activeElement?.getAttribute("aria-label") === "Open chat",
        undefined,
        { timeout: 5_000 },
      ).catch(() => {});
      equal(await focusedLabel(page), "Open chat", "focus back on the launcher after Escape");
      ok(await page.evaluate(() => (document.querySelector(".ck-panel") as HTMLElement).inert));

      // Space on the launcher opens it again; a click on the backdrop closes it.
      await page.keyboard.press("Space");
      await page.waitForSelector(".ck-panel[data-open=true]");
      await page.mouse.click(200, 600);
      await page.waitForSelector(".ck-panel[data-open=false]");

      // The header's close button too.
      await openChat(page);
      await page.locator(".ck-header").getByRole("button", { name: "Close chat" }).click();
      await page.waitForSelector(".ck-panel[data-open=false]");

      // The panel is about 420×600 on a desktop screen.
      await openChat(page);
      await waitPanelSettled(page);
      const box = await page.locator(".ck-panel").boundingBox();
      ok(
        box && Math.abs(box.width - 420) <= 2 && Math.abs(box.height - 600) <= 2,
        JSON.stringify(box),
      );
      deepEqual(errors, []);
    } finally {
      await chat.close();
    }
  },
);

browserTest("chat panel - full screen at 390×844 (mobile screenshot)", async (browser) => {
  const chat = await startChatApp(await testDatabase("pglite"));
  try {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await gotoOffline(page, chat.app.url);
    await openChat(page);
    await waitPanelSettled(page);
    const box = await page.locator(".ck-panel").boundingBox();
    deepEqual(box, { x: 0, y: 0, width: 390, height: 844 });
    await screenshot(page, "chat-mobile-start");
    chat.fake.enqueue({
      text:
        "Here is a short list:\n\n1. **Fresh** islands\n2. `marked` for Markdown\n3. Streaming over SSE",
      chunkDelayMs: 5,
    });
    await sendMessage(page, "Show me a list");
    await waitIdle(page);
    await page.locator(".ck-markdown ol li").nth(2).waitFor();
    await screenshot(page, "chat-mobile");
    await context.close();
  } finally {
    await chat.close();
  }
});

browserTest("chat panel - dark mode follows the OS (dark screenshot)", async (browser) => {
  const chat = await startChatApp(await testDatabase("pglite"));
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: "dark",
      reducedMotion: "reduce",
    });
    const page = await context.newPage();
    await gotoOffline(page, chat.app.url);
    equal(await page.locator(".ck-root").getAttribute("data-color-scheme"), "dark");
    await openChat(page);
    // Reduced motion: no transition on the panel.
    const duration = await page.evaluate(() =>
      getComputedStyle(document.querySelector(".ck-panel")!).transitionDuration
    );
    ok(duration.split(",").every((d) => parseFloat(d) === 0), duration);
    const background = await page.evaluate(() =>
      getComputedStyle(document.querySelector(".ck-panel")!).backgroundColor
    );
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    ok(r + g + b < 150, `dark panel background: ${background}`);
    chat.fake.enqueue({
      text: "Dark mode works. Here is `code` and a [link](https://example.com).",
    });
    await sendMessage(page, "Hello in the dark");
    await waitIdle(page);
    await screenshot(page, "chat-dark");
    // The OS switching to light switches the widget.
    await page.emulateMedia({ colorScheme: "light" });
    await page.waitForSelector(".ck-root[data-color-scheme=light]", { state: "attached" });
    await context.close();
  } finally {
    await chat.close();
  }
});
