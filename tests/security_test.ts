/**
 * CSRF, CORS, security headers, message rate limits, and secrets kept out of responses and logs.
 */
import assert from "node:assert/strict";
import { log } from "../lib/log.ts";
import { addMessageRequest, createRequest } from "./chatkit_helpers.ts";
import { captureConsole, freshEmail, startAuthHarness, Visitor } from "./auth_helpers.ts";
import { TEST_SECRET } from "./support/app.ts";
import { dbTest } from "./support/db.ts";
import { waitUntil } from "./support/wait.ts";
import type { TestAppOptions } from "./support/app.ts";

const EVIL = "https://evil.example";
const PARTNER = "https://partner.example";
const CDN = "https://cdn.platform.openai.com";
const PASSWORD = "security password 42";
const LIST = { type: "threads.list", params: {} };

async function status(res: Promise<Response>): Promise<number> {
  const r = await res;
  await r.body?.cancel();
  return r.status;
}

dbTest(
  "CSRF - cross-site cookie requests are refused; own origin, allowed origins and non-browsers pass",
  async (db) => {
    const h = await startAuthHarness(db, {
      env: { ALLOWED_ORIGINS: PARTNER, BETTER_AUTH_URL: "https://chat.example.com" },
    });
    try {
      const v = new Visitor(h.app);
      assert.equal(await status(v.post(LIST)), 200, "first visit: the visitor cookie is set");
      const threadsBefore = await db.sql`select count(*)::int as n from threads`;
      const refused = async (
        headers: Record<string, string>,
        body: unknown = createRequest("x"),
      ) => {
        const res = await v.post(body, { headers });
        assert.equal(res.status, 403, JSON.stringify(headers));
        assert.deepEqual((await res.json()).error.code, "cross_site_request");
      };
      await refused({ origin: EVIL });
      await refused({ origin: EVIL, "sec-fetch-site": "cross-site" });
      await refused({ "sec-fetch-site": "cross-site" });
      await refused({ "sec-fetch-site": "same-site" });
      await refused({ origin: "null" });
      await refused({ origin: h.app.url.replace("127.0.0.1", "localhost") });
      assert.deepEqual(await db.sql`select count(*)::int as n from threads`, threadsBefore);

      // The app's own origin (where the request went, or BETTER_AUTH_URL), allowed origins, and
      // clients that send neither header.
      for (
        const headers of <Record<string, string>[]> [
          { origin: h.app.url, "sec-fetch-site": "same-origin" },
          { "sec-fetch-site": "same-origin" },
          { "sec-fetch-site": "none" },
          { origin: "https://chat.example.com" },
          { origin: PARTNER, "sec-fetch-site": "cross-site" },
          {},
        ]
      ) {
        assert.equal(await status(v.post(LIST, { headers })), 200, JSON.stringify(headers));
      }
      // Safe methods are never refused.
      assert.equal(
        await status(v.fetch("/", { headers: { origin: EVIL, accept: "text/html" } })),
        200,
      );

      // Sign-in forms and better-auth's endpoints: refused cross-site even without cookies.
      const email = freshEmail();
      const fresh = new Visitor(h.app);
      assert.equal(
        await status(fresh.fetch("/auth/signup", {
          method: "POST",
          headers: { origin: EVIL, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ name: "X", email, password: PASSWORD }),
        })),
        403,
      );
      assert.equal(
        await status(fresh.fetch("/api/auth/sign-up/email", {
          method: "POST",
          headers: { origin: EVIL, "content-type": "application/json" },
          body: JSON.stringify({ name: "X", email, password: PASSWORD }),
        })),
        403,
      );
      assert.equal((await db.sql`select 1 from "user" where email = ${email}`).length, 0);

      // A signed-in user: cross-site sign-out and messages are refused, the session survives.
      const user = new Visitor(h.app);
      const userId = await user.signUp(email, PASSWORD);
      assert.equal(
        await status(user.fetch("/auth/signout", { method: "POST", headers: { origin: EVIL } })),
        403,
      );
      assert.equal(await status(user.post(createRequest("x"), { headers: { origin: EVIL } })), 403);
      const [session] = await db
        .sql`select count(*)::int as n from "session" where "userId" = ${userId}`;
      assert.equal(session.n, 1);

      // A forged session cookie still counts as a cookie: refused cross-site.
      const forged = new Visitor(h.app, {
        cookie: "better-auth.session_token=abc.def",
        origin: EVIL,
      });
      assert.equal(await status(forged.post(LIST)), 403);

      // Bearer without cookies: another site's page cannot send it, so it is not a CSRF risk.
      const signIn = await new Visitor(h.app).fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      await signIn.body?.cancel();
      const api = new Visitor(h.app, { origin: EVIL });
      api.bearer = signIn.headers.get("set-auth-token")!;
      const viaBearer = await api.post(createRequest("via bearer"));
      assert.equal(viaBearer.status, 200);
      // Read to the end: the thread is stored before its stream says so.
      await viaBearer.text();
      const [own] = await db.sql`select count(*)::int as n from threads where owner_id = ${userId}`;
      assert.equal(own.n, 1, "the Bearer request acted as the user");
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "CORS - preflight and responses for ALLOWED_ORIGINS only, with credentials, never *",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: `${PARTNER}, ${CDN}` } });
    try {
      const preflight = (origin: string, path = "/chatkit") =>
        fetch(new URL(path, h.app.url), {
          method: "OPTIONS",
          headers: {
            origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type, authorization",
          },
        });
      for (const origin of [PARTNER, CDN]) {
        for (const path of ["/chatkit", "/chatkit/upload/atc_x", "/api/auth/sign-in/email"]) {
          const res = await preflight(origin, path);
          await res.body?.cancel();
          assert.equal(res.status, 204, `${origin} ${path}`);
          assert.equal(res.headers.get("access-control-allow-origin"), origin);
          assert.equal(res.headers.get("access-control-allow-credentials"), "true");
          assert.match(res.headers.get("access-control-allow-methods")!, /\bPOST\b/);
          assert.match(res.headers.get("access-control-allow-headers")!, /authorization/i);
          assert.match(res.headers.get("access-control-allow-headers")!, /content-type/i);
          assert.match(res.headers.get("vary")!, /Origin/);
        }
      }
      const refused = await preflight(EVIL);
      await refused.body?.cancel();
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get("access-control-allow-origin"), null);

      // The actual request from the ChatKit iframe's origin, with a Bearer token.
      const email = freshEmail();
      await new Visitor(h.app).signUp(email, PASSWORD);
      const signIn = await new Visitor(h.app).fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json", origin: CDN },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      assert.equal(signIn.status, 200);
      await signIn.body?.cancel();
      assert.equal(signIn.headers.get("access-control-allow-origin"), CDN);
      assert.match(signIn.headers.get("access-control-expose-headers")!, /set-auth-token/i);
      const iframe = new Visitor(h.app, { origin: CDN });
      iframe.bearer = signIn.headers.get("set-auth-token")!;
      const res = await iframe.post(LIST);
      await res.body?.cancel();
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), CDN);
      assert.equal(res.headers.get("access-control-allow-credentials"), "true");
      assert.match(res.headers.get("access-control-expose-headers")!, /retry-after/i);

      // Other origins get no CORS headers at all, and nobody ever gets `*`.
      const other = await new Visitor(h.app, { origin: EVIL }).fetch("/health");
      await other.body?.cancel();
      assert.equal(other.headers.get("access-control-allow-origin"), null);
      for (const r of [res, other]) {
        assert.notEqual(
          r.headers.get("access-control-allow-origin"),
          "*",
        );
      }
    } finally {
      await h.close();
    }
  },
);

