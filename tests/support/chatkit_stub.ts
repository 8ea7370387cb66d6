/**
 * A self-written stand-in for OpenAI's `<openai-chatkit>` element, served by browser tests in
 * place of `chatkit.js`.
 *
 * Why a stand-in, when the suite's rule is "no stand-ins but the model provider": the real
 * `chatkit.js` is served only from OpenAI's CDN, which this closed network (and CI) cannot reach,
 * and it may not be copied into the repository. It is the one part of the system the tests
 * cannot run for real, so it is replaced at the narrowest point — the element's public surface —
 * and everything behind it (the widget's wiring, `options.api.fetch`, the server) stays real.
 * What only the real element would show (its rendering, its own protocol handling) is covered by
 * the built-in client's browser tests against the same server instead.
 *
 * It implements the surface the widget uses (`setOptions`, `setThreadId`, `showHistory`,
 * `chatkit.*` events) and records what it receives in `window.__chatkitStub`:
 * - `options`: the last `setOptions` payload as JSON (functions replaced by `"[function]"`),
 * - `calls`: how often `setOptions` ran, and `methods` called,
 * - `probe()`: sends `threads.list` through `options.api.fetch` (the way ChatKit calls the
 *   backend) and records the `RequestInit` the page's fetch received and the answer's status,
 * - `changeThread(id)`: fires `chatkit.thread.change` like the component does.
 * @module
 */
import type { Page } from "playwright-core";

/** The stand-in's script. */
export const CHATKIT_STUB_SCRIPT = `
(() => {
  const record = (window.__chatkitStub = { options: null, calls: 0, methods: [], probes: [] });
  const toJson = (value) => JSON.parse(JSON.stringify(value, (_k, v) => typeof v === "function" ? "[function]" : v));
  class StubChatKit extends HTMLElement {
    #options = null;
    connectedCallback() {
      this.setAttribute("data-stub", "true");
      this.textContent = "ChatKit stand-in";
      this.dispatchEvent(new CustomEvent("chatkit.ready", { bubbles: true, composed: true }));
    }
    setOptions(options) {
      this.#options = options;
      record.calls += 1;
      record.options = toJson(options);
      record.fetchIsFunction = typeof options?.api?.fetch === "function";
      return Promise.resolve();
    }
    setThreadId(id) {
      record.methods.push(["setThreadId", id]);
      this.changeThread(id);
      return Promise.resolve();
    }
    showHistory() {
      record.methods.push(["showHistory"]);
      return Promise.resolve();
    }
    changeThread(id) {
      this.dispatchEvent(new CustomEvent("chatkit.thread.change", { detail: { threadId: id }, bubbles: true, composed: true }));
    }
    async probe() {
      const options = this.#options;
      const original = window.fetch;
      let seenInit = null;
      window.fetch = (input, init) => { seenInit = init; return original(input, init); };
      try {
        const response = await options.api.fetch(options.api.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ type: "threads.list", params: { limit: 5 } }),
        });
        const headers = {};
        new Headers(seenInit?.headers).forEach((v, k) => { headers[k] = v; });
        const probe = { status: response.status, credentials: seenInit?.credentials ?? null, headers, body: await response.json() };
        record.probes.push(probe);
        return probe;
      } finally {
        window.fetch = original;
      }
    }
  }
  customElements.define("openai-chatkit", StubChatKit);
  window.__chatkitStubElement = () => document.querySelector("openai-chatkit");
})();
`;

/** A script that loads fine but never defines the element (to exercise the load timeout). */
export const EMPTY_SCRIPT = "window.__chatkitLoadedButEmpty = true;";

/** Serves the stand-in at `url` (the configured `chatkit.scriptUrl`) for this page. */
export async function serveChatKitStub(page: Page, url: string, body = CHATKIT_STUB_SCRIPT) {
  await page.route(
    url,
    (route) => route.fulfill({ status: 200, contentType: "text/javascript", body }),
  );
}

/** Makes `chatkit.js` fail to load, as it does offline or behind a strict CSP. */
export async function blockChatKit(page: Page, url: string) {
  await page.route(url, (route) => route.abort("internetdisconnected"));
}
