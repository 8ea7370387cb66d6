import assert from "node:assert/strict";
import { newVisitorId, renewalAgeSeconds } from "./identity.ts";
import { useSecureCookies } from "./better.ts";
import { safeNext, validateSignUp } from "../../components/auth/form.ts";
import { sign, unsign } from "./signing.ts";
import { checkCsrf } from "../http/csrf.ts";
import { contentSecurityPolicy } from "../http/security_headers.ts";

const SECRET = "unit-test-secret-unit-test-secret-0123";

Deno.test("sign - matches better-auth's cookie signature format and round-trips", async () => {
  // better-auth signs `token` as base64(HMAC-SHA256(secret, token)), standard base64 with padding.
  const signed = await sign(SECRET, "abc");
  assert.match(signed, /^abc\.[A-Za-z0-9+/]{43}=$/);
  assert.equal(await unsign(SECRET, signed), "abc");
  assert.equal(await unsign("another-secret-another-secret-0123", signed), null);
  assert.equal(await unsign(SECRET, signed.replace("abc", "abd")), null);
  assert.equal(await unsign(SECRET, "abc"), null);
  assert.equal(await unsign(SECRET, "abc.!!!"), null);
  assert.equal(await unsign(SECRET, "abc.AAAA"), null);
});

Deno.test("newVisitorId - 128 random bits, URL-safe", () => {
  const ids = new Set(Array.from({ length: 100 }, newVisitorId));
  assert.equal(ids.size, 100);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});

Deno.test("safeNext - only same-site paths", () => {
  assert.equal(safeNext("/threads?x=1"), "/threads?x=1");
  for (
    const bad of [null, "", "https://evil.test", "//evil.test", "/\\evil.test", "/\t/evil", "x"]
  ) {
    assert.equal(safeNext(bad), "/", String(bad));
  }
});

Deno.test("validateSignUp - names each bad field", () => {
  assert.deepEqual(Object.keys(validateSignUp("", "nope", "short", 8)), [
    "name",
    "email",
    "password",
  ]);
  assert.deepEqual(validateSignUp("Ann", "ann@example.com", "long enough", 8), {});
});

Deno.test("checkCsrf - by Origin first, then Sec-Fetch-Site; safe methods and bare clients pass", () => {
  const options = { allowedOrigins: ["https://partner.test"], ownOrigins: ["http://app.test"] };
  const request = (method: string, headers: Record<string, string>) =>
    new Request("http://app.test/chatkit", { method, headers });
  const refused = (headers: Record<string, string>) =>
    assert.throws(() => checkCsrf(request("POST", headers), options), { status: 403 });
  refused({ origin: "https://evil.test" });
  refused({ origin: "null" });
  refused({ "sec-fetch-site": "cross-site" });
  refused({ "sec-fetch-site": "same-site" });
  refused({ origin: "https://evil.test", "sec-fetch-site": "same-origin" });
  for (
    const headers of <Record<string, string>[]> [
      {},
      { origin: "http://app.test" },
      { origin: "https://partner.test", "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-site": "none" },
    ]
  ) checkCsrf(request("POST", headers), options);
  checkCsrf(request("GET", { origin: "https://evil.test" }), options);
});

Deno.test("contentSecurityPolicy - the ChatKit CDN only when given", () => {
  const on = contentSecurityPolicy({
    chatkitOrigins: ["https://cdn.platform.openai.com"],
    frameAncestors: ["https://partner.test"],
    formTargets: [],
  });
  assert.match(on, /script-src 'self' https:\/\/cdn\.platform\.openai\.com;/);
  assert.match(on, /frame-ancestors 'self' https:\/\/partner\.test$/);
  const off = contentSecurityPolicy({ chatkitOrigins: [], frameAncestors: [], formTargets: [] });
  assert.doesNotMatch(off, /openai/);
  assert.match(off, /frame-ancestors 'self'$/);
});

Deno.test("useSecureCookies - better-auth's rule: the public URL's scheme, else production", () => {
  const of = (baseUrl: string | undefined, mode: "development" | "production") =>
    useSecureCookies({ mode, auth: { baseUrl } as Parameters<typeof useSecureCookies>[0]["auth"] });
  assert.equal(of("https://chat.example.com", "development"), true);
  assert.equal(of("http://localhost:8000", "production"), false);
  // Behind a TLS proxy nothing tells the app: production alone makes cookies Secure.
  assert.equal(of(undefined, "production"), true);
  assert.equal(of(undefined, "development"), false);
});

Deno.test("renewalAgeSeconds - a day, or half the lifetime when that is shorter", () => {
  assert.equal(renewalAgeSeconds(30 * 24 * 60 * 60), 24 * 60 * 60);
  assert.equal(renewalAgeSeconds(3600), 1800);
});