function cspOf(res: Response): string {
  const csp = res.headers.get("content-security-policy");
  assert.ok(csp, "a CSP");
  return csp;
}

dbTest(
  "security headers - on pages, JSON, static files, errors; CDN only with the ChatKit UI",
  async (db) => {
    const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: PARTNER } });
    try {
      const v = new Visitor(h.app);
      const responses = [
        await v.fetch("/", { headers: { accept: "text/html" } }),
        await v.fetch("/auth/signin", { headers: { accept: "text/html" } }),
        await v.post(LIST),
        await v.post("not json"),
        await v.fetch("/styles.css"),
        await v.fetch("/no-such-page", { headers: { accept: "text/html" } }),
        await v.fetch("/health"),
      ];
      for (const res of responses) {
        await res.body?.cancel();
        const what = `${res.url} ${res.status}`;
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
        assert.equal(res.headers.get("referrer-policy"), "strict-origin-when-cross-origin", what);
        const csp = cspOf(res);
        assert.match(csp, /default-src 'self'/, what);
        assert.match(csp, new RegExp(`script-src 'self' ${CDN}`), what);
        assert.match(csp, new RegExp(`frame-src 'self' ${CDN}`), what);
        assert.match(csp, new RegExp(`frame-ancestors 'self' ${PARTNER}(;|$)`), what);
        assert.match(csp, /object-src 'none'/, what);
        assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/, what);
      }
      assert.deepEqual(responses.map((r) => r.status), [200, 200, 200, 400, 200, 404, 200]);
    } finally {
      await h.close();
    }
    for (
      const chatkit of [{ ui: false }, { builtInClient: "always" }] as Record<string, unknown>[]
    ) {
      const off = await startAuthHarness(db, {
        settings: { chatkit } as TestAppOptions["settings"],
      });
      try {
        const res = await off.app.fetch("/", { headers: { accept: "text/html" } });
        await res.body?.cancel();
        const csp = cspOf(res);
        assert.doesNotMatch(csp, /cdn\.platform\.openai\.com/, JSON.stringify(chatkit));
        assert.match(csp, /script-src 'self';/);
        assert.match(csp, /frame-ancestors 'self'$/);
      } finally {
        await off.close();
      }
    }
  },
);

