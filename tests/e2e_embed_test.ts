/**
 * The assistant on another site through `/embed.js`, in Chromium with third-party cookies
 * blocked: the host page (http://localhost:<p>) has only the script tag and hostile CSS; the app
 * is on http://127.0.0.1:<p>, another site.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { CHROMIUM_MISSING_REASON, CHROMIUM_PATH, screenshot } from "./support/browser.ts";
import { sendMessage, startChatApp, waitIdle } from "./support/chat_widget.ts";
import { blockChatKit, serveChatKitStub } from "./support/chatkit_stub.ts";
import { testDatabase } from "./support/db.ts";
import { launchWithoutThirdPartyCookies, startHostSite } from "./support/embed_host.ts";
import { SCRIPT_URL } from "./support/chat_widget.ts";
import { axeViolations } from "./support/axe.ts";

function embedTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `[browser] embed - ${name}${
      CHROMIUM_PATH ? "" : ` (ignored: ${CHROMIUM_MISSING_REASON})`
    }`,
    ignore: !CHROMIUM_PATH,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

/** Waits for the embed's launcher (inside its shadow root: Playwright's locators pierce it). */
async function launcher(page: Page) {
  const button = page.locator("deno-chatkit").getByRole("button", { name: "Open chat" });
  await button.waitFor({ state: "visible", timeout: 15_000 });
  return button;
}

embedTest("hostile host CSS neither hides the launcher nor receives our styles", async () => {
  const host = startHostSite();
  const chat = await startChatApp(await testDatabase("pglite"), {
    env: { ALLOWED_ORIGINS: host.origin },
  });
  const browser = await launchWithoutThirdPartyCookies();
  try {
    host.setScript(`${chat.app.url}/embed.js`, {
      "data-greeting": "Ask me about these docs",
      "data-position": "left",
      "data-accent": "#117a3e",
    });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await blockChatKit(page, SCRIPT_URL);
    await page.goto(host.url());
    const button = await launcher(page);
    const box = await button.boundingBox();
    ok(box && box.width >= 40 && box.height >= 40, `launcher has its size: ${JSON.stringify(box)}`);
    ok(box.x < 200, `data-position=left puts it on the left: x=${box.x}`);
    const look = await button.evaluate((el) => {
      const style = getComputedStyle(el);
      return { display: style.display, font: style.fontFamily, background: style.backgroundColor };
    });
    ok(look.display !== "none", `displayed: ${JSON.stringify(look)}`);
    equal(look.background, "rgb(17, 122, 62)", "data-accent colours the launcher");
    // Our rules do not reach the host's own element of the same class.
    const hostButton = await page.locator("#host-button").evaluate((el) =>
      getComputedStyle(el).position
    );
    equal(hostButton, "static");

    await button.click();
    await page.locator("deno-chatkit .ck-panel[data-open=true]").waitFor();
    await page.locator("deno-chatkit").getByText("Ask me about these docs").waitFor();
    const composer = page.locator("deno-chatkit").getByRole("textbox", { name: "Message" });
    await composer.waitFor({ state: "visible" });
    const font = await composer.evaluate((el) => getComputedStyle(el).fontFamily);
    ok(!font.includes("Comic"), `host fonts do not leak in: ${font}`);
    await screenshot(page, "embed-hostile-host");
    deepEqual(
      await axeViolations(page, ".ck-panel", "deno-chatkit"),
      [],
      "no WCAG 2.1 AA violation in the embedded panel on a hostile host",
    );
    // The embed script and its bundle are loadable by other sites.
    const script = await fetch(`${chat.app.url}/embed.js`);
    equal(script.headers.get("cross-origin-resource-policy"), "cross-origin");
    ok(/max-age=\d{1,4}\b/.test(script.headers.get("cache-control") ?? ""), "short cache");
    const bundleUrl = (await script.text()).match(/"bundle":"([^"]+)"/)?.[1];
    ok(bundleUrl, "the loader names its bundle");
    const bundle = await fetch(new URL(bundleUrl, chat.app.url));
    await bundle.body?.cancel();
    equal(bundle.status, 200);
    ok(bundle.headers.get("cache-control")?.includes("immutable"));
    equal(bundle.headers.get("cross-origin-resource-policy"), "cross-origin");
    deepEqual(errors, []);
  } finally {
    await browser.close();
    await chat.close();
    await host.close();
  }
});

