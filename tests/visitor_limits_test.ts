/**
 * Limits that hold when every request is a new visitor (issue 14, item 6): cookieless requests
 * from one network share a small budget, an IPv6 network counts as its /64, and the app-wide
 * model budget answers 503 with Retry-After once spent. Addresses are chosen per test through
 * TRUST_PROXY + X-Forwarded-For (random ones, so windows of other tests never count here).
 */
import assert from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { startAuthHarness, Visitor } from "./auth_helpers.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";
import { waitUntil } from "./support/wait.ts";

const OFF = {
  perMinute: 0,
  perDay: 0,
  perAddressPerMinute: 0,
  perAddressPerDay: 0,
  newVisitorsPerAddressPerMinute: 0,
  newVisitorsPerAddressPerDay: 0,
  globalPerMinute: 0,
  globalPerDay: 0,
};

function random16(): string {
  return crypto.getRandomValues(new Uint16Array(1))[0].toString(16);
}

/** A random /64 of the documentation prefix. */
function randomNetwork(): string {
  return `2001:db8:${random16()}:${random16()}`;
}

/** Seconds left in the database's UTC day (the limiter counts with its clock). */
async function secondsLeftToday(db: TestDatabase): Promise<number> {
  const [row] = await db.sql`
    select ceil(extract(epoch from date_trunc('day', now() at time zone 'utc')
      + interval '1 day' - (now() at time zone 'utc')))::int as left`;
  return row.left as number;
}

/** Day windows are exact only if the test does not straddle midnight: wait for a new day then. */
async function notNearMidnight(db: TestDatabase): Promise<void> {
  await waitUntil(
    async () => (await secondsLeftToday(db)) > 90,
    "the UTC day has time left",
    120_000,
  );
}

async function statusOf(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

dbTest(
  "visitor limits - a cookieless flood from one address gets 429 after the new-visitor budget",
  async (db) => {
    await notNearMidnight(db);
    const h = await startAuthHarness(db, {
      env: { TRUST_PROXY: "true" },
      settings: { rateLimit: { ...OFF, newVisitorsPerAddressPerDay: 3 } },
    });
    try {
      const flooder = { "x-forwarded-for": `${randomNetwork()}::1` };
      const before = h.fake.requests.length;
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = 0; i < 8; i++) {
        // No cookie jar kept: every request is a brand-new visitor.
        const res = await new Visitor(h.app, flooder).post(createRequest(`flood ${i}`));
        statuses.push(res.status);
        if (res.status === 429 && !refused) refused = res;
        else await res.arrayBuffer(); // a 200 streams its whole turn
      }
      assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429, 429, 429]);
      assert.ok(refused);
      assert.ok(Number(refused.headers.get("retry-after")) >= 1);
      const body = await refused.json();
      assert.equal(body.error.code, "rate_limited");
      assert.match(body.error.message, /new visitors/);
      assert.equal(h.fake.requests.length - before, 3, "no model call for a refused request");

      // A visitor that came back with its cookie is not a new visitor: its own budget applies.
      const browser = new Visitor(h.app, flooder);
      // A page (not /health, which skips identity) gives it its cookie.
      assert.equal(await statusOf(browser.fetch("/", { headers: { accept: "text/html" } })), 200);
      assert.ok(browser.visitorId(), "the page gave it a cookie");
      await browser.stream(createRequest("with my cookie"));
      // Another network's new visitors have a budget of their own.
      const other = new Visitor(h.app, { "x-forwarded-for": `${randomNetwork()}::1` });
      await other.stream(createRequest("elsewhere"));
    } finally {
      await h.close();
    }
  },
);

dbTest("visitor limits - two IPv6 addresses in one /64 share a per-address limit", async (db) => {
  await notNearMidnight(db);
  const h = await startAuthHarness(db, {
    env: { TRUST_PROXY: "true" },
    settings: { rateLimit: { ...OFF, perAddressPerDay: 2 } },
  });
  try {
    const net = randomNetwork();
    const a = new Visitor(h.app, { "x-forwarded-for": `${net}::1` });
    const b = new Visitor(h.app, { "x-forwarded-for": `${net}:ffff:ffff:ffff:fffe` });
    await a.stream(createRequest("one"));
    await b.stream(createRequest("two"));
    assert.equal(await statusOf(a.post(createRequest("three"))), 429, "the /64 spent its budget");
    assert.equal(await statusOf(b.post(createRequest("four"))), 429, "for every address in it");
    // The neighbouring /64 is another network.
    const [g1, g2, g3, g4] = net.split(":");
    const next = `${g1}:${g2}:${g3}:${(parseInt(g4, 16) ^ 1).toString(16)}::1`;
    await new Visitor(h.app, { "x-forwarded-for": next }).stream(createRequest("neighbour"));
    // IPv4 addresses still count one by one.
    const v4 = `198.51.100.${crypto.getRandomValues(new Uint8Array(1))[0]}`;
    await new Visitor(h.app, { "x-forwarded-for": v4 }).stream(createRequest("v4"));
  } finally {
    await h.close();
  }
});

dbTest(
  "visitor limits - the global model budget answers 503 with Retry-After once spent",
  async (db) => {
    await notNearMidnight(db);
    const h = await startAuthHarness(db, {
      env: { TRUST_PROXY: "true", RATE_LIMIT_GLOBAL_PER_DAY: "2" },
      settings: { rateLimit: { ...OFF, perDay: 1 } },
    });
    try {
      assert.equal(h.app.services.limiter.limits.globalPerDay, 2);
      const alice = new Visitor(h.app, { "x-forwarded-for": `${randomNetwork()}::1` });
      await alice.stream(createRequest("one"));
      // Refused by her own limit: that does not spend everyone's budget.
      assert.equal(await statusOf(alice.post(createRequest("over my own limit"))), 429);
      await new Visitor(h.app, { "x-forwarded-for": `${randomNetwork()}::2` })
        .stream(createRequest("two"));
      const calls = h.fake.requests.length;

      // Spent: any caller, from anywhere, gets the 503 before any stream starts.
      const late = new Visitor(h.app, { "x-forwarded-for": `${randomNetwork()}::3` });
      const res = await late.post(createRequest("three"));
      assert.equal(res.status, 503);
      assert.equal(res.headers.get("content-type"), "application/json");
      const retry = Number(res.headers.get("retry-after"));
      const left = await secondsLeftToday(db);
      assert.ok(Math.abs(retry - left) <= 5, `Retry-After ${retry} ≈ ${left} (end of the UTC day)`);
      const body = await res.json();
      assert.equal(body.error.code, "model_budget_exhausted");
      assert.match(
        body.error.message,
        /reached its usage limit for now\. Try again in (a minute|about \d+ (minute|hour)s?)\./,
      );
      assert.equal(h.fake.requests.length, calls, "no model call once the budget is spent");
      // Reading still works.
      assert.equal(await statusOf(late.post({ type: "threads.list", params: {} })), 200);
    } finally {
      await h.close();
    }
  },
);