dbTest(
  "rate limits - per owner per minute: 429 with Retry-After before any stream starts",
  async (db) => {
    const h = await startAuthHarness(db, { env: { RATE_LIMIT_PER_MINUTE: "3" } });
    try {
      assert.deepEqual(h.app.services.limiter.limits, {
        perMinute: 3,
        perDay: 0,
        perAddressPerMinute: 0,
        perAddressPerDay: 0,
        newVisitorsPerAddressPerMinute: 0,
        newVisitorsPerAddressPerDay: 0,
        globalPerMinute: 0,
        globalPerDay: 0,
      });
      const v = new Visitor(h.app);
      const first = await v.stream(createRequest("one"));
      const threadId = (first.find((e) =>
        e.type === "thread.created"
      ) as { thread: { id: string } })
        .thread.id;
      await v.stream(addMessageRequest(threadId, "two"));
      const user = first.find((e) => e.type === "thread.item.done")!;
      await v.stream({
        type: "threads.retry_after_item",
        params: { thread_id: threadId, item_id: (user as { item: { id: string } }).item.id },
      });
      const modelCalls = h.fake.requests.length;
      const [before] = await db
        .sql`select count(*)::int as n from thread_items where thread_id = ${threadId}`;
      // Every request that starts a model turn counts (the request table's `startsTurn`).
      const turns = [
        createRequest("four"),
        addMessageRequest(threadId, "four"),
        // Over the limit, even a request that would fail its own checks is refused as such.
        addMessageRequest("thr_not_there", "four"),
        { type: "threads.add_client_tool_output", params: { thread_id: threadId, result: {} } },
        {
          type: "threads.add_structured_input",
          params: { thread_id: threadId, item_id: "msg_x", input: { answers: {} } },
        },
      ];
      for (const body of turns) {
        const res = await v.post(body);
        assert.equal(res.status, 429);
        assert.equal(res.headers.get("content-type"), "application/json");
        const retry = Number(res.headers.get("retry-after"));
        assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
        assert.equal((await res.json()).error.code, "rate_limited");
      }
      assert.equal(h.fake.requests.length, modelCalls, "no model call once limited");
      const [after] = await db
        .sql`select count(*)::int as n from thread_items where thread_id = ${threadId}`;
      assert.equal(after.n, before.n, "no message stored once limited");
      // Reading is never limited, and another visitor has a budget of its own.
      assert.equal(await status(v.post(LIST)), 200);
      await new Visitor(h.app).stream(createRequest("someone else"));
    } finally {
      await h.close();
    }
  },
);

