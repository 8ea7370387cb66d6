/**
 * Sign-up, sign-in and sign-out through the pages and the API; session checks on the cookie
 * and Bearer paths; expired and forged sessions treated as anonymous; the visitor cookie.
 */
import assert from "node:assert/strict";
import { DEFAULT_AUTH_SETTINGS } from "../lib/auth/settings.ts";
import { sign } from "../lib/auth/signing.ts";
import { authMigrationSql } from "../lib/auth/better.ts";
import { freshEmail, startAuthHarness, Visitor } from "./auth_helpers.ts";
import { TEST_SECRET, type TestAppOptions } from "./support/app.ts";
import { dbTest } from "./support/db.ts";

const PASSWORD = "correct horse battery";

/** The owner the app resolves for this visitor (from a thread it creates). */
async function whoAmI(v: Visitor): Promise<string> {
  const res = await v.post({
    type: "attachments.create",
    params: { name: "who.txt", size: 1, mime_type: "text/plain" },
  });
  assert.equal(res.status, 200);
  const { id } = await res.json();
  const [row] = await v.app.services.db.sql`
    delete from attachments where id = ${id} returning owner_id`;
  return row.owner_id as string;
}

async function page(v: Visitor, path: string): Promise<string> {
  const res = await v.fetch(path, { headers: { accept: "text/html" } });
  assert.equal(res.status, 200);
  return await res.text();
}

dbTest("auth schema - better-auth finds every table and column it needs", async (db) => {
  const remaining = await authMigrationSql({
    sql: db.sql,
    secret: TEST_SECRET,
    config: {
      mode: "development",
      auth: { allowedOrigins: [], trustProxy: false },
      // deno-lint-ignore no-explicit-any
    } as any,
    settings: DEFAULT_AUTH_SETTINGS,
  });
  assert.equal(remaining, "");
});

dbTest(
  "sign-up page - creates the account, signs in at once, header shows the user",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const v = new Visitor(h.app);
      const form = await page(v, "/auth/signup");
      assert.match(form, /<label for="email">Email<\/label>/);
      assert.match(form, /autocomplete="new-password"/);
      const email = freshEmail();
      const res = await v.submit("/auth/signup", {
        name: "Ada Lovelace",
        email,
        password: PASSWORD,
        next: "/?from=signup",
      });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/?from=signup");
      const cookie = res.headers.getSetCookie().find((c) =>
        c.startsWith("better-auth.session_token=")
      );
      assert.ok(cookie, "session cookie on the sign-up response");
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      const home = await page(v, "/");
      assert.match(home, /Signed in as <strong>Ada Lovelace<\/strong>/);
      assert.match(home, /action="\/auth\/signout"/);
      assert.equal(await whoAmI(v), await v.userId(email));
      const [user] = await db.sql`select "emailVerified" from "user" where email = ${email}`;
      assert.equal(user.emailVerified, false, "no email verification unless configured");
    } finally {
      await h.close();
    }
  },
);

dbTest("sign-up page - inline errors, values kept, password never echoed", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const v = new Visitor(h.app);
    let res = await v.submit("/auth/signup", {
      name: "",
      email: "not-an-email",
      password: "short",
    });
    assert.equal(res.status, 400);
    let html = await res.text();
    assert.match(html, /role="alert"/);
    assert.match(html, /id="name-error"/);
    assert.match(html, /id="email-error"/);
    assert.match(html, /aria-invalid="true"/);
    assert.match(html, /aria-describedby="password-hint password-error"/);
    assert.match(html, /Use at least 8 characters/);
    assert.match(html, /value="not-an-email"/);
    assert.ok(!html.includes('value="short"'));

    const email = freshEmail();
    await new Visitor(h.app).signUp(email, PASSWORD);
    res = await v.submit("/auth/signup", { name: "Again", email, password: "another password" });
    assert.equal(res.status, 409);
    html = await res.text();
    assert.match(html, /An account with this email already exists/);
    assert.ok(!html.includes("another password"));
    assert.ok(![...v.cookies.keys()].some((k) => k.includes("session_token")));
  } finally {
    await h.close();
  }
});

