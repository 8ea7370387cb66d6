/**
 * Visitors that end (issue 14, item 6): the visitor cookie carries its issue time, so an old
 * one is refused and one in use is renewed (and the visitor recorded as seen); the sweep then
 * deletes the threads nobody can reach any more — never a signed-in user's, a recently seen
 * visitor's or a still valid embed visitor's.
 */
import assert from "node:assert/strict";
import { sign } from "../lib/auth/signing.ts";
import { signVisitorToken } from "../lib/embed/tokens.ts";
import { createRequest } from "./chatkit_helpers.ts";
import { freshEmail, startAuthHarness, Visitor } from "./auth_helpers.ts";
import { TEST_SECRET } from "./support/app.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";

const DAY = 24 * 60 * 60;
const ORIGIN = "https://docs.example.com";

/** A visitor cookie as the app signs it, issued `ageSeconds` ago. */
async function cookieIssued(id: string, ageSeconds: number): Promise<string> {
  const issued = Math.floor(Date.now() / 1000) - ageSeconds;
  return `chatkit.visitor=${encodeURIComponent(await sign(TEST_SECRET, `${id}.${issued}`))}`;
}

/** The visitor cookie a response sets: its id, issue time (ms) and attributes. */
function visitorSet(res: Response): { id: string; issuedMs: number; raw: string } | undefined {
  const raw = res.headers.getSetCookie().find((c) => c.startsWith("chatkit.visitor="));
  if (!raw) return undefined;
  const value = decodeURIComponent(raw.slice("chatkit.visitor=".length).split(";")[0]);
  const [id, issued] = value.split(".");
  return { id, issuedMs: Number(issued) * 1000, raw };
}

async function listAs(h: { app: Visitor["app"] }, cookie: string) {
  const res = await new Visitor(h.app, { cookie }).post({ type: "threads.list", params: {} });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return { res, ids: (body.data as { id: string }[]).map((t) => t.id) };
}

function threadIdOf(events: { type: string }[]): string {
  const created = events.find((e) => e.type === "thread.created") as
    | { thread: { id: string } }
    | undefined;
  assert.ok(created, "thread.created");
  return created.thread.id;
}

dbTest(
  "visitor cookie - refused past its lifetime, renewed in use (once a day), visitor recorded",
  async (db) => {
    const h = await startAuthHarness(db);
    try {
      const v = new Visitor(h.app);
      const thread = threadIdOf(await v.stream(createRequest("mine")));
      const id = v.visitorId()!;
      const [before] = await db.sql`select count(*)::int as n from visitors where id = ${id}`;
      assert.equal(before.n, 0, "a new visitor is not written down on every request");

      // A fresh cookie: served, and not renewed (no write, no Set-Cookie).
      const fresh = await listAs(h, await cookieIssued(id, 60));
      assert.deepEqual(fresh.ids, [thread]);
      assert.equal(visitorSet(fresh.res), undefined);

      // Two days old: still this visitor, renewed for another lifetime, recorded as seen.
      const old = await listAs(h, await cookieIssued(id, 2 * DAY));
      assert.deepEqual(old.ids, [thread]);
      const renewed = visitorSet(old.res);
      assert.ok(renewed, "a renewed cookie");
      assert.equal(renewed.id, id);
      assert.ok(Date.now() - renewed.issuedMs < DAY * 1000, "issued now");
      assert.match(renewed.raw, /Max-Age=2592000; Path=\/; HttpOnly; SameSite=Lax$/);
      const [seen] = await db.sql`
        select count(*)::int as n from visitors
        where id = ${id} and seen_at > now() - interval '1 hour'`;
      assert.equal(seen.n, 1, "the renewal recorded the visitor");

      // Past the 30-day lifetime: refused, the caller is a new visitor with nothing.
      const expired = await listAs(h, await cookieIssued(id, 31 * DAY));
      assert.deepEqual(expired.ids, []);
      const replaced = visitorSet(expired.res);
      assert.ok(replaced && replaced.id !== id, "a new visitor's cookie replaces it");

      // A changed issue time breaks the signature: refused too.
      const good = decodeURIComponent((await cookieIssued(id, 31 * DAY)).split("=")[1]);
      const [, , signature] = good.split(".");
      const now = Math.floor(Date.now() / 1000);
      const forged = `chatkit.visitor=${encodeURIComponent(`${id}.${now}.${signature}`)}`;
      assert.deepEqual((await listAs(h, forged)).ids, []);

      // The first format (no issue time) holds only for a visitor seen within the lifetime, and
      // comes back in the current format.
      const legacy = `chatkit.visitor=${encodeURIComponent(await sign(TEST_SECRET, id))}`;
      const upgraded = await listAs(h, legacy);
      assert.deepEqual(upgraded.ids, [thread]);
      assert.equal(visitorSet(upgraded.res)?.id, id);
      assert.ok(visitorSet(upgraded.res)!.issuedMs > 0, "renewed with an issue time");
      await db.sql`update visitors set seen_at = now() - interval '31 days' where id = ${id}`;
      assert.deepEqual((await listAs(h, legacy)).ids, [], "not seen for a lifetime: refused");
    } finally {
      await h.close();
    }
  },
);

