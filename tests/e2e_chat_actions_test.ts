/**
 * The built-in client's message actions in Chromium against the real server and a fake model:
 * feedback, retry, error events with a retry button, and safe Markdown.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest, screenshot } from "./support/browser.ts";
import {
  gotoOffline,
  lastAnswer,
  openChat,
  sendMessage,
  startChatApp,
  waitIdle,
} from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";
import { waitUntil } from "./support/wait.ts";

browserTest("chat actions - thumbs feedback is stored and retry answers again", async (browser) => {
  const db = await testDatabase("pglite");
  const chat = await startChatApp(db);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const requests: { type: string; params: Record<string, unknown> }[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/chatkit")) requests.push(JSON.parse(request.postData()!));
    });
    await gotoOffline(page, chat.app.url);
    await openChat(page);
    chat.fake.enqueue({ text: "First answer." });
    await sendMessage(page, "Tell me something");
    await waitIdle(page);
    equal(await lastAnswer(page), "First answer.");

    // Thumbs up: items.feedback with the assistant item's id, stored by the server.
    const itemId = await page.locator(".ck-message-assistant").last().getAttribute("data-item-id");
    await page.getByRole("button", { name: "Good response" }).click();
    await page.getByText("Thanks for the feedback").waitFor();
    equal(
      await page.getByRole("button", { name: "Good response" }).getAttribute("aria-pressed"),
      "true",
    );
    const feedback = requests.find((r) => r.type === "items.feedback")!;
    deepEqual(feedback.params.item_ids, [itemId]);
    equal(feedback.params.kind, "positive");
    const rows = await db.sql`select kind from item_feedback where item_id = ${itemId!}`;
    deepEqual(rows.map((r) => r.kind), ["positive"]);

    // Retry: threads.retry_after_item with the user message; the old answer is replaced.
    const userId = await page.locator(".ck-message-user").last().getAttribute("data-item-id");
    chat.fake.enqueue({ text: "Second, better answer.", chunkDelayMs: 20 });
    await page.getByRole("button", { name: "Retry" }).click();
    await waitIdle(page);
    await page.locator(".ck-markdown", { hasText: "Second, better answer." }).waitFor();
    equal(await page.locator(".ck-message-assistant").count(), 1);
    const retry = requests.find((r) => r.type === "threads.retry_after_item")!;
    equal(retry.params.item_id, userId);
    // After a reload only the new answer is there.
    await page.reload();
    await page.waitForSelector("html[data-hydrated=true]");
    await openChat(page);
    await page.locator(".ck-markdown", { hasText: "Second, better answer." }).waitFor();
    equal(await page.locator(".ck-message-assistant").count(), 1);
    deepEqual(
      [...new Set(requests.map((r) => r.type))].sort(),
      [
        "items.feedback",
        "threads.create",
        "threads.get_by_id",
        "threads.retry_after_item",
      ],
    );
  } finally {
    await chat.close();
  }
});

browserTest(
  "chat actions - an error event shows a retry button that answers again",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await gotoOffline(page, chat.app.url);
      await openChat(page);
      // The provider breaks off mid-answer: the server sends an error event with allow_retry.
      chat.fake.enqueue({
        text: "This answer will break off here and never end",
        dropAfterChunks: 3,
      });
      await sendMessage(page, "Please answer");
      const alert = page.getByRole("alert");
      await alert.waitFor({ timeout: 15_000 });
      await waitIdle(page);
      await screenshot(page, "chat-error");
      chat.fake.enqueue({ text: "Recovered answer." });
      await alert.getByRole("button", { name: "Retry" }).click();
      await page.locator(".ck-markdown", { hasText: "Recovered answer." }).waitFor({
        timeout: 15_000,
      });
      await waitIdle(page);
      equal(await page.getByRole("alert").count(), 0);
      equal(await lastAnswer(page), "Recovered answer.");
    } finally {
      await chat.close();
    }
  },
);

browserTest(
  "chat actions - Markdown is rendered, raw HTML and scripts are not",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const dialogs: string[] = [];
      page.on("dialog", (dialog) => {
        dialogs.push(dialog.message());
        dialog.dismiss();
      });
      await gotoOffline(page, chat.app.url);
      await openChat(page);
      chat.fake.enqueue({
        text: [
          "# Title",
          "Some **bold**, a [safe link](https://example.com) and [bad](javascript:alert(1)).",
          "",
          '<img src=x onerror="alert(1)"> <script>alert(2)</script>',
          "",
          "| a | b |",
          "|---|---|",
          "| 1 | 2 |",
          "",
          "```js",
          "console.log('<b>hi</b>')",
          "```",
        ].join("\n"),
      });
      await sendMessage(page, "Markdown please");
      await waitIdle(page);
      const body = page.locator(".ck-message-assistant .ck-markdown").last();
      await body.locator("strong", { hasText: "bold" }).waitFor();
      equal(await body.locator("table td").count(), 2);
      equal((await body.locator("pre code").innerText()).trim(), "console.log('<b>hi</b>')");
      equal(await body.locator("img, script, b").count(), 0);
      const safe = body.getByRole("link", { name: "safe link" });
      equal(await safe.getAttribute("target"), "_blank");
      ok((await safe.getAttribute("rel"))?.includes("noopener"));
      // The javascript: link is not a live link.
      equal(await body.locator('a[href^="javascript"]').count(), 0);
      ok((await body.innerText()).includes("bad"));
      // The raw HTML is visible as text.
      ok((await body.innerText()).includes('<img src=x onerror="alert(1)">'));
      // No element that could run script was inserted (img/script counted above). As a positive
      // control, a dialog raised now is seen: the listener works, and anything the rendered
      // Markdown had queued before it would have been seen first.
      await page.evaluate(() => setTimeout(() => alert("control")));
      await waitUntil(() => dialogs.includes("control"), "the control dialog was seen");
      deepEqual(dialogs, ["control"]);
    } finally {
      await chat.close();
    }
  },
);
