/**
 * The built-in client's history in Chromium against the real server: paging, opening a thread,
 * rename and delete; and a visitor's conversation surviving sign-up.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { browserTest, screenshot } from "./support/browser.ts";
import {
  gotoOffline,
  lastAnswer,
  openChat,
  sendMessage,
  signUp,
  startChatApp,
  waitIdle,
} from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";

browserTest("chat history - pages, opens, renames and deletes threads", async (browser) => {
  const chat = await startChatApp(await testDatabase("pglite"));
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await gotoOffline(page, chat.app.url);
    // 22 threads made through the same endpoint, as this visitor (more than one page of 20).
    await page.evaluate(async () => {
      for (let i = 1; i <= 22; i++) {
        const response = await fetch("/chatkit", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            type: "threads.create",
            params: {
              input: {
                content: [{ type: "input_text", text: `Topic number ${i}` }],
                attachments: [],
                inference_options: {},
              },
            },
          }),
        });
        await response.text();
      }
    });
    await openChat(page);
    await page.getByRole("button", { name: "Chat history" }).click();
    const rows = page.locator(".ck-history-row");
    await rows.first().waitFor();
    equal(await rows.count(), 20);
    equal((await rows.first().innerText()).split("\n")[0], "Topic number 22");
    await page.getByRole("button", { name: "Show more" }).click();
    await page.waitForFunction(() => document.querySelectorAll(".ck-history-row").length === 22);
    equal(await page.getByRole("button", { name: "Show more" }).count(), 0);
    await screenshot(page, "chat-history");

    // Open one: its messages are shown and it is remembered.
    await page.locator(".ck-history-open", { hasText: "Topic number 7" }).click();
    await page.locator(".ck-message-user .ck-bubble", { hasText: "Topic number 7" }).waitFor();
    equal(await lastAnswer(page), "You said: Topic number 7");
    equal(await page.locator(".ck-header-title").innerText(), "Topic number 7");
    const opened = await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous"));

    // Rename it from the history list.
    await page.getByRole("button", { name: "Chat history" }).click();
    await page.getByRole("button", { name: "Rename “Topic number 7”" }).click();
    const input = page.getByRole("textbox", { name: "Chat title" });
    await input.fill("Renamed seventh");
    await input.press("Enter");
    await page.locator(".ck-history-title", { hasText: "Renamed seventh" }).waitFor();
    // Escape in the rename box cancels the edit and leaves the panel open.
    await page.getByRole("button", { name: "Rename “Topic number 8”" }).click();
    await page.getByRole("textbox", { name: "Chat title" }).press("Escape");
    equal(await page.locator(".ck-panel").getAttribute("data-open"), "true");
    equal(await page.getByRole("textbox", { name: "Chat title" }).count(), 0);

    // Delete the open thread: it leaves the list and the widget starts a new chat.
    const before = await rows.count();
    await page.getByRole("button", { name: "Delete “Renamed seventh”" }).click();
    await page.getByText("Delete “Renamed seventh”?").waitFor();
    await page.locator(".ck-history-row[data-confirm=true]").getByRole("button", { name: "Delete" })
      .click();
    await page.waitForFunction(
      (n) => document.querySelectorAll(".ck-history-row").length === n,
      before - 1,
    );
    equal(await page.locator(".ck-history-title", { hasText: "Renamed seventh" }).count(), 0);
    equal(await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous")), null);

    // The server agrees: the rename stuck and the deleted thread is gone.
    const titles = await page.evaluate(async () => {
      const response = await fetch("/chatkit", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: "threads.list", params: { limit: 50 } }),
      });
      return ((await response.json()).data as { title?: string; id: string }[]);
    });
    equal(titles.length, 21);
    ok(!titles.some((t) => t.id === opened));
    ok(!titles.some((t) => t.title === "Renamed seventh"));

    // Back in the chat view: the start screen of a new chat.
    await page.getByRole("button", { name: "Back to chat" }).click();
    await page.getByText("How can I help you today?").waitFor();
    deepEqual(errors, []);
  } finally {
    await chat.close();
  }
});

browserTest("chat history - rename a thread that is open updates the header", async (browser) => {
  const chat = await startChatApp(await testDatabase("pglite"));
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await gotoOffline(page, chat.app.url);
    await openChat(page);
    await sendMessage(page, "Plan a trip");
    await waitIdle(page);
    await page.locator(".ck-header-title", { hasText: "Plan a trip" }).waitFor();
    const requests: string[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/chatkit")) requests.push(JSON.parse(request.postData()!).type);
    });
    await page.getByRole("button", { name: "Chat history" }).click();
    await page.getByRole("button", { name: "Rename “Plan a trip”" }).click();
    await page.getByRole("textbox", { name: "Chat title" }).fill("Trip to Lisbon");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator(".ck-history-title", { hasText: "Trip to Lisbon" }).waitFor();
    // Back to the open thread without reopening it: its header already carries the new title,
    // and the thread was not loaded again to get there.
    const before = requests.length;
    await page.getByRole("button", { name: "Back to chat" }).click();
    await page.locator(".ck-header-title", { hasText: "Trip to Lisbon" }).waitFor();
    await page.locator(".ck-message-user .ck-bubble", { hasText: "Plan a trip" }).waitFor();
    deepEqual(requests.slice(before).filter((t) => t === "threads.get_by_id"), []);
    // New chat from the header: start screen, nothing remembered.
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByText("How can I help you today?").waitFor();
    equal(await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous")), null);
    // A start-screen prompt sends its text.
    await page.getByRole("button", { name: "Explain a concept" }).click();
    await page.locator(".ck-message-user .ck-bubble", {
      hasText: "Explain how HTTP streaming works.",
    }).waitFor();
    await waitIdle(page);
  } finally {
    await chat.close();
  }
});

browserTest("chat history - a visitor's conversation is kept after signing up", async (browser) => {
  const db = await testDatabase("pglite");
  const chat = await startChatApp(db);
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await gotoOffline(page, chat.app.url);
    await openChat(page);
    chat.fake.enqueue({ text: "Remember: the password is swordfish." });
    await sendMessage(page, "Keep this for later");
    await waitIdle(page);
    const visitorThread = await page.evaluate(() =>
      localStorage.getItem("chatkit_thread_anonymous")
    );
    ok(visitorThread?.startsWith("thr_"));

    const email = `widget-${crypto.randomUUID()}@example.com`;
    await signUp(page, chat.app.url, email);
    const [user] = await db.sql<{ id: string }[]>`select id from "user" where email = ${email}`;
    await gotoOffline(page, chat.app.url);
    // Remounted as the user: nothing remembered under the user's key, so the server-passed
    // latest thread (the claimed visitor thread) opens.
    equal(
      await page.evaluate((id) => localStorage.getItem(`chatkit_thread_${id}`), user.id),
      null,
    );
    await openChat(page);
    await page.locator(".ck-message-user .ck-bubble", { hasText: "Keep this for later" }).waitFor();
    equal(await lastAnswer(page), "Remember: the password is swordfish.");
    equal(
      await page.evaluate((id) => localStorage.getItem(`chatkit_thread_${id}`), user.id),
      visitorThread,
    );
    // And the user can go on in it.
    chat.fake.enqueue({ text: "Still here." });
    await sendMessage(page, "Are you still there?");
    await waitIdle(page);
    equal(await lastAnswer(page), "Still here.");
    await context.close();
  } finally {
    await chat.close();
  }
});

browserTest(
  "chat history - a long thread opens at its newest items and pages back",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await gotoOffline(page, chat.app.url);
      // 13 turns = 26 items: more than one page of 20.
      const threadId = await page.evaluate(async () => {
        const post = async (type: string, params: Record<string, unknown>) => {
          const response = await fetch("/chatkit", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ type, params }),
          });
          return await response.text();
        };
        const input = (text: string) => ({
          content: [{ type: "input_text", text }],
          attachments: [],
          inference_options: {},
        });
        const first = await post("threads.create", { input: input("Message 1") });
        const id = JSON.parse(first.split("\n")[0].slice(6)).thread.id as string;
        for (let i = 2; i <= 13; i++) {
          await post("threads.add_user_message", { thread_id: id, input: input(`Message ${i}`) });
        }
        localStorage.setItem("chatkit_thread_anonymous", id);
        return id;
      });
      ok(threadId.startsWith("thr_"));
      await openChat(page);
      const bubbles = page.locator(".ck-message-user .ck-bubble");
      await bubbles.last().waitFor();
      equal(await bubbles.last().innerText(), "Message 13");
      equal(await bubbles.count(), 10, "the newest 20 items: 10 turns");
      equal(await bubbles.first().innerText(), "Message 4");
      await page.getByRole("button", { name: "Show earlier messages" }).click();
      await page.waitForFunction(() =>
        document.querySelectorAll(".ck-message-user .ck-bubble").length === 13
      );
      equal(await bubbles.first().innerText(), "Message 1");
      equal(await page.getByRole("button", { name: "Show earlier messages" }).count(), 0);
    } finally {
      await chat.close();
    }
  },
);
