/**
 * Shared steps of the chat widget's browser tests: the app with the fake model provider, and
 * opening the widget in a page.
 * @module
 */
import type { Page } from "playwright-core";
import { DEFAULT_CHATKIT_SCRIPT_URL } from "../../components/chat/settings.ts";
import type { Settings } from "../../lib/settings.ts";
import { startTestApp, type TestApp } from "./app.ts";
import type { TestDatabase } from "./db.ts";
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from "./fake_openai.ts";
import { blockChatKit } from "./chatkit_stub.ts";

export const SCRIPT_URL = DEFAULT_CHATKIT_SCRIPT_URL;

export interface ChatApp {
  app: TestApp;
  fake: FakeOpenAI;
  close(): Promise<void>;
}

/** Starts the app against `db` with a loopback fake of the model provider. */
export async function startChatApp(
  db: TestDatabase,
  options: {
    settings?: Parameters<typeof startTestApp>[0]["settings"];
    fake?: FakeOpenAIOptions;
    env?: Record<string, string>;
  } = {},
): Promise<ChatApp> {
  const fake = await startFakeOpenAI(options.fake);
  try {
    const app = await startTestApp({
      db,
      env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "test-key", ...options.env },
      settings: options.settings as Partial<Settings>,
    });
    return {
      app,
      fake,
      close: async () => {
        await app.close();
        await fake.close();
      },
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

/** Loads the start page with chatkit.js unreachable (the built-in client takes over). */
export async function gotoOffline(page: Page, url: string): Promise<void> {
  await blockChatKit(page, SCRIPT_URL);
  await page.goto(url);
  await page.waitForSelector("html[data-hydrated=true]", { timeout: 15_000 });
}

/** Clicks the launcher and waits for the open panel. */
export async function openChat(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.waitForSelector(".ck-panel[data-open=true]");
}

/**
 * Waits until the panel's opening or closing transition has run to its end (no running CSS
 * transition or animation left in it), so that its size is its final size.
 */
export async function waitPanelSettled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const panel = document.querySelector(".ck-panel");
      return !!panel &&
        panel.getAnimations({ subtree: true }).every((a) => a.playState !== "running");
    },
    null,
    { timeout: 15_000 },
  );
}

/** Sends a message through the built-in composer. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

/** Text of the last assistant message. */
export async function lastAnswer(page: Page): Promise<string> {
  const answers = page.locator(".ck-message-assistant .ck-assistant-body");
  const count = await answers.count();
  return count === 0 ? "" : (await answers.nth(count - 1).innerText()).trim();
}

/** Waits until no response is streaming. */
export async function waitIdle(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForSelector(".ck-send[aria-label=Send]", { timeout });
  await page.waitForFunction(() => !document.querySelector("[data-streaming=true]"), null, {
    timeout,
  });
}

/** Signs up through the app's sign-up page (the browser keeps the session cookie). */
export async function signUp(page: Page, baseUrl: string, email: string): Promise<void> {
  await page.goto(new URL("/auth/signup", baseUrl).href);
  await page.getByLabel("Name").fill("Test User");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("correct horse battery staple");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/auth/"));
}