dbTest("rate limits - per day, per client address, and shared by every instance", async (db) => {
  // Per day: Retry-After runs to the end of the UTC day.
  // The day is the database's UTC day (the limiter counts with its now()), so the expectation is
  // read from the same clock. Both requests must fall on one day: if midnight is under a minute
  // away, wait for the new day first (a state, bounded), so the test holds at any hour.
  const secondsLeft = async () =>
    (await db.sql`
      select ceil(extract(epoch from date_trunc('day', now() at time zone 'utc')
        + interval '1 day' - (now() at time zone 'utc')))::int as left`)[0].left as number;
  await waitUntil(async () => (await secondsLeft()) > 60, "the UTC day has a minute left", 90_000);
  const daily = await startAuthHarness(db, { env: { RATE_LIMIT_PER_DAY: "1" } });
  try {
    const v = new Visitor(daily.app);
    await v.stream(createRequest("today"));
    const res = await v.post(createRequest("again"));
    await res.body?.cancel();
    assert.equal(res.status, 429);
    const retry = Number(res.headers.get("retry-after"));
    const untilMidnight = await secondsLeft();
    assert.ok(Math.abs(retry - untilMidnight) <= 5, `Retry-After ${retry} ≈ ${untilMidnight}`);
  } finally {
    await daily.close();
  }

  // Per address (behind a trusted proxy), counted in Postgres: two instances share it.
  const env = { TRUST_PROXY: "true", RATE_LIMIT_PER_ADDRESS_PER_MINUTE: "2" };
  const a = await startAuthHarness(db, { env });
  const b = await startAuthHarness(db, { env });
  try {
    // A network of its own (an IPv6 address counts as its /64).
    const network = `2001:db8:${crypto.getRandomValues(new Uint16Array(1))[0].toString(16)}`;
    const address = `${network}::1`;
    const header = { "x-forwarded-for": `198.51.100.7, ${address}` };
    await new Visitor(a.app, header).stream(createRequest("one"));
    await new Visitor(b.app, header).stream(createRequest("two"));
    const third = await new Visitor(a.app, header).post(createRequest("three"));
    await third.body?.cancel();
    assert.equal(third.status, 429, "a third visitor from the same address");
    const fourth = await new Visitor(b.app, header).post(createRequest("four"));
    await fourth.body?.cancel();
    assert.equal(fourth.status, 429, "the other instance counts the same window");
    assert.ok(Number(fourth.headers.get("retry-after")) >= 1);
    // Another network is not affected.
    await new Visitor(b.app, { "x-forwarded-for": `${network}:1::1` }).stream(createRequest("ok"));
  } finally {
    await a.close();
    await b.close();
  }
});

dbTest(
  "rate limits - defaults come from fresh.config.ts, environment variables override",
  async (db) => {
    const { startTestApp } = await import("./support/app.ts");
    const plain = await startTestApp({ db });
    try {
      assert.deepEqual(plain.services.limiter.limits, {
        perMinute: 60,
        perDay: 1000,
        perAddressPerMinute: 300,
        perAddressPerDay: 5000,
        newVisitorsPerAddressPerMinute: 10,
        newVisitorsPerAddressPerDay: 100,
        globalPerMinute: 0,
        globalPerDay: 0,
      });
    } finally {
      await plain.close();
    }
    const overridden = await startTestApp({
      db,
      env: { RATE_LIMIT_PER_MINUTE: "5", RATE_LIMIT_PER_ADDRESS_PER_DAY: "0" },
    });
    try {
      assert.equal(overridden.services.limiter.limits.perMinute, 5);
      assert.equal(overridden.services.limiter.limits.perAddressPerDay, 0);
      assert.equal(overridden.services.limiter.limits.perDay, 1000);
    } finally {
      await overridden.close();
    }
  },
);