embedTest(
  "a visitor chats, finds the thread after a reload, signs in through the popup and keeps it",
  async () => {
    const host = startHostSite();
    const db = await testDatabase("pglite");
    const chat = await startChatApp(db, { env: { ALLOWED_ORIGINS: host.origin } });
    const browser = await launchWithoutThirdPartyCookies();
    try {
      host.setScript(`${chat.app.url}/embed.js`);
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await blockChatKit(page, SCRIPT_URL);
      await page.goto(host.url("/docs/install?utm=x#step-2"));
      await (await launcher(page)).click();
      const widget = page.locator("deno-chatkit");

      chat.fake.enqueue({ text: "Install it with **one tag**." });
      await sendMessage(page, "How do I install this?");
      await widget.locator(".ck-message-assistant strong", { hasText: "one tag" }).waitFor();
      await waitIdle(page);

      // The model saw the page the visitor is on (no query string, no fragment) and its title.
      const reply = chat.fake.replyRequests().at(-1)!;
      const sent = JSON.stringify(reply.body);
      ok(sent.includes(`${host.origin}/docs/install`), "page URL in the model input");
      ok(!sent.includes("utm=x") && !sent.includes("step-2"), "no query or fragment");
      ok(sent.includes("Host docs: /docs/install"), "page title in the model input");

      // One thread, owned by an embed visitor, with the page stored on the user message.
      const threads = await db.sql<{ id: string; owner_id: string }[]>`
      select t.id, t.owner_id from threads t
      join thread_items i on i.thread_id = t.id
      where i.payload::text like ${"%How do I install this?%"}`;
      equal(threads.length, 1);
      const [{ id: threadId, owner_id: visitorOwner }] = threads;
      ok(visitorOwner.startsWith("anon:"), visitorOwner);
      const [stored] = await db.sql<{ payload: Record<string, unknown> }[]>`
      select payload from thread_items where thread_id = ${threadId} and type = 'user_message'`;
      equal(
        JSON.stringify(stored.payload).includes(`${host.origin}/docs/install`),
        true,
        "page stored with the message",
      );

      // Reload: same visitor (token in the embed's storage, no cookie), same thread.
      await page.reload();
      await (await launcher(page)).click();
      await widget.locator(".ck-message-user .ck-bubble", { hasText: "How do I install this?" })
        .waitFor({ timeout: 10_000 });

      // Sign in through the popup: the visitor's thread becomes the account's.
      const popupOpened = browser.context.waitForEvent("page");
      await widget.getByRole("button", { name: "Sign in" }).click();
      const popup = await popupOpened;
      await popup.waitForURL((url) => url.pathname === "/auth/signin");
      await popup.getByRole("link", { name: "Create one" }).click();
      await popup.getByLabel("Name").fill("Embed User");
      await popup.getByLabel("Email").fill(`embed-${crypto.randomUUID().slice(0, 8)}@example.com`);
      await popup.getByLabel("Password").fill("correct horse battery staple");
      await popup.getByRole("button", { name: "Create account" }).click();
      await popup.waitForEvent("close", { timeout: 15_000 });
      await widget.getByRole("button", { name: "Sign out" }).waitFor({ timeout: 10_000 });

      const [owner] = await db.sql<{ owner_id: string }[]>`
      select owner_id from threads where id = ${threadId}`;
      ok(!owner.owner_id.startsWith("anon:"), `claimed by the account: ${owner.owner_id}`);
      const [user] = await db.sql<{ name: string }[]>`
      select name from "user" where id = ${owner.owner_id}`;
      equal(user.name, "Embed User");
      // The widget shows the same thread as the account, and the account can go on with it.
      await widget.locator(".ck-message-user .ck-bubble", { hasText: "How do I install this?" })
        .waitFor({ timeout: 10_000 });
      chat.fake.enqueue({ text: "Signed in and still here." });
      await sendMessage(page, "Still there?");
      await widget.locator(".ck-message-assistant", { hasText: "Signed in and still here." })
        .waitFor();
      await waitIdle(page);
      const [count] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from thread_items
      where thread_id = ${threadId} and owner_id = ${owner.owner_id} and type = 'user_message'`;
      equal(count.n, 2, "the second message went into the same thread, as the account");
      deepEqual(errors, []);
    } finally {
      await browser.close();
      await chat.close();
      await host.close();
    }
  },
);

embedTest(
  "with a domain key, ChatKit's web component mounts in the shadow root and talks as the embed",
  async () => {
    const host = startHostSite();
    const chat = await startChatApp(await testDatabase("pglite"), {
      env: { ALLOWED_ORIGINS: host.origin, CHATKIT_DOMAIN_KEY: "domain_pk_embed_test" },
    });
    const browser = await launchWithoutThirdPartyCookies();
    try {
      host.setScript(`${chat.app.url}/embed.js`);
      const page = await browser.context.newPage();
      await serveChatKitStub(page, SCRIPT_URL);
      await page.goto(host.url("/docs/chatkit"));
      await (await launcher(page)).click();
      await page.locator("deno-chatkit openai-chatkit[data-stub=true]").waitFor();
      const probe = await page.evaluate(() => {
        const root = document.querySelector("deno-chatkit")!.shadowRoot!;
        const el = root.querySelector("openai-chatkit") as HTMLElement & {
          probe(): Promise<unknown>;
        };
        return el.probe();
      }) as { status: number; credentials: string; headers: Record<string, string> };
      equal(probe.status, 200, JSON.stringify(probe));
      equal(probe.credentials, "omit", "no cookies");
      ok(probe.headers.authorization?.startsWith("Bearer ckv1."), "the visitor token as Bearer");
      equal(probe.headers["x-chatkit-page-url"], `${host.origin}/docs/chatkit`);
      const options = await page.evaluate(() =>
        (globalThis as unknown as {
          __chatkitStub: { options: { api: { url: string; domainKey: string } } };
        })
          .__chatkitStub.options
      );
      equal(options.api.url, `${chat.app.url}/chatkit`, "absolute endpoint");
      equal(options.api.domainKey, "domain_pk_embed_test");
    } finally {
      await browser.close();
      await chat.close();
      await host.close();
    }
  },
);

embedTest("a host that passes its user's session token chats as that user", async () => {
  const host = startHostSite();
  const db = await testDatabase("pglite");
  const chat = await startChatApp(db, { env: { ALLOWED_ORIGINS: host.origin } });
  const browser = await launchWithoutThirdPartyCookies();
  try {
    // The host signed its user in with this app's accounts (API sign-up → session token).
    const email = `host-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const signUp = await fetch(`${chat.app.url}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: chat.app.url },
      body: JSON.stringify({ name: "Host User", email, password: "correct horse battery" }),
    });
    await signUp.body?.cancel();
    const token = signUp.headers.get("set-auth-token");
    ok(token, `sign-up gave a token (${signUp.status})`);
    const [user] = await db.sql<{ id: string }[]>`select id from "user" where email = ${email}`;

    host.setScript(`${chat.app.url}/embed.js`, { "data-session-token": token });
    const page = await browser.context.newPage();
    await blockChatKit(page, SCRIPT_URL);
    await page.goto(host.url("/account"));
    await (await launcher(page)).click();
    const widget = page.locator("deno-chatkit");
    equal(await widget.getByRole("button", { name: "Sign in" }).count(), 0, "no own sign-in");
    chat.fake.enqueue({ text: "Hello, host user." });
    await sendMessage(page, "Who am I?");
    await widget.locator(".ck-message-assistant", { hasText: "Hello, host user." }).waitFor();
    const threads = await db.sql<{ owner_id: string }[]>`
      select t.owner_id from threads t join thread_items i on i.thread_id = t.id
      where i.payload::text like ${"%Who am I?%"}`;
    deepEqual(threads.map((t) => t.owner_id), [user.id]);
  } finally {
    await browser.close();
    await chat.close();
    await host.close();
  }
});

embedTest("a site not in ALLOWED_ORIGINS is told so; no thread, no model call", async () => {
  const host = startHostSite();
  const db = await testDatabase("pglite");
  const chat = await startChatApp(db, { env: { ALLOWED_ORIGINS: "https://docs.example.com" } });
  const browser = await launchWithoutThirdPartyCookies();
  try {
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from threads`;
    host.setScript(`${chat.app.url}/embed.js`);
    const page = await browser.context.newPage();
    await blockChatKit(page, SCRIPT_URL);
    const chatkitCalls: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/chatkit")) chatkitCalls.push(r.url());
    });
    await page.goto(host.url());
    await (await launcher(page)).click();
    const alert = page.locator("deno-chatkit").getByRole("alert");
    await alert.waitFor({ timeout: 10_000 });
    const text = await alert.innerText();
    ok(text.includes("Not available on this site"), text);
    ok(text.includes(host.origin), text);
    await screenshot(page, "embed-refused");
    deepEqual(
      await axeViolations(page, ".ck-panel", "deno-chatkit"),
      [],
      "no WCAG 2.1 AA violation with the refusal shown",
    );
    deepEqual(chatkitCalls, [], "the widget never calls /chatkit");
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from threads`;
    equal(after.n, before.n, "no thread was created");
    equal(chat.fake.requests.length, 0, "no model call");
  } finally {
    await browser.close();
    await chat.close();
    await host.close();
  }
});
