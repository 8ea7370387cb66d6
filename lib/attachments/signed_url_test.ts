import assert from "node:assert/strict";
import { signAttachmentUrl, verifyAttachmentSignature } from "./signed_url.ts";

const SECRET = "test-secret-0123456789abcdef0123456789";

function params(url: string) {
  const u = new URL(url);
  return {
    expires: u.searchParams.get("exp"),
    signature: u.searchParams.get("sig"),
    path: u.pathname,
  };
}

Deno.test("signed url - works for its attachment and owner until it expires", async () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  const url = await signAttachmentUrl(SECRET, {
    base: "http://127.0.0.1:8000/chatkit/preview/",
    attachmentId: "atc_1",
    owner: "anon:a",
    ttlSeconds: 600,
    now,
  });
  const p = params(url);
  assert.equal(p.path, "/chatkit/preview/atc_1");
  assert.ok(!url.includes("anon"), "the owner is not written into the URL");
  const check = (o: Partial<{ attachmentId: string; owner: string; now: number }>) =>
    verifyAttachmentSignature(SECRET, {
      attachmentId: "atc_1",
      owner: "anon:a",
      expires: p.expires,
      signature: p.signature,
      now,
      ...o,
    });
  assert.equal(await check({}), "ok");
  assert.equal(await check({ now: now + 599_000 }), "ok");
  assert.equal(await check({ now: now + 661_000 }), "expired");
  assert.equal(await check({ owner: "anon:b" }), "invalid");
  assert.equal(await check({ attachmentId: "atc_2" }), "invalid");
});

Deno.test("signed url - a changed expiry or a forged signature is invalid", async () => {
  const url = await signAttachmentUrl(SECRET, {
    base: "http://x/p/",
    attachmentId: "atc_9",
    owner: "u1",
    ttlSeconds: 60,
  });
  const p = params(url);
  const base = { attachmentId: "atc_9", owner: "u1" };
  const later = String(Number(p.expires) + 3600);
  assert.equal(
    await verifyAttachmentSignature(SECRET, { ...base, expires: later, signature: p.signature }),
    "invalid",
  );
  assert.equal(
    await verifyAttachmentSignature(SECRET, { ...base, expires: p.expires, signature: "abc" }),
    "invalid",
  );
  assert.equal(
    await verifyAttachmentSignature("other-secret", { ...base, ...p }),
    "invalid",
  );
  assert.equal(
    await verifyAttachmentSignature(SECRET, { ...base, expires: null, signature: null }),
    "invalid",
  );
});