dbTest("secrets - no password, token or secret in any response body or log line", async (db) => {
  const GITHUB_SECRET = "github-client-secret-do-not-leak";
  const h = await startAuthHarness(db, {
    env: {
      GITHUB_CLIENT_ID: "gh-id",
      GITHUB_CLIENT_SECRET: GITHUB_SECRET,
      ALLOWED_ORIGINS: PARTNER,
    },
  });
  const bodies: string[] = [];
  const secrets = new Set<string>([TEST_SECRET, GITHUB_SECRET, PASSWORD]);
  const keep = async (res: Response) => {
    bodies.push(await res.text());
    for (const cookie of res.headers.getSetCookie()) {
      const value = decodeURIComponent(cookie.split(";")[0].split("=").slice(1).join("="));
      if (cookie.includes("session_token") && value) {
        secrets.add(value);
        secrets.add(value.split(".")[0]);
      }
    }
    const bearer = res.headers.get("set-auth-token");
    if (bearer) {
      secrets.add(bearer);
      secrets.add(bearer.split(".")[0]);
    }
    return res;
  };
  try {
    const logs = await captureConsole(async () => {
      log.setLevel("debug");
      try {
        const email = freshEmail();
        const v = new Visitor(h.app);
        await keep(await v.fetch("/auth/signup", { headers: { accept: "text/html" } }));
        await keep(await v.submit("/auth/signup", { name: "Sec", email, password: PASSWORD }));
        await keep(await v.fetch("/", { headers: { accept: "text/html" } }));
        await keep(await v.post(createRequest("hello")));
        await keep(await v.submit("/auth/signout", {}));
        await keep(await v.submit("/auth/signin", { email, password: "wrong " + PASSWORD }));
        await keep(await v.submit("/auth/signin", { email, password: PASSWORD }));
        await keep(await v.submit("/auth/signin", { provider: "github" }));
        const api = new Visitor(h.app);
        for (const path of ["/api/auth/sign-in/email", "/api/auth/sign-up/email"]) {
          await keep(
            await api.fetch(path, {
              method: "POST",
              headers: { "content-type": "application/json", origin: PARTNER },
              body: JSON.stringify({ name: "Sec", email, password: PASSWORD }),
            }),
          );
        }
        await keep(await api.fetch("/api/auth/get-session"));
        await keep(await api.fetch("/api/auth/list-sessions"));
        const bearer = new Visitor(h.app);
        bearer.bearer = [...secrets].find((s) => s.includes(".") && s !== TEST_SECRET);
        await keep(await bearer.post(LIST));
        await keep(await bearer.fetch("/api/auth/get-session"));
        // Forged and broken requests, which are the ones that log.
        await keep(
          await new Visitor(h.app, { authorization: `Bearer ${bearer.bearer}x` }).post(LIST),
        );
        await keep(
          await new Visitor(h.app, { cookie: `better-auth.session_token=${bearer.bearer}` })
            .post(LIST, { headers: { origin: EVIL } }),
        );
        await keep(
          await api.fetch("/api/auth/sign-in/email", {
            method: "POST",
            headers: { "content-type": "application/json", origin: EVIL },
            body: JSON.stringify({ email, password: PASSWORD }),
          }),
        );
      } finally {
        log.setLevel("error");
      }
    });
    assert.ok(secrets.size >= 7, `collected the tokens to look for (${secrets.size})`);
    assert.ok(logs.length > 0, "something was logged");
    assert.ok(bodies.length >= 15);
    for (const secret of secrets) {
      assert.ok(!logs.includes(secret), `a log line contains ${secret.slice(0, 6)}…`);
      for (const body of bodies) {
        assert.ok(!body.includes(secret), `a response body contains ${secret.slice(0, 6)}…`);
      }
    }
  } finally {
    await h.close();
  }
});
