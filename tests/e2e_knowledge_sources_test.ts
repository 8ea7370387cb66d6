/**
 * Citations in the built-in client (issue 11): an answer grounded in an ingested corpus shows
 * numbered superscript markers where the model cited, and a "Sources" list whose links open the
 * cited pages (served on loopback) in a new tab — once the streamed part is done (nothing is cited
 * mid-stream) and again after a reload. An answer without markers lists its sources only. A
 * source whose URL is `javascript:` or `data:` is plain text, never a link. Markers survive
 * Markdown (inside bold, after a code span). axe finds no WCAG 2.1 AA violation, light or dark.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import type { Locator } from "playwright-core";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { prepareDocument } from "../lib/knowledge/sync.ts";
import { axeViolations } from "./support/axe.ts";
import { browserTest, screenshot } from "./support/browser.ts";
import {
  gotoOffline,
  openChat,
  sendMessage,
  startChatApp,
  waitIdle,
} from "./support/chat_widget.ts";
import { type FakeRequest, systemText } from "./support/fake_openai.ts";
import { ingest, knowledgeDatabase } from "./support/knowledge.ts";

const PASSWORDS_MD = `---
title: Account security
---
# Account security

## Reset your password

If you forgot your password, choose Forgot password on the sign-in screen. We email a reset
link that stays valid for 30 minutes.
`;

const SYNC_MD = `---
title: Sync
---
# Sync

## Working offline

Sync keeps working offline: run the offline sync command and your notes upload when the
connection comes back.
`;

/** The corpus folder, published at `base`. */
async function writeCorpus(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "knowledge-sources-" });
  await Deno.mkdir(join(dir, "guide"));
  await Deno.writeTextFile(join(dir, "guide", "passwords.md"), PASSWORDS_MD);
  await Deno.writeTextFile(join(dir, "guide", "sync.md"), SYNC_MD);
  return dir;
}

/**
 * Documents whose public URLs are not http(s), as a hostile page or a mistyped base URL could
 * give: the client must never make them links.
 */
async function addUnsafeDocuments(store: KnowledgeStore) {
  const docs = [
    ["javascript:alert(document.domain)", "Legacy portal", "The legacy portal closed in 2020."],
    [
      "data:text/html,<script>alert(1)</script>",
      "Legacy archive",
      "The legacy archive keeps notes older than 2020.",
    ],
  ];
  await store.upsertSource("unsafe", "page");
  for (const [url, title, text] of docs) {
    const prepared = await prepareDocument(
      { title, sections: [{ headings: [], text }] },
      url,
      url,
      DEFAULT_KNOWLEDGE_SETTINGS,
    );
    await store.replaceDocument("unsafe", prepared, "");
  }
}

/** `SOURCE [n] (heading) url` lines of the model's instructions, as url → n. */
function sourceNumbers(req: FakeRequest): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const m of systemText(req.body).matchAll(/^SOURCE \[(\d+)\] \(.*?\) (\S+)$/gm)) {
    numbers.set(m[2], Number(m[1]));
  }
  return numbers;
}

/** The rows of a message's Sources list: [number, title text, href or null]. */
async function sourcesList(message: Locator) {
  return await message.locator(".ck-sources li").evaluateAll((items) =>
    items.map((li) => {
      const a = li.querySelector("a");
      const title = (a ?? li.querySelector(".ck-source-title"))?.firstChild?.textContent ?? "";
      return [(li as HTMLLIElement).value, title, a?.getAttribute("href") ?? null];
    })
  );
}

/** The markers in a message's text: [number shown, href or null, name for screen readers]. */
async function markers(message: Locator) {
  return await message.locator(".ck-markdown .ck-cite [data-source]").evaluateAll((els) =>
    els.map((el) => [
      (el.querySelector("[aria-hidden=true]") ?? el).textContent ?? "",
      el.getAttribute("href"),
      el.getAttribute("aria-label") ?? el.querySelector(".ck-sr-only")?.textContent ?? "",
    ])
  );
}

