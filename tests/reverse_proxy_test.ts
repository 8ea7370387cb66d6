/**
 * `main.ts` on a plain host behind a reverse proxy that terminates TLS (as nginx or Caddy
 * would): with TRUST_PROXY the public https origin passes the CSRF check and the client address
 * is the proxy's last `X-Forwarded-For` entry; event streams tell the proxy not to buffer them;
 * cookies are Secure even when the app is not told about the proxy.
 */
import { equal, ok } from "node:assert/strict";
import type { TestApp } from "./support/app.ts";
import { createRequest } from "./chatkit_helpers.ts";
import { Visitor } from "./auth_helpers.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { spawnMain } from "./support/main_process.ts";

const PUBLIC = "https://chat.example.com";

/**
 * A loopback reverse proxy: forwards to `upstream`, appending the client's address (taken here
 * from a test header, as each test client stands for another machine) to X-Forwarded-For and
 * naming the public scheme and host.
 */
function startProxy(upstream: string) {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    const client = headers.get("x-test-client") ?? "203.0.113.1";
    headers.delete("x-test-client");
    const prior = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${client}` : client);
    headers.set("x-forwarded-proto", "https");
    headers.set("x-forwarded-host", new URL(PUBLIC).host);
    const res = await fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      redirect: "manual",
    });
    return new Response(res.body, { status: res.status, headers: res.headers });
  });
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${port}`, close: () => server.shutdown() };
}

Deno.test({
  name: "behind a reverse proxy - TRUST_PROXY: public origin accepted, client address forwarded",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const model = await startFakeOpenAI({ defaultTurn: () => ({ text: "proxied answer" }) });
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-proxy-" });
    const env = {
      DATA_DIR: dataDir,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: "sk-test",
      RATE_LIMIT_PER_ADDRESS_PER_MINUTE: "2",
    };
    const trusting = spawnMain({ env: { ...env, TRUST_PROXY: "true" } });
    let proxy: ReturnType<typeof startProxy> | undefined;
    try {
      proxy = startProxy(await trusting.listening);
      const app = { url: proxy.url } as TestApp;
      // A browser on the public origin: its Origin header is the https one.
      const browser = new Visitor(app, { origin: PUBLIC, "x-test-client": "198.51.100.20" });
      const res = await browser.post(createRequest("through the proxy"));
      equal(res.status, 200, await res.clone().text());
      equal(res.headers.get("x-accel-buffering"), "no");
      ok(res.headers.get("cache-control")?.includes("no-transform"));
      const text = await res.text();
      ok(text.includes("proxied answer"), text);
      // The same cookie, again from the public origin: still accepted (it is our own origin).
      const again = await browser.post(createRequest("second"));
      equal(again.status, 200);
      await again.body?.cancel();
      // The client's address (two a minute): a third message from it is refused...
      const third = await new Visitor(app, { "x-test-client": "198.51.100.20" })
        .post(createRequest("third from the same machine"));
      equal(third.status, 429);
      await third.body?.cancel();
      // ...and another machine behind the same proxy is not.
      const other = await new Visitor(app, { "x-test-client": "198.51.100.21" })
        .post(createRequest("another machine"));
      equal(other.status, 200);
      await other.body?.cancel();
    } finally {
      await proxy?.close();
      equal(await trusting.stop(), 0, trusting.output());
    }

    // Without TRUST_PROXY the forwarded headers mean nothing: the https origin is foreign.
    const plain = spawnMain({ env });
    try {
      proxy = startProxy(await plain.listening);
      const browser = new Visitor({ url: proxy.url } as TestApp, { origin: PUBLIC });
      const first = await browser.post(createRequest("first, without a cookie yet"));
      await first.body?.cancel();
      // Production behind TLS without BETTER_AUTH_URL or TRUST_PROXY: the visitor cookie is
      // still Secure, by the rule better-auth's session cookie follows (issue 14, item 14).
      const visitorCookie = first.headers.getSetCookie().find((c) => c.includes("chatkit.visitor"));
      ok(visitorCookie, "a visitor cookie");
      ok(visitorCookie.startsWith("__Secure-chatkit.visitor="), visitorCookie);
      ok(/; Secure(;|$)/.test(visitorCookie), visitorCookie);
      const refused = await browser.post(createRequest("with the cookie"));
      equal(refused.status, 403, await refused.clone().text());
      await refused.body?.cancel();
    } finally {
      await proxy?.close();
      equal(await plain.stop(), 0, plain.output());
      await model.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