dbTest("sign-in page - right password signs in, wrong one shows an inline error", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const email = freshEmail();
    const userId = await new Visitor(h.app).signUp(email, PASSWORD);
    const v = new Visitor(h.app);
    const wrong = await v.submit("/auth/signin", { email, password: "wrong password!" });
    assert.equal(wrong.status, 401);
    const html = await wrong.text();
    assert.match(html, /role="alert"/);
    assert.match(html, /That email and password do not match an account/);
    assert.ok(!html.includes("wrong password!"));
    assert.notEqual(await whoAmI(v), userId);

    const missing = await v.submit("/auth/signin", { email: "", password: "" });
    assert.equal(missing.status, 400);
    assert.match(await missing.text(), /Enter your email address/);

    const ok = await v.submit("/auth/signin", { email, password: PASSWORD, next: "//evil.test/x" });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.get("location"), "/", "an off-site next is ignored");
    assert.equal(await whoAmI(v), userId);
  } finally {
    await h.close();
  }
});

dbTest("sign-out - ends the session; the old cookie no longer works", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const email = freshEmail();
    const v = new Visitor(h.app);
    const userId = await v.signUp(email, PASSWORD);
    const oldCookies = new Map(v.cookies);
    const res = await v.submit("/auth/signout", {});
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/");
    assert.ok(res.headers.getSetCookie().some((c) => /session_token=;/.test(c)));
    assert.notEqual(await whoAmI(v), userId);
    assert.doesNotMatch(await page(v, "/"), /Signed in as/);
    // Replaying the old cookie: the session row is gone, so it is anonymous.
    const replay = new Visitor(h.app);
    for (const [k, val] of oldCookies) replay.cookies.set(k, val);
    assert.notEqual(await whoAmI(replay), userId);
  } finally {
    await h.close();
  }
});

dbTest(
  "API - sign-up and sign-in answer without the token in the body, Bearer works",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const email = freshEmail();
      const client = new Visitor(h.app);
      let res = await client.fetch("/api/auth/sign-up/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Api User", email, password: PASSWORD }),
      });
      assert.equal(res.status, 200);
      let body = await res.json();
      assert.equal(body.user.email, email);
      assert.equal(body.token, undefined, "no token in the body");
      const userId = body.user.id as string;

      const api = new Visitor(h.app);
      res = await api.fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      assert.equal(res.status, 200);
      const text = await res.text();
      const signed = res.headers.get("set-auth-token");
      assert.ok(signed, "set-auth-token header");
      const raw = signed.split(".")[0];
      assert.ok(!text.includes(raw), "the token is not in the body");
      body = JSON.parse(text);
      assert.equal(body.user.id, userId);

      // Bearer: the signed token, without any cookie.
      const bearer = new Visitor(h.app);
      bearer.bearer = signed;
      assert.equal(await whoAmI(bearer), userId);
      assert.equal(bearer.cookies.size, 0, "no visitor cookie for a signed-in API client");
      // get-session answers the user but never the session token.
      const session = await api.fetch("/api/auth/get-session");
      const sessionText = await session.text();
      assert.equal(session.status, 200);
      assert.equal(JSON.parse(sessionText).user.id, userId);
      assert.ok(!sessionText.includes(raw));

      // A wrong password: better-auth's error, no session.
      res = await new Visitor(h.app).fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "nope nope nope" }),
      });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).code, "INVALID_EMAIL_OR_PASSWORD");
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "Bearer - the raw token of a session row is refused everywhere; the token sign-in issued works",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const email = freshEmail();
      const userId = await new Visitor(h.app).signUp(email, PASSWORD, "Row Reader");
      const res = await new Visitor(h.app).fetch("/api/auth/sign-in/email", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();
      const issued = res.headers.get("set-auth-token")!;
      // What a local user reading the database finds: the session rows' tokens.
      const rows = await db.sql`select token from "session" where "userId" = ${userId}`;
      assert.equal(rows.length, 2, "the page's and the API's sign-ins");

      for (const { token } of rows) {
        const thief = new Visitor(h.app);
        thief.bearer = token as string;
        assert.match(await whoAmI(thief), /^anon:/, "/chatkit: the raw token is nobody");
        const session = await thief.fetch("/api/auth/get-session");
        assert.equal(session.status, 200);
        assert.equal(await session.json(), null, "better-auth: the raw token is no session");
        const update = await thief.fetch("/api/auth/update-user", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "Taken Over" }),
        });
        assert.equal(update.status, 401);
        await update.body?.cancel();
      }
      const [{ name }] = await db.sql`select name from "user" where id = ${userId}`;
      assert.equal(name, "Row Reader", "the raw token changed nothing");

      const client = new Visitor(h.app);
      client.bearer = issued;
      assert.equal(await whoAmI(client), userId, "/chatkit: the issued token is the user");
      const session = await client.fetch("/api/auth/get-session");
      assert.equal((await session.json()).user.id, userId, "better-auth: the issued token works");
    } finally {
      await h.close();
    }
  },
);