/** The text a sighted reader sees (without visually hidden labels), spaces collapsed. */
async function visibleText(element: Locator): Promise<string> {
  return await element.evaluate((el) => {
    const copy = el.cloneNode(true) as Element;
    copy.querySelectorAll(".ck-sr-only").forEach((n) => n.remove());
    return (copy.textContent ?? "").replace(/\s+/g, " ").trim();
  });
}

browserTest(
  "[pglite] knowledge sources - markers and a Sources list with working links, after streaming and after a reload",
  async (browser) => {
    // The documentation site the citations point to.
    const site = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const path = new URL(req.url).pathname;
      return new Response(`<!doctype html><title>Docs ${path}</title><h1>Docs page ${path}</h1>`, {
        headers: { "content-type": "text/html; charset=utf-8" },
      });
    });
    const base = `http://127.0.0.1:${site.addr.port}/`;
    const pwUrl = `${base}guide/passwords#reset-your-password`;
    const syncUrl = `${base}guide/sync#working-offline`;
    const jsUrl = "javascript:alert(document.domain)";
    const dataUrl = "data:text/html,<script>alert(1)</script>";
    const dir = await writeCorpus();
    const db = await knowledgeDatabase("pglite");
    let chat: Awaited<ReturnType<typeof startChatApp>> | undefined;
    try {
      const store = new KnowledgeStore(db.sql);
      await ingest(store, { path: dir, baseUrl: base }, null);
      await addUnsafeDocuments(store);

      // The fake model cites whatever numbers the app gave each page (their rank decides them).
      let cited = true;
      // The first answer pauses after a few words, so "while streaming" is a fact.
      let release!: () => void;
      const held = new Promise<void>((resolve) => release = resolve);
      chat = await startChatApp(db, {
        settings: { agent: { title: { enabled: false } } } as never,
        fake: {
          defaultTurn(req) {
            if (!cited) return { text: "Notes older than 2020 live in the legacy archive." };
            const n = sourceNumbers(req);
            const missing = [pwUrl, syncUrl, jsUrl, dataUrl].filter((u) => !n.has(u));
            if (missing.length) return { text: `Sources missing: ${missing.join(", ")}` };
            return {
              text: `Choose **Forgot password** on the **sign-in screen [${n.get(pwUrl)}]**.\n\n` +
                `Offline, run \`lumen sync --offline\` [${n.get(syncUrl)}]; the legacy portal ` +
                `is gone [${n.get(jsUrl)}][${n.get(dataUrl)}].`,
              release: held,
              holdAfterChunks: 3,
            };
          },
        },
      });

      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      page.on("dialog", (dialog) => {
        errors.push(`a dialog opened: ${dialog.message()}`);
        dialog.dismiss();
      });
      await gotoOffline(page, chat.app.url);
      await openChat(page);
      await sendMessage(
        page,
        "How do I reset my password, does sync work offline, and what about the legacy portal?",
      );
      const first = page.locator(".ck-message-assistant").nth(0);
      // While the part streams there are no sources yet; they come with the part's end.
      await page.locator(".ck-message-assistant[data-streaming=true] .ck-markdown", {
        hasText: "Choose",
      }).waitFor();
      equal(await first.locator(".ck-sources, .ck-cite").count(), 0, "nothing cited mid-stream");
      release();
      await waitIdle(page);
      const expectFirst = async (when: string) => {
        await first.locator(".ck-sources").waitFor();
        equal(
          await visibleText(first.locator(".ck-markdown")),
          "Choose Forgot password on the sign-in screen1. Offline, run lumen sync --offline2; " +
            "the legacy portal is gone3,4.",
          when,
        );
        // Markdown still works around the markers: bold with its marker inside, code intact.
        deepEqual(
          await first.locator(".ck-markdown strong").allInnerTexts(),
          ["Forgot password", "sign-in screen1"],
        );
        equal(await first.locator(".ck-markdown code").innerText(), "lumen sync --offline");
        deepEqual(await markers(first), [
          ["1", pwUrl, "Source 1: Account security › Reset your password"],
          ["2", syncUrl, "Source 2: Sync › Working offline"],
          ["3", null, "Source 3: Legacy portal"],
          ["4", null, "Source 4: Legacy archive"],
        ], when);
        deepEqual(await sourcesList(first), [
          [1, "Account security › Reset your password", pwUrl],
          [2, "Sync › Working offline", syncUrl],
          [3, "Legacy portal", null],
          [4, "Legacy archive", null],
        ], when);
        // No link anywhere in the message leads to a javascript: or data: URL.
        const hrefs = await first.locator("a").evaluateAll((as) =>
          as.map((a) => a.getAttribute("href") ?? "")
        );
        ok(hrefs.length === 4 && hrefs.every((h) => h.startsWith(base)), hrefs.join(" "));
        for (const link of await first.locator("a").all()) {
          equal(await link.getAttribute("target"), "_blank");
          equal(await link.getAttribute("rel"), "noopener noreferrer");
        }
        // The snippet is shown under its title.
        ok(
          (await first.locator(".ck-source").first().locator(".ck-source-desc").innerText())
            .startsWith("If you forgot your password"),
        );
      };
      await expectFirst("after streaming");

      // A link works: the cited page opens in a new tab, without access to this one.
      const [popup] = await Promise.all([
        context.waitForEvent("page"),
        page.getByRole("link", { name: "Sync › Working offline (opens in a new tab)" }).click(),
      ]);
      await popup.waitForLoadState();
      equal(popup.url(), syncUrl);
      equal(await popup.locator("h1").innerText(), "Docs page /guide/sync");
      equal(await popup.evaluate(() => globalThis.opener), null);
      await popup.close();

      // Keyboard: Tab reaches the marker link, which shows a visible focus ring.
      await page.getByRole("textbox", { name: "Message" }).focus();
      let focused = "";
      for (
        let i = 0;
        i < 40 && focused !== "Source 1: Account security › Reset your password";
        i++
      ) {
        await page.keyboard.press("Shift+Tab");
        focused = await page.evaluate(() =>
          document.activeElement?.getAttribute("aria-label") ?? ""
        );
      }
      equal(focused, "Source 1: Account security › Reset your password", "Tab reaches marker 1");
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement!);
        return [style.outlineStyle, style.outlineWidth];
      });
      deepEqual(outline, ["solid", "2px"], "the focused marker shows a focus ring");

      // An answer without markers lists its sources and draws no marker.
      cited = false;
      await sendMessage(page, "Where are notes older than 2020?");
      await waitIdle(page);
      const second = page.locator(".ck-message-assistant").nth(1);
      await second.locator(".ck-sources").waitFor();
      equal(await second.locator(".ck-cite").count(), 0);
      const listed = await sourcesList(second);
      ok(listed.some(([, title]) => title === "Legacy archive"), JSON.stringify(listed));
      ok(listed.every(([, , href]) => href === null || String(href).startsWith(base)));

      // Screenshots show the first answer from its start: markers and its Sources list.
      await first.evaluate((el) => {
        const scroller = el.closest(".ck-scroll")!;
        scroller.scrollTop += el.getBoundingClientRect().top -
          scroller.getBoundingClientRect().top - 8;
      });
      deepEqual(await axeViolations(page, ".ck-panel"), [], "light: no WCAG 2.1 AA violation");
      await screenshot(page, "knowledge-sources-light");
      await page.emulateMedia({ colorScheme: "dark" });
      await page.waitForSelector(".ck-root[data-color-scheme=dark]", { state: "attached" });
      deepEqual(await axeViolations(page, ".ck-panel"), [], "dark: no WCAG 2.1 AA violation");
      await screenshot(page, "knowledge-sources-dark");
      await page.emulateMedia({ colorScheme: "light" });

      // After a reload the thread comes back from the server with the same citations.
      await page.reload();
      await page.waitForSelector("html[data-hydrated=true]");
      await openChat(page);
      await expectFirst("after a reload");
      equal(await second.locator(".ck-cite").count(), 0);
      deepEqual(await sourcesList(second), listed, "after a reload");
      deepEqual(errors, []);
      await context.close();
    } finally {
      await chat?.close();
      await db.close();
      await site.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
