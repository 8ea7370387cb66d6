/**
 * One reply at a time per conversation, in the built-in client (issue 14): a second tab on the
 * same conversation that sends while the first tab's reply streams is told why nothing was
 * sent, keeps its draft, and can send it once the reply has ended.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { axeViolations } from "./support/axe.ts";
import { browserTest } from "./support/browser.ts";
import {
  gotoOffline,
  lastAnswer,
  openChat,
  sendMessage,
  startChatApp,
  waitIdle,
} from "./support/chat_widget.ts";
import { type DatabaseKind, SKIP_SERVER, testDatabase } from "./support/db.ts";

const KINDS: DatabaseKind[] = SKIP_SERVER ? ["pglite"] : ["pglite", "postgres"];

for (const kind of KINDS) {
  browserTest(
    `[${kind}] chat widget - a second tab sending while the first tab's reply streams keeps its draft and says why`,
    async (browser) => {
      const chat = await startChatApp(await testDatabase(kind));
      try {
        // One browser profile, two tabs: they share the visitor cookie and the remembered thread.
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const errors: string[] = [];
        const first = await context.newPage();
        first.on("pageerror", (error) => errors.push(error.message));
        await gotoOffline(first, chat.app.url);
        await openChat(first);
        let release!: () => void;
        const held = new Promise<void>((resolve) => release = resolve);
        chat.fake.enqueue({
          chunks: ["Counting ", "one, ", "two."],
          holdAfterChunks: 1,
          release: held,
        });
        await sendMessage(first, "Count for me");
        // The first tab cannot send while its own reply streams: its button is Stop.
        await first.getByRole("button", { name: "Stop" }).waitFor();
        await first.waitForFunction(
          () => localStorage.getItem("chatkit_thread_anonymous")?.startsWith("thr_"),
          null,
          { timeout: 20_000 },
        );

        const second = await context.newPage();
        second.on("pageerror", (error) => errors.push(error.message));
        await gotoOffline(second, chat.app.url);
        await openChat(second);
        await second.locator(".ck-message-user .ck-bubble", { hasText: "Count for me" }).waitFor();
        const modelCalls = chat.fake.replyRequests().length;
        await sendMessage(second, "And backwards?");
        const banner = second.locator(".ck-banner-danger");
        await banner.waitFor();
        ok(
          (await banner.innerText()).includes("still being written"),
          await banner.innerText(),
        );
        equal(
          await second.getByRole("textbox", { name: "Message" }).inputValue(),
          "And backwards?",
          "the draft is kept",
        );
        equal(
          await second.locator(".ck-message-user .ck-bubble", { hasText: "And backwards?" })
            .count(),
          0,
          "no unsent message is shown as sent",
        );
        equal(chat.fake.replyRequests().length, modelCalls, "no model call for it");
        deepEqual(await axeViolations(second, ".ck-panel"), []);

        // The first reply ends; the second tab sends its kept draft.
        release();
        await waitIdle(first);
        equal(await lastAnswer(first), "Counting one, two.");
        chat.fake.enqueue({ text: "Two, one." });
        await second.getByRole("textbox", { name: "Message" }).press("Enter");
        await second.locator(".ck-message-user .ck-bubble", { hasText: "And backwards?" })
          .waitFor();
        await waitIdle(second);
        equal(await lastAnswer(second), "Two, one.");
        deepEqual(errors, []);
        await context.close();
      } finally {
        await chat.close();
      }
    },
  );
}
