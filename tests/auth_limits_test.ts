/**
 * Brute force on sign-in, through the API (`/api/auth/sign-in/email`) and the page
 * (`/auth/signin`): better-auth's limiter per client address, stored in Postgres and shared by
 * instances, keyed by the connection's address (a client's own `X-Forwarded-For` counts only
 * under `TRUST_PROXY`); the per-account slow-down that leaves the owner, elsewhere, signing in.
 * And the profile bounds better-auth does not check (a name of any length).
 */
import assert from "node:assert/strict";
import { freshEmail, startAuthHarness, Visitor } from "./auth_helpers.ts";
import type { TestAppOptions } from "./support/app.ts";
import { dbTest, emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import type { TestDatabase } from "./support/db.ts";
import { type MainProcess, spawnMain } from "./support/main_process.ts";

const PASSWORD = "correct horse battery";
const WRONG = "wrong password 123";

type Limits = NonNullable<NonNullable<TestAppOptions["settings"]>["auth"]>["signInLimits"];

/** The app with these sign-in limits (windows long enough that no test depends on time). */
function harness(db: TestDatabase, signInLimits: Limits, env: Record<string, string> = {}) {
  return startAuthHarness(db, {
    env,
    settings: { auth: { signInLimits } } as TestAppOptions["settings"],
  });
}

/** Only the address limit, one try in three refused after three. */
const PER_ADDRESS: Limits = {
  perAddress: { max: 3, windowSeconds: 600 },
  perAccount: { freeAttempts: 1_000_000 },
};
/** Only the account slow-down. */
const PER_ACCOUNT: Limits = {
  perAddress: { max: 1_000_000 },
  perAccount: { freeAttempts: 3, delaySeconds: 600, maxDelaySeconds: 3600 },
};

/** An API sign-in from `visitor` (its headers: a forwarded address, say). */
function apiSignIn(visitor: Visitor, email: string, password: string): Promise<Response> {
  return visitor.fetch("/api/auth/sign-in/email", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
}

async function status(res: Response | Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

/** A Retry-After within (0, window]. */
function assertRetryAfter(res: Response, windowSeconds: number): void {
  const value = Number(res.headers.get("retry-after"));
  assert.ok(value > 0 && value <= windowSeconds, `Retry-After ${res.headers.get("retry-after")}`);
}

/**
 * Tests of one file share a database, and without TRUST_PROXY every request comes from
 * 127.0.0.1: the address counts of 127.0.0.1 are this test's to start from zero.
 */
async function forgetLoopback(db: TestDatabase): Promise<void> {
  await db.sql`delete from "rateLimit" where key like '127.0.0.1|%'`;
}

dbTest(
  "brute force (API) - wrong passwords get 429 with Retry-After, kept in Postgres; a spoofed X-Forwarded-For does not reset it",
  async (db) => {
    await forgetLoopback(db);
    const h = await harness(db, PER_ADDRESS);
    try {
      const email = freshEmail();
      await new Visitor(h.app).signUp(email, PASSWORD);
      await forgetLoopback(db); // the sign-up counted on its own path; start from a clean slate
      const attacker = new Visitor(h.app);
      for (let i = 0; i < 3; i++) {
        assert.equal(await status(apiSignIn(attacker, email, WRONG)), 401);
      }
      const refused = await apiSignIn(attacker, email, WRONG);
      assert.equal(refused.status, 429);
      assertRetryAfter(refused, 600);
      await refused.body?.cancel();
      // The count is a row of better-auth's table, keyed by the connection's address.
      const rows = await db.sql`select key, count from "rateLimit" where key like '127.0.0.1|%'`;
      assert.deepEqual(rows.map((r) => [r.key, r.count]), [["127.0.0.1|/sign-in/email", 3]]);

      // Claiming to be someone else changes nothing without TRUST_PROXY, nor does the right
      // password (the address is limited, whatever it tries).
      for (const forwarded of ["203.0.113.9", "198.51.100.1, 203.0.113.10"]) {
        const spoofer = new Visitor(h.app, { "x-forwarded-for": forwarded });
        assert.equal(await status(apiSignIn(spoofer, email, PASSWORD)), 429, forwarded);
      }
      const spoofedAddress = new Visitor(h.app, { "x-chatkit-client-address": "203.0.113.11" });
      assert.equal(await status(apiSignIn(spoofedAddress, email, PASSWORD)), 429);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "brute force (page) - wrong passwords on /auth/signin get a 429 page with Retry-After; a spoofed X-Forwarded-For does not reset it",
  async (db) => {
    await forgetLoopback(db);
    const h = await harness(db, PER_ADDRESS);
    try {
      const email = freshEmail();
      await new Visitor(h.app).signUp(email, PASSWORD);
      await forgetLoopback(db);
      const attacker = new Visitor(h.app);
      for (let i = 0; i < 3; i++) {
        assert.equal(
          await status(attacker.submit("/auth/signin", { email, password: WRONG })),
          401,
        );
      }
      const refused = await attacker.submit("/auth/signin", { email, password: WRONG });
      assert.equal(refused.status, 429);
      assertRetryAfter(refused, 600);
      assert.match(
        await refused.text(),
        /Too many attempts\. Try again in \d+ (seconds|minutes)\./,
      );

      const spoofer = new Visitor(h.app, { "x-forwarded-for": "203.0.113.9" });
      const res = await spoofer.submit("/auth/signin", { email, password: PASSWORD });
      assert.equal(res.status, 429);
      await res.body?.cancel();
      assert.ok(!spoofer.cookies.has("better-auth.session_token"), "no session");
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "brute force - with TRUST_PROXY the forwarded address is the one counted (API and page)",
  async (db) => {
    const h = await harness(db, PER_ADDRESS, { TRUST_PROXY: "true" });
    try {
      const email = freshEmail();
      await new Visitor(h.app, { "x-forwarded-for": "192.0.2.200" }).signUp(email, PASSWORD);
      // Addresses of this test only (documentation ranges, a random last part).
      const octet = () => 1 + Math.floor(Math.random() * 250);
      const base = `198.51.${octet()}`;
      const attacker = `${base}.1`;
      // The proxy appends the address it saw: the last entry counts, not the client's own.
      const via = (address: string) =>
        new Visitor(h.app, { "x-forwarded-for": `10.9.9.9, ${address}` });
      for (let i = 0; i < 3; i++) {
        assert.equal(await status(apiSignIn(via(attacker), email, WRONG)), 401);
      }
      const refused = await apiSignIn(via(attacker), email, WRONG);
      assert.equal(refused.status, 429);
      assertRetryAfter(refused, 600);
      await refused.body?.cancel();
      const page = await via(attacker).submit("/auth/signin", { email, password: PASSWORD });
      assert.equal(page.status, 429, "the page counts the same address");
      await page.body?.cancel();
      const [row] = await db.sql`select count from "rateLimit"
      where key = ${`${attacker}|/sign-in/email`}`;
      assert.equal(row.count, 3);

      // Another address behind the same proxy is not affected (API and page).
      assert.equal(await status(apiSignIn(via(`${base}.2`), email, PASSWORD)), 200);
      const owner = via(`${base}.3`);
      assert.equal(await status(owner.submit("/auth/signin", { email, password: PASSWORD })), 303);
      assert.ok(owner.cookies.has("better-auth.session_token"));
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "brute force - an attacker hammering one account is slowed down; its owner signs in from another address",
  async (db) => {
    const h = await harness(db, PER_ACCOUNT, { TRUST_PROXY: "true" });
    try {
      const email = freshEmail("owner");
      const other = freshEmail("other");
      await new Visitor(h.app, { "x-forwarded-for": "192.0.2.201" }).signUp(email, PASSWORD);
      await new Visitor(h.app, { "x-forwarded-for": "192.0.2.201" }).signUp(other, PASSWORD);
      const net = `203.0.${1 + Math.floor(Math.random() * 250)}`;
      const attacker = () => new Visitor(h.app, { "x-forwarded-for": `${net}.66` });
      const owner = () => new Visitor(h.app, { "x-forwarded-for": `${net}.77` });

      for (let i = 0; i < 3; i++) {
        assert.equal(await status(apiSignIn(attacker(), email, WRONG)), 401);
      }
      // From then on the attacker's tries at this account wait, right password or not: the answer
      // says nothing about the password.
      for (const password of [WRONG, PASSWORD]) {
        const res = await apiSignIn(attacker(), email, password);
        assert.equal(res.status, 429);
        assertRetryAfter(res, 600);
        assert.equal((await res.json()).code, "TOO_MANY_ATTEMPTS");
      }
      const page = await attacker().submit("/auth/signin", { email, password: PASSWORD });
      assert.equal(page.status, 429);
      assertRetryAfter(page, 600);
      assert.match(await page.text(), /Too many attempts/);

      // Not a per-account lockout: the owner, from their own address, signs in (page and API),
      // after a typo too; and the attacker's address may still try other accounts.
      assert.equal(await status(apiSignIn(owner(), email, WRONG)), 401);
      const signedIn = owner();
      assert.equal(
        await status(signedIn.submit("/auth/signin", { email, password: PASSWORD })),
        303,
      );
      assert.ok(signedIn.cookies.has("better-auth.session_token"));
      assert.equal(await status(apiSignIn(owner(), email, PASSWORD)), 200);
      assert.equal(await status(apiSignIn(attacker(), other, PASSWORD)), 200);

      // The owner's success forgot the owner's own tries, not the attacker's.
      const rows = await db.sql`select address, attempts from sign_in_attempts
      where address like ${net + ".%"} order by address`;
      assert.deepEqual(rows.map((r) => [r.address, r.attempts]), [[`${net}.66`, 3]]);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "profile bounds (API) - sign-up and update-user refuse an oversized name with a clear 400 and store nothing",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const signUp = (name: string, email: string) =>
        new Visitor(h.app).fetch("/api/auth/sign-up/email", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name, email, password: PASSWORD }),
        });
      for (const name of ["x".repeat(101), "é".repeat(20_000), "   "]) {
        const email = freshEmail();
        const res = await signUp(name, email);
        assert.equal(res.status, 400, `name of ${name.length}`);
        const body = await res.json();
        assert.equal(body.code, "INVALID_NAME");
        assert.match(body.message, /Name: use 1 to 100 characters/);
        const rows = await db.sql`select 1 from "user" where email = ${email}`;
        assert.equal(rows.length, 0, "no account");
      }
      const email = freshEmail();
      const ok = await signUp("ü".repeat(100), email);
      assert.equal(ok.status, 200, "100 characters are fine");
      const client = new Visitor(h.app);
      client.bearer = ok.headers.get("set-auth-token")!;
      await ok.body?.cancel();

      const update = (body: unknown) =>
        client.fetch("/api/auth/update-user", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      let res = await update({ name: "n".repeat(5000) });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).code, "INVALID_NAME");
      res = await update({ image: "https://example.com/" + "i".repeat(3000) });
      assert.equal(res.status, 400);
      assert.equal((await res.json()).code, "INVALID_IMAGE");
      const [user] = await db.sql`select name, image from "user" where email = ${email}`;
      assert.deepEqual([user.name, user.image], ["ü".repeat(100), null], "nothing changed");
      res = await update({ name: "New Name" });
      assert.equal(res.status, 200, await res.clone().text());
      await res.body?.cancel();
    } finally {
      await h.close();
    }
  },
);

Deno.test({
  name: `brute force - two instances on one PostgreSQL count together${
    SERVER_URL ? "" : ` (ignored: ${SERVER_MISSING_REASON})`
  }`,
  ignore: !SERVER_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // main.ts as an operator runs it: fresh.config.ts's limits (3 tries per address).
    const db = await emptyDatabase("postgres");
    const instances: MainProcess[] = [];
    try {
      for (let i = 0; i < 2; i++) instances.push(spawnMain({ env: { DATABASE_URL: db.url } }));
      const [one, two] = await Promise.all(instances.map((m) => m.listening));
      const email = freshEmail();
      const signIn = async (url: string) => {
        const res = await fetch(`${url}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email, password: WRONG }),
        });
        await res.body?.cancel();
        return res;
      };
      assert.equal((await signIn(one)).status, 401);
      assert.equal((await signIn(one)).status, 401);
      assert.equal((await signIn(two)).status, 401);
      // Each instance saw fewer than three; together they saw three.
      const refused = await signIn(two);
      assert.equal(refused.status, 429, "the second instance counts the first one's tries");
      assert.ok(Number(refused.headers.get("retry-after")) > 0);
      assert.equal((await signIn(one)).status, 429);
    } finally {
      await Promise.all(instances.map((m) => m.kill()));
      await db.close();
    }
  },
});
