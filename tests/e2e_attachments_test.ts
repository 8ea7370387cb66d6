/**
 * Attachments in the built-in client, in Chromium against the real server, database and a fake
 * model: attach by the button and by paste, see the upload's progress, send, see the thumbnail
 * (also after a reload); a too-large file shows an error and uploads nothing; axe finds no
 * WCAG 2.1 AA violation in the panel with chips showing.
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest, screenshot } from "./support/browser.ts";
import { gotoOffline, openChat, startChatApp, waitIdle } from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";
import { userParts } from "./support/fake_openai.ts";
import { makeImage } from "./support/files.ts";
import { Buffer } from "node:buffer";
import { axeViolations } from "./support/axe.ts";

function base64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

browserTest(
  "[pglite] attachments - attach by button and paste, progress, send, thumbnail after reload; too large is refused",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"), {
      settings: { limits: { maxAttachmentBytes: 200_000 } },
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const uploads: string[] = [];
      page.on("request", (req) => {
        if (req.url().includes("/chatkit/upload")) uploads.push(req.url());
        if (req.method() === "POST" && (req.postData() ?? "").includes("attachments.create")) {
          uploads.push("create");
        }
      });
      // The first upload's bytes are held until the test has seen its progress.
      let release!: () => void;
      const held = new Promise<void>((resolve) => release = resolve);
      let first = true;
      await page.route("**/chatkit/upload/**", async (route) => {
        if (first) {
          first = false;
          await held;
        }
        await route.continue();
      });

      await gotoOffline(page, chat.app.url);
      await openChat(page);
      await page.waitForSelector(".ck-surface-builtin");

      // By the button: the file chooser.
      const png = await makeImage(120, 80, "image/png");
      const [chooser] = await Promise.all([
        page.waitForEvent("filechooser"),
        page.getByRole("button", { name: "Attach files" }).click(),
      ]);
      await chooser.setFiles({
        name: "chart.png",
        mimeType: "image/png",
        buffer: Buffer.from(png),
      });
      const chip = page.locator(".ck-chip", { hasText: "chart.png" });
      await chip.locator("progress").waitFor();
      equal(await chip.getAttribute("data-status"), "uploading");
      equal(
        await page.getByRole("button", { name: "Send" }).isDisabled(),
        true,
        "cannot send while uploading",
      );
      deepEqual(
        await axeViolations(page, ".ck-panel"),
        [],
        "no WCAG 2.1 AA violation with a chip uploading",
      );
      await screenshot(page, "attachments-uploading");
      release();
      await page.locator(".ck-chip[data-status=done]", { hasText: "chart.png" }).waitFor();

      // By paste: an image on the clipboard, pasted into the message box.
      const pasted = await makeImage(40, 40, "image/png", 0xcc3333ff);
      await page.getByRole("textbox", { name: "Message" }).focus();
      await page.evaluate((b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const data = new DataTransfer();
        data.items.add(new File([bytes], "image.png", { type: "image/png" }));
        const box = document.querySelector(".ck-input")!;
        box.dispatchEvent(
          new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
        );
      }, base64(pasted));
      await page.locator(".ck-chip[data-status=done]", { hasText: "image.png" }).waitFor();

      await page.getByRole("textbox", { name: "Message" }).fill("What do these show?");
      await page.getByRole("button", { name: "Send" }).click();
      await waitIdle(page, 30_000);
      const request = chat.fake.replyRequests().at(-1)!;
      const parts = userParts(request.body).at(-1)!;
      equal(parts.filter((p) => p.kind === "image").length, 2, "both images reached the model");

      // The sent message shows both thumbnails, loaded.
      const thumbs = page.locator(".ck-message-user img.ck-thumb");
      await thumbs.nth(1).waitFor();
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLImageElement>(".ck-message-user img.ck-thumb")]
            .every((img) => img.complete && img.naturalWidth > 0),
        null,
        { timeout: 15_000 },
      );
      equal(await page.locator(".ck-chip").count(), 0, "chips cleared after sending");
      await screenshot(page, "attachments-sent");

      // After a reload the thread comes back with its thumbnails (fresh signed URLs).
      await page.reload();
      await page.waitForSelector("html[data-hydrated=true]");
      await openChat(page);
      await page.locator(".ck-message-user img.ck-thumb").nth(1).waitFor({ timeout: 15_000 });
      await page.waitForFunction(
        () => {
          const imgs = [...document.querySelectorAll<HTMLImageElement>(".ck-message-user img")];
          return imgs.length === 2 && imgs.every((img) => img.complete && img.naturalWidth > 0);
        },
        null,
        { timeout: 15_000 },
      );
      const alt = await page.locator(".ck-message-user img.ck-thumb").first().getAttribute("alt");
      equal(alt, "chart.png");

      // Too large: an error before any upload, nothing sent.
      const before = uploads.length;
      const [again] = await Promise.all([
        page.waitForEvent("filechooser"),
        page.getByRole("button", { name: "Attach files" }).click(),
      ]);
      await again.setFiles({
        name: "huge.txt",
        mimeType: "text/plain",
        buffer: Buffer.alloc(300_000, 97),
      });
      const alert = page.getByRole("alert").filter({ hasText: "huge.txt" });
      await alert.waitFor();
      ok((await alert.innerText()).includes("the limit is"), await alert.innerText());
      equal(await page.locator(".ck-chip").count(), 0, "no chip for the refused file");
      equal(uploads.length, before, "nothing was uploaded");
      deepEqual(
        await axeViolations(page, ".ck-panel"),
        [],
        "no WCAG 2.1 AA violation with the error shown",
      );
      await screenshot(page, "attachments-too-large");
      deepEqual(errors, []);
    } finally {
      await chat.close();
    }
  },
);
