import assert from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { accountHash, SignInSlowdown } from "./sign_in_slowdown.ts";

const LIMITS = { freeAttempts: 3, delaySeconds: 600, maxDelaySeconds: 3600 };

function fresh() {
  return { email: `${crypto.randomUUID()}@example.com`, address: "192.0.2.1" };
}

dbTest("sign-in slowdown - parallel tries cannot slip past the free ones", async (db) => {
  const slowdown = new SignInSlowdown(db.sql, LIMITS);
  const { email, address } = fresh();
  const results = await Promise.all(
    Array.from({ length: 10 }, () => slowdown.attempt(email, address)),
  );
  assert.equal(results.filter((r) => r === null).length, 3, "three counted, seven waiting");
  for (const r of results.filter((r) => r !== null)) {
    assert.ok(r.retryAfterSeconds > 0 && r.retryAfterSeconds <= 600, `${r.retryAfterSeconds}`);
  }
});

dbTest(
  "sign-in slowdown - the wait doubles up to the cap; a success or a quiet day forgets",
  async (db) => {
    const slowdown = new SignInSlowdown(db.sql, LIMITS);
    const { email, address } = fresh();
    const hash = await accountHash(email);
    // Moves the last try back in time, as if `seconds` had passed.
    const later = (seconds: number) =>
      db.sql`update sign_in_attempts set last_at = last_at - make_interval(secs => ${seconds})
      where account_hash = ${hash} and address = ${address}`;
    for (let i = 0; i < 3; i++) assert.equal(await slowdown.attempt(email, address), null);
    for (const wait of [600, 1200, 2400, 3600, 3600]) {
      const slowed = await slowdown.attempt(email, address);
      assert.ok(slowed, "must wait");
      assert.ok(slowed.retryAfterSeconds <= wait && slowed.retryAfterSeconds > wait - 60);
      await later(wait);
      assert.equal(await slowdown.attempt(email, address), null, `allowed after ${wait} s`);
    }
    // Other accounts from the address, and this account from other addresses, are not slowed.
    assert.equal(await slowdown.attempt(`x${email}`, address), null);
    assert.equal(await slowdown.attempt(email, "192.0.2.2"), null);
    // The same account however its email is written.
    assert.ok(await slowdown.attempt(` ${email.toUpperCase()} `, address));

    await later(2 * 24 * 3600);
    assert.equal(await slowdown.attempt(email, address), null, "a quiet day later it starts over");
    const [row] = await db.sql`select attempts from sign_in_attempts
    where account_hash = ${hash} and address = ${address}`;
    assert.equal(row.attempts, 1);

    await slowdown.succeeded(email, address);
    const rows = await db.sql`select 1 from sign_in_attempts
    where account_hash = ${hash} and address = ${address}`;
    assert.equal(rows.length, 0, "a success forgets the tries");
    // The address of email 2 kept its own row.
    const kept = await db.sql`select attempts from sign_in_attempts
    where account_hash = ${hash} and address = '192.0.2.2'`;
    assert.equal(kept[0].attempts, 1);
  },
);