dbTest("sessions - cookie under both names; forged and expired ones are anonymous", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const email = freshEmail();
    const v = new Visitor(h.app);
    const userId = await v.signUp(email, PASSWORD);
    const cookie = decodeURIComponent(v.cookies.get("better-auth.session_token")!);
    const token = cookie.split(".")[0];
    const as = (headers: Record<string, string>) => whoAmI(new Visitor(h.app, headers));

    assert.equal(
      await as({ cookie: `better-auth.session_token=${encodeURIComponent(cookie)}` }),
      userId,
    );
    assert.equal(
      await as({ cookie: `__Secure-better-auth.session_token=${encodeURIComponent(cookie)}` }),
      userId,
    );
    // Forged: the raw token without a signature, a wrong signature, a signature by another
    // secret, a made-up token signed with the right secret but unknown to the database.
    const forged = [
      token,
      `${token}.${"A".repeat(43)}=`,
      await sign("another-secret-another-secret-another-secret", token),
      await sign("test-secret-for-deno-chatkit-tests-only-0123456789", "x".repeat(32)),
    ];
    for (const value of forged) {
      const owner = await as({ cookie: `better-auth.session_token=${encodeURIComponent(value)}` });
      assert.notEqual(owner, userId, `forged cookie ${value.slice(0, 40)}`);
      assert.match(owner, /^anon:/);
    }
    for (const value of [`${token}.${"A".repeat(43)}=`, "x".repeat(32), "garbage"]) {
      const owner = await as({ authorization: `Bearer ${value}` });
      assert.notEqual(owner, userId);
      assert.match(owner, /^anon:/);
    }
    // Expired: the very same cookie and token stop working once the session expires.
    await db
      .sql`update "session" set "expiresAt" = now() - interval '1 second' where token = ${token}`;
    assert.match(
      await as({ cookie: `better-auth.session_token=${encodeURIComponent(cookie)}` }),
      /^anon:/,
    );
    assert.match(await as({ authorization: `Bearer ${token}` }), /^anon:/);
    assert.doesNotMatch(await page(v, "/"), /Signed in as/);
  } finally {
    await h.close();
  }
});

