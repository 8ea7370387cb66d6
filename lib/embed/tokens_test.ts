import assert from "node:assert/strict";
import { sign } from "../auth/signing.ts";
import { pageTitle, pageUrl } from "./protocol.ts";
import { pageContextNote, readPageContext } from "./page_context.ts";
import { EMBED_PATHS, signVisitorToken, verifyVisitorToken } from "./tokens.ts";

const SECRET = "unit-test-secret-unit-test-secret-0123";
const ORIGIN = "https://docs.example.com";
const VISITOR = "AAAAAAAAAAAAAAAAAAAAAA";

Deno.test("visitor token - round-trips for its origin only", async () => {
  const token = await signVisitorToken(SECRET, { visitorId: VISITOR, origin: ORIGIN, seconds: 60 });
  const claims = await verifyVisitorToken(SECRET, token, ORIGIN);
  assert.equal(claims?.visitorId, VISITOR);
  assert.equal(claims?.origin, ORIGIN);
  assert.equal(await verifyVisitorToken(SECRET, token, "https://evil.example"), null);
  assert.equal(await verifyVisitorToken("another-secret-another-secret-0123", token, ORIGIN), null);
});

Deno.test("visitor token - expires", async () => {
  const now = Date.now();
  const token = await signVisitorToken(
    SECRET,
    { visitorId: VISITOR, origin: ORIGIN, seconds: 60 },
    now,
  );
  assert.ok(await verifyVisitorToken(SECRET, token, ORIGIN, now + 59_000));
  assert.equal(await verifyVisitorToken(SECRET, token, ORIGIN, now + 61_000), null);
});

Deno.test("visitor token - a tampered payload or a cookie signature does not pass", async () => {
  const token = await signVisitorToken(SECRET, { visitorId: VISITOR, origin: ORIGIN, seconds: 60 });
  const [prefix, payload, signature] = token.split(".");
  const forged = JSON.stringify({ v: "BBBBBBBBBBBBBBBBBBBBBB", o: ORIGIN, e: 9999999999 });
  const forgedPayload = btoa(forged).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  assert.equal(
    await verifyVisitorToken(SECRET, `${prefix}.${forgedPayload}.${signature}`, ORIGIN),
    null,
  );
  assert.notEqual(payload, forgedPayload);
  // Signed with the cookie key (the app secret itself), the same value is not a visitor token.
  const cookieSigned = await sign(SECRET, `${prefix}.${payload}`);
  assert.equal(await verifyVisitorToken(SECRET, cookieSigned, ORIGIN), null);
  assert.equal(await verifyVisitorToken(SECRET, "ckv1.garbage", ORIGIN), null);
  assert.equal(await verifyVisitorToken(SECRET, "", ORIGIN), null);
});

Deno.test("embed paths - only the protocol endpoint and its upload and preview routes", () => {
  for (
    const ok of ["/chatkit", "/chatkit/upload", "/chatkit/upload/atc_1", "/chatkit/preview/atc_1"]
  ) {
    assert.ok(EMBED_PATHS.test(ok), ok);
  }
  for (
    const bad of [
      "/",
      "/api/auth/get-session",
      "/api/auth/update-user",
      "/chatkitx",
      "/chatkit/other",
      "/embed/grant",
    ]
  ) {
    assert.ok(!EMBED_PATHS.test(bad), bad);
  }
});

Deno.test("page context - URL without query or fragment, title cleaned, same origin only", () => {
  assert.equal(
    pageUrl("https://docs.example.com/guide/a?token=1#part"),
    "https://docs.example.com/guide/a",
  );
  assert.equal(pageUrl("javascript:alert(1)"), undefined);
  assert.equal(pageUrl("https://user:pw@docs.example.com/"), undefined);
  assert.equal(pageUrl("not a url"), undefined);
  assert.equal(pageTitle("  Guide\n\tA \u0000 "), "Guide A");
  assert.equal(pageTitle("x".repeat(1000))?.length, 300);

  const req = new Request("http://app/chatkit", {
    headers: {
      "x-chatkit-page-url": "https://docs.example.com/guide?q=1",
      "x-chatkit-page-title": encodeURIComponent("Guide – Schritt 1"),
    },
  });
  assert.deepEqual(readPageContext(req, ORIGIN), {
    url: "https://docs.example.com/guide",
    title: "Guide – Schritt 1",
  });
  assert.equal(readPageContext(req, "https://other.example"), undefined);
  assert.equal(readPageContext(req, undefined), undefined);
  const note = pageContextNote({ url: "https://docs.example.com/guide", title: 'Say "hi"' });
  assert.equal(
    note,
    '(Sent from the web page https://docs.example.com/guide titled "Say \\"hi\\"")',
  );
});
