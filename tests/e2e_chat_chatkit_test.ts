/**
 * The ChatKit path of the chat widget, with a self-written stand-in `<openai-chatkit>` served
 * in place of OpenAI's CDN script: the options it receives, the fetch it is given, per-identity
 * thread memory from `chatkit.thread.change`, and the fallback when the script fails.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest } from "./support/browser.ts";
import { blockChatKit, EMPTY_SCRIPT, serveChatKitStub } from "./support/chatkit_stub.ts";
import { openChat, SCRIPT_URL, signUp, startChatApp } from "./support/chat_widget.ts";
import { testDatabase } from "./support/db.ts";

interface StubRecord {
  // deno-lint-ignore no-explicit-any
  options: Record<string, any>;
  calls: number;
  fetchIsFunction: boolean;
  methods: unknown[][];
}

const stub = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { __chatkitStub: StubRecord }).__chatkitStub);

async function openWithStub(page: Page, url: string) {
  await serveChatKitStub(page, SCRIPT_URL);
  await page.goto(url);
  await page.waitForSelector("html[data-hydrated=true]", { timeout: 15_000 });
  await openChat(page);
  await page.waitForSelector("openai-chatkit[data-stub=true]");
  await page.waitForFunction(() =>
    ((globalThis as unknown as { __chatkitStub?: StubRecord }).__chatkitStub?.calls ?? 0) > 0
  );
}

browserTest(
  "chatkit path - setOptions gets the api, domain key, theme, start screen and history from the config",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"), {
      env: { CHATKIT_DOMAIN_KEY: "domain_pk_test_123" },
      settings: {
        chatkit: {
          locale: "en-GB",
          theme: { radius: "pill", density: "compact", accent: { primary: "#7c3aed", level: 2 } },
          startScreen: {
            greeting: "Hi from the test",
            prompts: [{ label: "First", prompt: "Say one", icon: "lightbulb" }],
          },
          composer: { placeholder: "Ask the test…" },
          history: { enabled: true, showRename: false, showDelete: true },
          threadItemActions: { feedback: true, retry: false },
        },
      },
    });
    try {
      const context = await browser.newContext({ colorScheme: "dark" });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await openWithStub(page, chat.app.url);
      equal(await page.locator(".ck-root").getAttribute("data-client"), "chatkit");
      const { options, fetchIsFunction } = await stub(page);
      ok(fetchIsFunction, "api.fetch is a function");
      deepEqual(options.api, {
        url: "/chatkit",
        domainKey: "domain_pk_test_123",
        fetch: "[function]",
        uploadStrategy: { type: "two_phase" },
      });
      equal(options.initialThread, null);
      equal(options.locale, "en-GB");
      deepEqual(options.theme, {
        colorScheme: "dark",
        radius: "pill",
        density: "compact",
        color: { accent: { primary: "#7c3aed", level: 2 } },
        typography: {
          baseSize: 16,
          fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif",
        },
      });
      deepEqual(options.startScreen, {
        greeting: "Hi from the test",
        prompts: [{ label: "First", prompt: "Say one", icon: "lightbulb" }],
      });
      deepEqual(options.history, { enabled: true, showRename: false, showDelete: true });
      deepEqual(options.threadItemActions, { feedback: true, retry: false });
      equal(options.composer.placeholder, "Ask the test…");
      equal(options.composer.attachments.enabled, true);
      equal(options.composer.attachments.maxCount, 5);
      ok(options.composer.attachments.maxSize > 0);
      deepEqual(options.composer.attachments.accept["image/png"], [".png"]);
      deepEqual(options.header, { enabled: false });

      // The OS switching to light sends the options again with the new scheme.
      await page.emulateMedia({ colorScheme: "light" });
      await page.waitForFunction(() =>
        (globalThis as unknown as { __chatkitStub: StubRecord }).__chatkitStub.options.theme
          .colorScheme === "light"
      );

      // The panel's header drives the element: history and new chat.
      await page.getByRole("button", { name: "Chat history" }).click();
      await page.getByRole("button", { name: "New chat" }).click();
      deepEqual((await stub(page)).methods, [["showHistory"], ["setThreadId", null]]);
      deepEqual(errors, []);
      await context.close();
    } finally {
      await chat.close();
    }
  },
);

browserTest(
  "chatkit path - api.fetch sends the session cookie and reaches /chatkit",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"));
    try {
      const context = await browser.newContext();
      await context.addCookies([{ name: "probe", value: "cookie-1", url: chat.app.url }]);
      const page = await context.newPage();
      const seen: Record<string, string>[] = [];
      await page.route("**/chatkit", async (route) => {
        seen.push(await route.request().allHeaders());
        await route.continue();
      });
      await openWithStub(page, chat.app.url);
      const probe = await page.evaluate(() =>
        (document.querySelector("openai-chatkit") as unknown as {
          probe(): Promise<
            {
              status: number;
              credentials: string;
              headers: Record<string, string>;
              body: { data: unknown[] };
            }
          >;
        }).probe()
      );
      equal(probe.status, 200);
      equal(probe.credentials, "include");
      equal(probe.headers["content-type"], "application/json");
      ok(Array.isArray(probe.body.data));
      equal(seen.length, 1);
      ok(seen[0].cookie?.includes("probe=cookie-1"), `cookie sent: ${seen[0].cookie}`);
      await context.close();
    } finally {
      await chat.close();
    }
  },
);

