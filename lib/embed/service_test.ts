import assert from "node:assert/strict";
import { TooManyRequestsError } from "../errors.ts";
import { dbTest } from "../../tests/support/db.ts";
import { EmbedService } from "./service.ts";
import { resolveEmbedSettings } from "./settings.ts";
import { signVisitorToken } from "./tokens.ts";
import type { Sql } from "../db/mod.ts";

const SECRET = "unit-test-secret-unit-test-secret-0123";
const ORIGIN = "http://localhost:4321";

function service(sql: Sql, mintLimits = { perMinute: 0, perDay: 0 }) {
  return new EmbedService({
    sql,
    secret: SECRET,
    allowedOrigins: [ORIGIN],
    settings: resolveEmbedSettings({ mintLimits }),
  });
}

async function userWithSession(sql: Sql): Promise<{ userId: string; sessionId: string }> {
  const userId = `usr_${crypto.randomUUID()}`;
  const sessionId = `ses_${crypto.randomUUID()}`;
  await sql`insert into "user" (id, name, email, "emailVerified")
    values (${userId}, 'Embed User', ${`${userId}@example.com`}, false)`;
  await sql`insert into "session" (id, "expiresAt", token, "updatedAt", "userId")
    values (${sessionId}, now() + interval '1 day', ${crypto.randomUUID()}, now(), ${userId})`;
  return { userId, sessionId };
}

function request(token: string, origin: string | null, path = "/chatkit"): [Request, string] {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (origin) headers.origin = origin;
  return [new Request(`http://127.0.0.1${path}`, { method: "POST", headers }), path];
}

dbTest("embed service - start mints a visitor once, then keeps it", async (db) => {
  const embed = service(db.sql);
  const first = await embed.start(ORIGIN, {}, "10.0.0.1");
  const again = await embed.start(ORIGIN, { visitorToken: first.visitorToken }, "10.0.0.1");
  assert.equal(again.visitorId, first.visitorId);
  assert.equal(again.visitorToken, first.visitorToken);
  // A token of another origin is not taken: a new visitor.
  const other = new EmbedService({
    sql: db.sql,
    secret: SECRET,
    allowedOrigins: ["http://other.test"],
    settings: resolveEmbedSettings(),
  });
  const foreign = await other.start("http://other.test", {}, undefined);
  const fresh = await embed.start(ORIGIN, { visitorToken: foreign.visitorToken }, undefined);
  assert.notEqual(fresh.visitorId, foreign.visitorId);
});

dbTest(
  "embed service - a visitor token in use for over a day is renewed for the same visitor",
  async (db) => {
    const embed = service(db.sql);
    const old = await signVisitorToken(SECRET, {
      visitorId: "CCCCCCCCCCCCCCCCCCCCCC",
      origin: ORIGIN,
      seconds: embed.settings.visitorSeconds - 2 * 24 * 60 * 60,
    });
    const renewed = await embed.start(ORIGIN, { visitorToken: old });
    assert.equal(renewed.visitorId, "CCCCCCCCCCCCCCCCCCCCCC");
    assert.notEqual(renewed.visitorToken, old);
    assert.ok(new Date(renewed.expiresAt).getTime() > Date.now() + 29 * 24 * 60 * 60 * 1000);
  },
);

dbTest("embed service - minting is limited per address", async (db) => {
  const embed = service(db.sql, { perMinute: 2, perDay: 0 });
  const address = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const kept = await embed.start(ORIGIN, {}, address);
  await embed.start(ORIGIN, {}, address);
  await assert.rejects(() => embed.start(ORIGIN, {}, address), TooManyRequestsError);
  // Re-validating a token already held is not a new visitor.
  const again = await embed.start(ORIGIN, { visitorToken: kept.visitorToken }, address);
  assert.equal(again.visitorId, kept.visitorId);
});

dbTest(
  "embed service - a visitor token holds only on chat paths from its own allowed origin",
  async (db) => {
    const embed = service(db.sql);
    const { visitorToken, visitorId } = await embed.start(ORIGIN, {}, undefined);
    const ok = await embed.resolve(...request(visitorToken, ORIGIN));
    assert.equal(ok.kind, "ok");
    if (ok.kind === "ok") assert.equal(ok.identity.owner, `anon:${visitorId}`);
    assert.equal(
      (await embed.resolve(...request(visitorToken, ORIGIN, "/chatkit/upload/x"))).kind,
      "ok",
    );
    assert.equal(
      (await embed.resolve(...request(visitorToken, ORIGIN, "/api/auth/update-user"))).kind,
      "invalid",
    );
    assert.equal(
      (await embed.resolve(...request(visitorToken, "http://evil.test"))).kind,
      "invalid",
    );
    assert.equal((await embed.resolve(...request(visitorToken, null))).kind, "invalid");
    assert.equal((await embed.resolve(...request("a-session-token", ORIGIN))).kind, "none");
  },
);

dbTest("embed service - a grant is the user's, until revoked or its session ends", async (db) => {
  const embed = service(db.sql);
  const { userId, sessionId } = await userWithSession(db.sql);
  const grant = await embed.grants.mint({ userId, sessionId, origin: ORIGIN, seconds: 3600 });
  assert.match(grant.token, /^ckg_[A-Za-z0-9_-]{43}$/);
  const ok = await embed.resolve(...request(grant.token, ORIGIN));
  assert.ok(ok.kind === "ok" && ok.identity.owner === userId);
  assert.equal((await embed.start(ORIGIN, { grant: grant.token })).user?.id, userId);
  // Only the hash is stored.
  const [row] = await db.sql`select token_hash from embed_grants where user_id = ${userId}`;
  assert.notEqual(row.token_hash, grant.token);

  assert.equal(await embed.grants.revoke(grant.token), true);
  assert.equal((await embed.resolve(...request(grant.token, ORIGIN))).kind, "invalid");
  assert.equal((await embed.start(ORIGIN, { grant: grant.token })).user, undefined);

  // Signing out (the session row goes) ends every grant it gave.
  const second = await embed.grants.mint({ userId, sessionId, origin: ORIGIN, seconds: 3600 });
  assert.equal((await embed.resolve(...request(second.token, ORIGIN))).kind, "ok");
  await db.sql`delete from "session" where id = ${sessionId}`;
  assert.equal((await embed.resolve(...request(second.token, ORIGIN))).kind, "invalid");
  await assert.rejects(() => embed.grants.mint({ userId, sessionId, origin: ORIGIN, seconds: 60 }));
});
