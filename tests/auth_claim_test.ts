/**
 * Claim: an anonymous visitor who signs up or signs in keeps their conversation — threads,
 * items, feedback and attachments move to the account, and the visitor cookie is cleared.
 */
import assert from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { freshEmail, startAuthHarness, Visitor } from "./auth_helpers.ts";
import type { TestDatabase } from "./support/db.ts";
import { dbTest } from "./support/db.ts";

const PASSWORD = "claim password 123";

/** An anonymous conversation: a thread with feedback and an uploaded attachment. */
async function converse(v: Visitor, text: string) {
  const events = await v.stream(createRequest(text));
  const created = events.find((e) => e.type === "thread.created");
  assert.ok(created?.type === "thread.created");
  const item =
    events.flatMap((e) =>
      e.type === "thread.item.done" && e.item.type === "assistant_message" ? [e.item] : []
    )[0];
  await v.json({
    type: "items.feedback",
    params: { thread_id: created.thread.id, item_ids: [item.id], kind: "positive" },
  });
  const form = new FormData();
  form.append("file", new File(["notes"], "notes.txt", { type: "text/plain" }));
  const upload = await v.fetch("/chatkit/upload", { method: "POST", body: form });
  assert.equal(upload.status, 200);
  const attachment = await upload.json();
  return { threadId: created.thread.id as string, attachmentId: attachment.id as string };
}

async function owners(db: TestDatabase, threadId: string, attachmentId: string) {
  const [row] = await db.sql`
    select (select array_agg(distinct owner_id) from threads where id = ${threadId}) as threads,
           (select array_agg(distinct owner_id) from thread_items where thread_id = ${threadId}) as items,
           (select array_agg(distinct owner_id) from item_feedback where thread_id = ${threadId}) as feedback,
           (select array_agg(distinct owner_id) from attachments where id = ${attachmentId}) as files`;
  return { ...row };
}

function visitorCleared(res: Response): boolean {
  return res.headers.getSetCookie().some((c) => /^chatkit\.visitor=;.*Max-Age=0/.test(c));
}

async function listIds(v: Visitor): Promise<string[]> {
  const list = await v.json<{ data: { id: string }[] }>({
    type: "threads.list",
    params: { limit: 100 },
  });
  return list.data.map((t) => t.id);
}

dbTest("claim on sign-up - the visitor's conversation moves to the new account", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const v = new Visitor(h.app);
    const mine = await converse(v, "remember me");
    const anonOwner = v.anonOwner();
    const bystander = new Visitor(h.app);
    const theirs = await converse(bystander, "not yours");

    const email = freshEmail();
    const res = await v.submit("/auth/signup", { name: "New", email, password: PASSWORD });
    assert.equal(res.status, 303);
    assert.ok(visitorCleared(res), "the visitor cookie is cleared");
    assert.equal(v.visitorId(), undefined);
    // The account this test made, picked by its own email (not "the newest in the database").
    const users = await db.sql`select id from "user" where email = ${email}`;
    assert.equal(users.length, 1, "one account for the email");
    const userId = users[0].id as string;
    const all = [userId];
    assert.deepEqual(await owners(db, mine.threadId, mine.attachmentId), {
      threads: all,
      items: all,
      feedback: all,
      files: all,
    });
    const [left] = await db
      .sql`select count(*)::int as n from threads where owner_id = ${anonOwner}`;
    assert.equal(left.n, 0);
    assert.deepEqual(await listIds(v), [mine.threadId], "the user sees the claimed thread");
    const thread = await v.json<{ items: { data: unknown[] } }>({
      type: "threads.get_by_id",
      params: { thread_id: mine.threadId },
    });
    assert.equal(thread.items.data.length, 2, "with its messages");
    // The bystander's conversation stayed where it was.
    const other = bystander.anonOwner();
    assert.deepEqual(await owners(db, theirs.threadId, theirs.attachmentId), {
      threads: [other],
      items: [other],
      feedback: [other],
      files: [other],
    });
    assert.deepEqual(await listIds(bystander), [theirs.threadId]);
  } finally {
    await h.close();
  }
});

dbTest("claim on sign-in - page and API; the user keeps old and new threads", async (db) => {
  const h = await startAuthHarness(db);
  try {
    const email = freshEmail();
    const first = new Visitor(h.app);
    const userId = await first.signUp(email, PASSWORD);
    const old = await converse(first, "as a user");

    // Another browser, anonymous first, then signs in through the page.
    const laptop = new Visitor(h.app);
    const fromLaptop = await converse(laptop, "before signing in");
    const res = await laptop.submit("/auth/signin", { email, password: PASSWORD });
    assert.equal(res.status, 303);
    assert.ok(visitorCleared(res));
    assert.deepEqual(new Set(await listIds(laptop)), new Set([old.threadId, fromLaptop.threadId]));
    assert.deepEqual((await owners(db, fromLaptop.threadId, fromLaptop.attachmentId)).files, [
      userId,
    ]);

    // An API client with a visitor cookie signs in through /api/auth.
    const app = new Visitor(h.app);
    const fromApp = await converse(app, "from the app");
    const api = await app.fetch("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(api.status, 200);
    await api.body?.cancel();
    assert.ok(visitorCleared(api));
    assert.deepEqual(await owners(db, fromApp.threadId, fromApp.attachmentId), {
      threads: [userId],
      items: [userId],
      feedback: [userId],
      files: [userId],
    });
    assert.equal((await listIds(first)).length, 3, "every browser of the user sees all three");

    // A failed sign-in claims nothing.
    const stranger = new Visitor(h.app);
    const kept = await converse(stranger, "wrong password");
    const wrong = await stranger.submit("/auth/signin", { email, password: "not the password" });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    assert.deepEqual((await owners(db, kept.threadId, kept.attachmentId)).threads, [
      stranger.anonOwner(),
    ]);

    // After sign-out the browser is a new visitor that sees none of the user's threads.
    const out = await laptop.submit("/auth/signout", {});
    await out.body?.cancel();
    assert.deepEqual(await listIds(laptop), []);
    assert.ok(laptop.visitorId(), "a new visitor cookie");
  } finally {
    await h.close();
  }
});
