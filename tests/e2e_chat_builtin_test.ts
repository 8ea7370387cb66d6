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

        // A slow answer: 40 words, 120 ms apart.
        chat.fake.enqueue({ chunks: WORDS.map((w, i) => (i ? " " : "") + w), chunkDelayMs: 120 });
        await sendMessage(page, "Count slowly for me");
        await page.locator(".ck-message-user .ck-bubble", { hasText: "Count slowly for me" })
          .waitFor();

        // The answer grows while streaming: sample its length several times.
        const lengths: number[] = [];
        await page.waitForSelector("[data-streaming=true]", { timeout: 10_000 });
        for (let i = 0; i < 5; i++) {
          lengths.push((await lastAnswer(page)).length);
          await page.waitForTimeout(300);
        }
        ok(lengths.every((n, i) => i === 0 || n >= lengths[i - 1]), `never shrinks: ${lengths}`);
        ok(new Set(lengths).size >= 3, `grew step by step: ${lengths}`);
        const live = await page.locator("[data-live-region]").innerText();
        ok(live.includes("word1"), `the live region carries the streamed text: ${live}`);
        if (kind === "pglite") await screenshot(page, "chat-desktop-streaming");

        // Stop mid-way: the request is aborted and the partial answer stays.
        await page.getByRole("button", { name: "Stop" }).click();
        await waitIdle(page);
        const partial = await lastAnswer(page);
        ok(partial.startsWith("word1 word2"), partial);
        ok(!partial.includes("word40"), `stopped before the end: ${partial}`);
        const stored = await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous"));
        ok(stored?.startsWith("thr_"), `thread remembered: ${stored}`);
        const reply = chat.fake.replyRequests().at(-1)!;
        equal(await reply.finished, "aborted");

        // After a reload the launcher reopens the same thread, with the partial answer saved.
        await page.reload();
        await page.waitForSelector("html[data-hydrated=true]");
        await openChat(page);
        await page.locator(".ck-message-user .ck-bubble", { hasText: "Count slowly for me" })
          .waitFor();
        const restored = await lastAnswer(page);
        ok(restored.length > 0 && partial.startsWith(restored.slice(0, 10)), restored);
        ok(restored.startsWith("word1 word2"), restored);

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