browserTest(
  "chatkit path - chatkit.thread.change is remembered per identity and reopened after reload",
  async (browser) => {
    const db = await testDatabase("pglite");
    const chat = await startChatApp(db);
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await openWithStub(page, chat.app.url);

      // A visitor: the anonymous key.
      await page.evaluate(() =>
        (document.querySelector("openai-chatkit") as unknown as { changeThread(id: string): void })
          .changeThread("thr_visitor_1")
      );
      equal(
        await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous")),
        "thr_visitor_1",
      );
      await page.reload();
      await page.waitForSelector("html[data-hydrated=true]");
      await openChat(page);
      await page.waitForFunction(() =>
        (globalThis as unknown as { __chatkitStub?: StubRecord }).__chatkitStub?.options
          ?.initialThread === "thr_visitor_1"
      );

      // Signed in: the user's own key; the visitor's stays untouched.
      const email = `chatkit-${crypto.randomUUID()}@example.com`;
      await signUp(page, chat.app.url, email);
      const [user] = await db.sql<{ id: string }[]>`select id from "user" where email = ${email}`;
      ok(user, "the user exists");
      await openWithStub(page, chat.app.url);
      equal((await stub(page)).options.initialThread, null, "a new user has no thread yet");
      await page.evaluate(() =>
        (document.querySelector("openai-chatkit") as unknown as { changeThread(id: string): void })
          .changeThread("thr_user_1")
      );
      equal(
        await page.evaluate((id) => localStorage.getItem(`chatkit_thread_${id}`), user.id),
        "thr_user_1",
      );
      equal(
        await page.evaluate(() => localStorage.getItem("chatkit_thread_anonymous")),
        "thr_visitor_1",
      );
      await page.reload();
      await page.waitForSelector("html[data-hydrated=true]");
      await openChat(page);
      await page.waitForFunction(() =>
        (globalThis as unknown as { __chatkitStub?: StubRecord }).__chatkitStub?.options
          ?.initialThread === "thr_user_1"
      );

      // "New chat" (thread id null) forgets it.
      await page.evaluate(() =>
        (document.querySelector("openai-chatkit") as unknown as { changeThread(id: null): void })
          .changeThread(null)
      );
      equal(
        await page.evaluate((id) => localStorage.getItem(`chatkit_thread_${id}`), user.id),
        null,
      );
      await context.close();
    } finally {
      await chat.close();
    }
  },
);

browserTest(
  "chatkit path - falls back to the built-in client when chatkit.js fails or defines nothing in time",
  async (browser) => {
    const chat = await startChatApp(await testDatabase("pglite"), {
      settings: { chatkit: { loadTimeoutMs: 1500 } },
    });
    try {
      // The script cannot load (offline, blocked): the built-in client at once.
      const blocked = await browser.newPage();
      await blockChatKit(blocked, SCRIPT_URL);
      await blocked.goto(chat.app.url);
      await blocked.waitForSelector(".ck-root[data-client=builtin]", {
        state: "attached",
        timeout: 5_000,
      });
      await openChat(blocked);
      await blocked.getByRole("textbox", { name: "Message" }).waitFor();
      await blocked.close();

      // The script loads but never defines <openai-chatkit>: "loading", then the built-in
      // client once the time limit is up. Every value data-client takes is recorded as it
      // changes, so the order is asserted, not sampled at a lucky moment.
      const empty = await browser.newPage();
      await empty.addInitScript(() => {
        const seen: { value: string | null; at: number }[] = [];
        (globalThis as unknown as { __clientModes: typeof seen }).__clientModes = seen;
        const note = () => {
          const value = document.querySelector(".ck-root")?.getAttribute("data-client") ?? null;
          if (value !== null && seen.at(-1)?.value !== value) {
            seen.push({ value, at: performance.now() });
          }
        };
        new MutationObserver(note).observe(document, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: ["data-client"],
        });
      });
      await serveChatKitStub(empty, SCRIPT_URL, EMPTY_SCRIPT);
      await empty.goto(chat.app.url);
      await empty.waitForSelector(".ck-root[data-client=builtin]", {
        state: "attached",
        timeout: 30_000,
      });
      ok(
        await empty.evaluate(() =>
          (globalThis as unknown as { __chatkitLoadedButEmpty?: boolean }).__chatkitLoadedButEmpty
        ),
        "the script did load",
      );
      const modes = await empty.evaluate(() =>
        (globalThis as unknown as { __clientModes: { value: string; at: number }[] }).__clientModes
      );
      deepEqual(modes.map((m) => m.value), ["loading", "builtin"]);
      // The fallback waited for the limit (a lower bound: a busy machine only makes it later).
      const waited = modes[1].at - modes[0].at;
      ok(waited >= 1500 * 0.9, `fell back after ${waited} ms, before the 1500 ms limit`);
      await empty.close();
    } finally {
      await chat.close();
    }
    // `builtInClient: "always"` never requests chatkit.js.
    const always = await startChatApp(await testDatabase("pglite"), {
      settings: { chatkit: { builtInClient: "always" } },
    });
    try {
      const page = await browser.newPage();
      let requested = false;
      await page.route(SCRIPT_URL, (route) => {
        requested = true;
        return route.abort();
      });
      await page.goto(always.app.url);
      await page.waitForSelector("html[data-hydrated=true]");
      equal(await page.locator(".ck-root").getAttribute("data-client"), "builtin");
      await openChat(page);
      // The open built-in composer is the positive signal: the client was chosen, and a loader
      // (which would request the script) would have been inserted by now. There is none.
      await page.getByRole("textbox", { name: "Message" }).waitFor();
      equal(await page.locator("script[data-chatkit-loader]").count(), 0);
      equal(requested, false);
      await page.close();
    } finally {
      await always.close();
    }
  },
);