dbTest(
  "visitor cookie - signed, HttpOnly, SameSite=Lax, 30 days, set once, forgery gets a new one",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const v = new Visitor(h.app);
      const res = await v.fetch("/", { headers: { accept: "text/html" } });
      await res.body?.cancel();
      const set = res.headers.getSetCookie().find((c) => c.startsWith("chatkit.visitor="));
      assert.ok(set, "the first response sets the visitor cookie");
      assert.match(set, /; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
      const owner = v.anonOwner();
      assert.equal(await whoAmI(v), owner);
      const again = await v.fetch("/", { headers: { accept: "text/html" } });
      await again.body?.cancel();
      assert.equal(again.headers.getSetCookie().length, 0, "no new cookie once it has one");

      // A tampered id (signature of the old one) is not accepted: the visitor gets a new id.
      const value = decodeURIComponent(v.cookies.get("chatkit.visitor")!);
      const id = value.split(".")[0];
      // A different id for certain (an id already ending in "AA" gets "BB").
      const other = `${id.slice(0, -2)}${id.endsWith("AA") ? "BB" : "AA"}`;
      const forged = new Visitor(h.app);
      forged.cookies.set("chatkit.visitor", encodeURIComponent(other + value.slice(id.length)));
      const forgedOwner = await whoAmI(forged);
      assert.notEqual(forgedOwner, `anon:${other}`);
      assert.notEqual(forgedOwner, owner);

      // Two visitors without cookies are two owners.
      assert.notEqual(await whoAmI(new Visitor(h.app)), await whoAmI(new Visitor(h.app)));
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "social sign-in - buttons only when configured; the button goes to the provider",
  async (db) => {
    const plain = await startAuthHarness(db);
    try {
      const html = await page(new Visitor(plain.app), "/auth/signin");
      assert.doesNotMatch(html, /Continue with/);
      const res = await new Visitor(plain.app).submit("/auth/signin", { provider: "github" });
      assert.equal(res.status, 400);
      await res.body?.cancel();
    } finally {
      await plain.close();
    }
    const h = await startAuthHarness(db, {
      env: {
        GITHUB_CLIENT_ID: "gh-client-id",
        GITHUB_CLIENT_SECRET: "gh-client-secret-value",
        GOOGLE_CLIENT_ID: "google-client-id",
        // No GOOGLE_CLIENT_SECRET: Google stays off.
      },
    });
    try {
      const v = new Visitor(h.app);
      const html = await page(v, "/auth/signin");
      assert.match(html, /Continue with GitHub/);
      assert.doesNotMatch(html, /Continue with Google/);
      assert.doesNotMatch(html, /gh-client-secret-value/);
      const res = await v.submit("/auth/signin", { provider: "github", next: "/after" });
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get("location")!);
      assert.equal(location.origin, "https://github.com");
      assert.equal(location.searchParams.get("client_id"), "gh-client-id");
      assert.equal(
        location.searchParams.get("redirect_uri"),
        `${h.app.url}/api/auth/callback/github`,
      );
      assert.ok(res.headers.getSetCookie().some((c) => c.includes("state")), "state cookie");
      assert.match(
        res.headers.get("content-security-policy")!,
        /form-action 'self' https:\/\/github\.com/,
      );
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "email verification - off by default; when configured, sign-in waits for the link",
  async (db) => {
    const mails: { to: string; url: string }[] = [];
    const h = await startAuthHarness(db, {
      settings: {
        auth: {
          requireEmailVerification: true,
          sendVerificationEmail: ({ user, url }: { user: { email: string }; url: string }) => {
            mails.push({ to: user.email, url });
            return Promise.resolve();
          },
        },
      } as unknown as TestAppOptions["settings"],
    });
    try {
      const email = freshEmail();
      const v = new Visitor(h.app);
      const res = await v.submit("/auth/signup", { name: "Vera", email, password: PASSWORD });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Check your email/);
      assert.ok(![...v.cookies.keys()].some((k) => k.includes("session_token")), "not signed in");
      assert.equal(mails.length, 1);
      assert.equal(mails[0].to, email);

      const early = await v.submit("/auth/signin", { email, password: PASSWORD });
      assert.equal(early.status, 401);
      assert.match(await early.text(), /Verify your email address first/);

      const link = new URL(mails[0].url);
      assert.equal(link.origin, h.app.url);
      const verified = await v.fetch(link.pathname + link.search);
      await verified.body?.cancel();
      assert.ok(verified.status < 400, `verification answered ${verified.status}`);
      const [user] = await db.sql`select "emailVerified" from "user" where email = ${email}`;
      assert.equal(user.emailVerified, true);
      await new Visitor(h.app).signIn(email, PASSWORD);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "https (BETTER_AUTH_URL) - __Secure- cookie names with Secure, and both work",
  async (db) => {
    const h = await startAuthHarness(db, { env: { BETTER_AUTH_URL: "https://chat.example.com" } });
    try {
      const v = new Visitor(h.app);
      const first = await v.fetch("/", { headers: { accept: "text/html" } });
      await first.body?.cancel();
      const visitor = first.headers.getSetCookie()[0];
      assert.match(
        visitor,
        /^__Secure-chatkit\.visitor=[^;]+; Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
      );
      const anon = await whoAmI(v);
      assert.match(anon, /^anon:/);
      const email = freshEmail();
      const res = await v.submit("/auth/signup", { name: "Sec", email, password: PASSWORD });
      await res.body?.cancel();
      assert.equal(res.status, 303);
      const session = res.headers.getSetCookie().find((c) => c.includes("session_token="));
      assert.ok(session, "a session cookie");
      assert.ok(session.startsWith("__Secure-better-auth.session_token="), session);
      assert.match(session, /; Secure/i);
      assert.ok(
        res.headers.getSetCookie().some((c) => /^__Secure-chatkit\.visitor=;.*Max-Age=0/.test(c)),
        "the visitor cookie is cleared under its __Secure- name",
      );
      assert.equal(await whoAmI(v), await v.userId(email));
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "sessions in use are extended a day after the last extension, as better-auth does",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const email = freshEmail();
      const v = new Visitor(h.app);
      const userId = await v.signUp(email, PASSWORD);
      const token = decodeURIComponent(v.cookies.get("better-auth.session_token")!).split(".")[0];
      const expiry = async () =>
        (await db.sql`select "expiresAt" from "session" where token = ${token}`)[0]
          .expiresAt as Date;
      const fresh = await expiry();

      // A fresh session is left alone.
      let res = await v.fetch("/", { headers: { accept: "text/html" } });
      await res.body?.cancel();
      assert.equal(res.headers.getSetCookie().length, 0);
      assert.equal((await expiry()).getTime(), fresh.getTime());

      // Two days left: the next request extends it to a full week, cookie included.
      await db
        .sql`update "session" set "expiresAt" = now() + interval '2 days' where token = ${token}`;
      res = await v.fetch("/", { headers: { accept: "text/html" } });
      await res.body?.cancel();
      const renewed = res.headers.getSetCookie().find((c) =>
        c.startsWith("better-auth.session_token=")
      );
      assert.ok(renewed, "the session cookie is renewed");
      assert.match(renewed, /; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
      assert.equal(decodeURIComponent(renewed.split(";")[0].split("=")[1]).split(".")[0], token);
      const extended = (await expiry()).getTime() - Date.now();
      assert.ok(extended > 6.9 * 24 * 3600_000, `extended to ${extended} ms`);
      assert.equal(await whoAmI(v), userId);

      // Bearer requests extend the session too (no cookie to renew).
      await db
        .sql`update "session" set "expiresAt" = now() + interval '2 days' where token = ${token}`;
      const api = new Visitor(h.app);
      api.bearer = decodeURIComponent(v.cookies.get("better-auth.session_token")!);
      assert.equal(await whoAmI(api), userId);
      assert.ok((await expiry()).getTime() - Date.now() > 6.9 * 24 * 3600_000);
      assert.equal(api.cookies.size, 0);
    } finally {
      await h.close();
    }
  },
);
