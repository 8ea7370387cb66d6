import { equal } from "node:assert/strict";
import { sign, unsign, verifiedCount } from "./signing.ts";

Deno.test("signing - a cookie verified once is still refused when any byte of it changes", async () => {
  const secret = "signing-test-secret-one-0123456789abcdef";
  const signed = await sign(secret, "visitor-1");
  equal(await unsign(secret, signed), "visitor-1");
  // Remembered as verified: the same string again, and every altered one is checked afresh.
  equal(await unsign(secret, signed), "visitor-1");
  const dot = signed.lastIndexOf(".");
  equal(await unsign(secret, `visitor-2${signed.slice(dot)}`), null);
  const flipped = signed.slice(0, -3) + (signed.at(-3) === "A" ? "B" : "A") + signed.slice(-2);
  equal(await unsign(secret, flipped), null);
  // Another key never accepts what this one signed.
  equal(await unsign("signing-test-secret-two-0123456789abcdef", signed), null);
});

Deno.test("signing - the verified strings kept stay bounded", async () => {
  const secret = "signing-test-secret-bounded-0123456789ab";
  for (let i = 0; i < 4200; i++) equal(await unsign(secret, await sign(secret, `v${i}`)), `v${i}`);
  equal(verifiedCount(secret), 4096);
  // The oldest went first and still verifies (checked again, then kept again).
  equal(await unsign(secret, await sign(secret, "v0")), "v0");
});