/** Sets a thread's creation time `days` ago. */
async function age(db: TestDatabase, threadId: string, days: number): Promise<void> {
  await db.sql`update threads set created_at = now() - make_interval(days => ${days})
    where id = ${threadId}`;
}

async function exists(db: TestDatabase, threadId: string): Promise<boolean> {
  const [row] = await db.sql`select count(*)::int as n from threads where id = ${threadId}`;
  return row.n === 1;
}

dbTest(
  "visitor sweep - deletes only unreachable visitors' threads, with their items and attachments",
  async (db) => {
    // Cookie visitors live a day, embed visitors ten: the sweep keeps each kind long enough.
    const h = await startAuthHarness(db, {
      env: { ALLOWED_ORIGINS: ORIGIN },
      settings: { auth: { visitorSeconds: DAY }, embed: { visitorSeconds: 10 * DAY } },
    });
    try {
      // A visitor gone for good: no cookie of theirs can hold. Its thread has an attachment.
      const gone = new Visitor(h.app);
      const goneThread = threadIdOf(await gone.stream(createRequest("forgotten")));
      const attachment = `atc_sweep${crypto.randomUUID().replaceAll("-", "")}`;
      await db.sql`
        insert into attachments (id, owner_id, thread_id, type, name, mime_type, size, payload,
                                 item_id)
        values (${attachment}, ${gone.anonOwner()}, ${goneThread}, 'file', 'a.txt', 'text/plain',
                1, '{}', 'msg_x')`;
      await db.sql`insert into attachment_chunks (attachment_id, variant, ord, data)
        values (${attachment}, 'o', 0, ${new Uint8Array([1])})`;
      await age(db, goneThread, 20);

      // A visitor who came back (its two-day-old cookie was renewed): kept.
      const back = new Visitor(h.app);
      const backThread = threadIdOf(await back.stream(createRequest("still here")));
      await age(db, backThread, 20);
      await listAs(h, await cookieIssued(back.visitorId()!, DAY - 60));

      // A visitor of today, never recorded: kept (its cookie is younger than its thread).
      const today = new Visitor(h.app);
      const todayThread = threadIdOf(await today.stream(createRequest("today")));

      // A signed-in user's old thread: never the sweep's.
      const user = new Visitor(h.app);
      await user.signUp(freshEmail("sweep"), "sweep password 1");
      const userThread = threadIdOf(await user.stream(createRequest("my account")));
      await age(db, userThread, 400);

      // An embed visitor whose token (ten-day lifetime) was minted nine days ago: still valid.
      const embed = new Visitor(h.app, { origin: ORIGIN });
      const startRes = await embed.fetch("/embed/token", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "{}",
      });
      const started = await startRes.json();
      assert.equal(startRes.status, 200, JSON.stringify(started));
      embed.bearer = started.visitorToken;
      const embedThread = threadIdOf(await embed.stream(createRequest("from the docs")));
      const nineDaysAgo = Date.now() - 9 * DAY * 1000;
      embed.bearer = await signVisitorToken(TEST_SECRET, {
        visitorId: started.visitorId,
        origin: ORIGIN,
        seconds: 10 * DAY,
      }, nineDaysAgo);
      await db.sql`update visitors set seen_at = now() - interval '9 days'
        where id = ${started.visitorId}`;
      await age(db, embedThread, 9);

      // An embed visitor last seen eleven days ago: its token has expired.
      const lapsed = new Visitor(h.app, { origin: ORIGIN });
      const lapsedStart = await (await lapsed.fetch("/embed/token", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "{}",
      })).json();
      lapsed.bearer = lapsedStart.visitorToken;
      const lapsedThread = threadIdOf(await lapsed.stream(createRequest("long ago")));
      await db.sql`update visitors set seen_at = now() - interval '11 days'
        where id = ${lapsedStart.visitorId}`;
      await age(db, lapsedThread, 11);

      const [items] = await db.sql`
        select count(*)::int as n from thread_items where thread_id = ${goneThread}`;
      assert.ok(items.n >= 2, "the gone visitor's thread has items");

      await h.app.services.visitorSweep.sweep();

      assert.equal(await exists(db, goneThread), false, "unreachable visitor thread deleted");
      assert.equal(await exists(db, lapsedThread), false, "expired embed visitor thread deleted");
      const [left] = await db.sql`
        select (select count(*)::int from thread_items where thread_id = ${goneThread}) as items,
               (select count(*)::int from attachments where id = ${attachment}) as attachments,
               (select count(*)::int from attachment_chunks where attachment_id = ${attachment})
                 as chunks`;
      assert.deepEqual(left, { items: 0, attachments: 0, chunks: 0 });

      assert.equal(await exists(db, backThread), true, "recently seen visitor kept");
      assert.equal(await exists(db, todayThread), true, "today's visitor kept");
      assert.equal(await exists(db, userThread), true, "signed-in user's thread kept");
      assert.equal(await exists(db, embedThread), true, "valid embed visitor kept");
      // ...and that embed visitor still reaches it with its nine-day-old token.
      const list = await embed.json<{ data: { id: string }[] }>({
        type: "threads.list",
        params: {},
      });
      assert.deepEqual(list.data.map((t) => t.id), [embedThread]);
    } finally {
      await h.close();
    }
  },
);
