/**
 * The chat widget's built-in client in Chromium against the real server, a real database and a
 * fake model provider (chatkit.js unreachable, as offline): streaming, stop, reload, history.
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
import { type DatabaseKind, SKIP_SERVER, testDatabase } from "./support/db.ts";
import { within } from "./support/wait.ts";

const WORDS = Array.from({ length: 40 }, (_, i) => `word${i + 1}`);

// On PGlite always, and on a PostgreSQL server when the run has one (`deno task test`; always
// under CI=true, where a missing server fails).
const KINDS: DatabaseKind[] = SKIP_SERVER ? ["pglite"] : ["pglite", "postgres"];

for (const kind of KINDS) {
  browserTest(
    `[${kind}] chat widget - sends, streams as deltas arrive, stops, and restores after reload`,
    async (browser) => {
      const chat = await startChatApp(await testDatabase(kind));
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        await gotoOffline(page, chat.app.url);
        await openChat(page);
        await page.waitForSelector(".ck-surface-builtin");
        await page.getByText("How can I help you today?").waitFor();
        if (kind === "pglite") await screenshot(page, "chat-desktop-start");

        // 40 words; the model sends three, then holds the rest until the test lets it go on
        // (never, here: the visitor stops it). What the page shows meanwhile was streamed.
        let release!: () => void;
        const held = new Promise<void>((resolve) => release = resolve);
        chat.fake.enqueue({
          chunks: WORDS.map((w, i) => (i ? " " : "") + w),
          holdAfterChunks: 3,
          release: held,
        });
        await sendMessage(page, "Count slowly for me");
        await page.locator(".ck-message-user .ck-bubble", { hasText: "Count slowly for me" })
          .waitFor();

        // The three words show while the reply is still streaming (the model has sent no more).
        await page.waitForFunction(
          () => {
            const answers = document.querySelectorAll(".ck-message-assistant .ck-assistant-body");
            const last = answers[answers.length - 1] as HTMLElement | undefined;
            return document.querySelector("[data-streaming=true]") &&
              last?.innerText.trim() === "word1 word2 word3";
          },
          null,
          { timeout: 20_000 },
        );
        equal(chat.fake.replyRequests().at(-1)!.outcome, undefined, "the model is still holding");
        const live = await page.locator("[data-live-region]").innerText();
        ok(live.includes("word1"), `the live region carries the streamed text: ${live}`);
        if (kind === "pglite") await screenshot(page, "chat-desktop-streaming");

        // Stop mid-way: the request is aborted and the partial answer stays.
        await page.getByRole("button", { name: "Stop" }).click();
        await waitIdle(page);
        const partial = await lastAnswer(page);
        equal(partial, "word1 word2 word3");
        const stored = await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous"));
        ok(stored?.startsWith("thr_"), `thread remembered: ${stored}`);
        const reply = chat.fake.replyRequests().at(-1)!;
        equal(
          await within(reply.finished, "the model request was closed after Stop"),
          "aborted",
        );
        release();

        // After a reload the launcher reopens the same thread, with the partial answer saved.
        await page.reload();
        await page.waitForSelector("html[data-hydrated=true]");
        await openChat(page);
        await page.locator(".ck-message-user .ck-bubble", { hasText: "Count slowly for me" })
          .waitFor();
        equal(await lastAnswer(page), partial, "the partial answer was saved");

        // The thread continues where it was.
        chat.fake.enqueue({ text: "Sure, **continuing** now." });
        await sendMessage(page, "Go on");
        await waitIdle(page);
        await page.locator(".ck-message-assistant strong", { hasText: "continuing" }).waitFor();
        equal(await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous")), stored);
        if (kind === "pglite") await screenshot(page, "chat-desktop");
        deepEqual(errors, []);
        await context.close();
      } finally {
        await chat.close();
      }
    },
  );
}
