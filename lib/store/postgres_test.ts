import assert from "node:assert/strict";
import { dbTest, freshOwner } from "../../tests/support/db.ts";
import { AttachmentBytes } from "../attachments/store.ts";
import { newAttachmentId, newItemId, newThreadId, nowIso } from "../chatkit/ids.ts";
import type {
  AssistantMessageItem,
  Attachment,
  ThreadItem,
  ThreadMetadata,
} from "../chatkit/types.ts";
import { clampLimit, PostgresStore } from "./mod.ts";
import type { OwnerStore } from "./mod.ts";

function thread(createdAt = nowIso()): ThreadMetadata {
  return { id: newThreadId(), created_at: createdAt, status: { type: "active" }, metadata: {} };
}

function message(threadId: string, text: string, createdAt = nowIso()): AssistantMessageItem {
  return {
    id: newItemId("message"),
    thread_id: threadId,
    created_at: createdAt,
    type: "assistant_message",
    content: [{ type: "output_text", text, annotations: [] }],
  };
}

/** Walks a list page by page with `after` = the previous page's cursor. */
async function walk<T extends { id: string }>(
  load: (after: string | undefined) => Promise<{ data: T[]; has_more: boolean; after?: string }>,
): Promise<string[]> {
  const seen: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await load(after);
    seen.push(...page.data.map((d) => d.id));
    if (!page.has_more) {
      assert.equal(page.after, undefined, "after is omitted on the last page");
      return seen;
    }
    assert.equal(page.after, page.data[page.data.length - 1].id, "after = id of the last entry");
    after = page.after;
  }
  throw new Error("pagination did not end");
}

Deno.test("store - clampLimit defaults to 20 and caps at 100", () => {
  assert.equal(clampLimit(undefined), 20);
  assert.equal(clampLimit(0), 20);
  assert.equal(clampLimit(-5), 20);
  assert.equal(clampLimit(7), 7);
  assert.equal(clampLimit(1000), 100);
});

dbTest(
  "store - thread round trip keeps title, status, metadata and microsecond timestamps",
  async (db) => {
    const store = new PostgresStore(db.sql).forOwner(freshOwner());
    const t = thread();
    t.title = "Hello";
    t.metadata = { a: 1 };
    t.allowed_image_domains = ["example.com"];
    await store.createThread(t);
    assert.deepEqual(await store.loadThread(t.id), t);
    t.title = "Renamed";
    t.status = { type: "locked", reason: "done" };
    await store.saveThread(t);
    assert.deepEqual(await store.loadThread(t.id), t);
  },
);

dbTest("store - another owner sees nothing and changes nothing", async (db) => {
  const pg = new PostgresStore(db.sql);
  const mine = pg.forOwner(freshOwner());
  const theirs = pg.forOwner(freshOwner());
  const t = thread();
  const item = message(t.id, "secret");
  await mine.createThread(t, item);
  assert.equal(await theirs.loadThread(t.id), null);
  assert.equal(await theirs.loadItem(t.id, item.id), null);
  assert.deepEqual((await theirs.loadThreadItems(t.id, undefined, 20, "asc")).data, []);
  assert.deepEqual((await theirs.loadThreads(20, undefined, "desc")).data, []);
  assert.equal(await theirs.addThreadItem(t.id, message(t.id, "intruder")), false);
  assert.equal(await theirs.saveItem(t.id, { ...item, content: [] }), false);
  await theirs.saveThread({ ...t, title: "hijacked" });
  assert.equal(await theirs.deleteThread(t.id), false);
  await theirs.deleteThreadItem(t.id, item.id);
  assert.equal(await theirs.addFeedback(t.id, [item.id], "negative"), 0);
  const reloaded = await mine.loadThread(t.id);
  assert.equal(reloaded?.title, undefined);
  assert.deepEqual(await mine.loadItem(t.id, item.id), item);
  assert.equal((await mine.loadThreadItems(t.id, undefined, 20, "asc")).data.length, 1);
});

async function seedItems(store: OwnerStore, count: number, tiedTimestamps: boolean) {
  const t = thread();
  await store.createThread(t);
  const stamp = nowIso();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const item = message(t.id, `m${i}`, tiedTimestamps ? stamp : nowIso());
    assert.equal(await store.addThreadItem(t.id, item), true);
    ids.push(item.id);
  }
  return { t, ids };
}

for (const tied of [false, true]) {
  dbTest(
    `store - items walk with limit 1 in both orders${tied ? " (equal timestamps)" : ""}`,
    async (db) => {
      const store = new PostgresStore(db.sql).forOwner(freshOwner());
      const { t, ids } = await seedItems(store, 5, tied);
      assert.deepEqual(await walk((after) => store.loadThreadItems(t.id, after, 1, "asc")), ids);
      assert.deepEqual(
        await walk((after) => store.loadThreadItems(t.id, after, 1, "desc")),
        [...ids].reverse(),
      );
      assert.deepEqual(await walk((after) => store.loadThreadItems(t.id, after, 2, "asc")), ids);
      const first = await store.loadThreadItems(t.id, undefined, undefined, "asc");
      assert.equal(first.data.length, 5);
      assert.equal(first.has_more, false);
    },
  );

  dbTest(
    `store - threads walk with limit 1 in both orders${tied ? " (equal timestamps)" : ""}`,
    async (db) => {
      const store = new PostgresStore(db.sql).forOwner(freshOwner());
      const stamp = nowIso();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const t = thread(tied ? stamp : nowIso());
        await store.createThread(t);
        ids.push(t.id);
      }
      assert.deepEqual(await walk((after) => store.loadThreads(1, after, "asc")), ids);
      assert.deepEqual(
        await walk((after) => store.loadThreads(1, after, "desc")),
        [...ids].reverse(),
      );
    },
  );
}

dbTest("store - default limit is 20 and limits clamp to 100", async (db) => {
  const store = new PostgresStore(db.sql).forOwner(freshOwner());
  const t = thread();
  await store.createThread(t);
  const stamp = nowIso();
  const rows: ThreadItem[] = Array.from({ length: 105 }, (_, i) => message(t.id, `m${i}`, stamp));
  for (const item of rows) await store.addThreadItem(t.id, item);
  const def = await store.loadThreadItems(t.id, undefined, undefined, "desc");
  assert.equal(def.data.length, 20);
  assert.equal(def.has_more, true);
  const big = await store.loadThreadItems(t.id, undefined, 1000, "asc");
  assert.equal(big.data.length, 100);
  assert.equal(big.has_more, true);
  assert.deepEqual(big.data.map((i) => i.id), rows.slice(0, 100).map((i) => i.id));
});

dbTest(
  "store - saveItem keeps position, deleteItemsAfter truncates, deleteThread cascades",
  async (db) => {
    const store = new PostgresStore(db.sql).forOwner(freshOwner());
    const { t, ids } = await seedItems(store, 4, false);
    const second = (await store.loadItem(t.id, ids[1])) as AssistantMessageItem;
    second.content[0].text = "edited";
    assert.equal(await store.saveItem(t.id, second), true);
    const page = await store.loadThreadItems(t.id, undefined, 10, "asc");
    assert.deepEqual(page.data.map((i) => i.id), ids);
    assert.equal((page.data[1] as AssistantMessageItem).content[0].text, "edited");

    assert.equal(await store.addFeedback(t.id, [ids[3], ids[2]], "positive"), 2);
    assert.equal(await store.deleteItemsAfter(t.id, ids[1]), 2);
    assert.deepEqual(
      (await store.loadThreadItems(t.id, undefined, 10, "asc")).data.map((i) => i.id),
      ids.slice(0, 2),
    );
    const feedback = await db
      .sql`select count(*)::int as n from item_feedback where thread_id = ${t.id}`;
    assert.equal(feedback[0].n, 0, "feedback of deleted items is gone");

    assert.deepEqual((await store.loadLatestItems(t.id, 1)).map((i) => i.id), [ids[1]]);

    const att: Attachment = {
      type: "file",
      id: newAttachmentId(),
      name: "a.txt",
      mime_type: "text/plain",
    };
    await store.saveAttachment(att, 3, new Uint8Array([1, 2, 3]));
    await store.addThreadItem(t.id, message(t.id, "with attachment"), [att.id]);
    assert.equal((await store.loadAttachment(att.id))?.attachment.thread_id, t.id);
    await store.addFeedback(t.id, [ids[0]], "negative");

    assert.equal(await store.deleteThread(t.id), true);
    assert.equal(await store.deleteThread(t.id), false);
    assert.equal(await store.loadThread(t.id), null);
    const left = await db.sql`
    select (select count(*) from thread_items where thread_id = ${t.id})::int as items,
           (select count(*) from item_feedback where thread_id = ${t.id})::int as feedback,
           (select count(*) from attachments where id = ${att.id})::int as attachments`;
    assert.deepEqual({ ...left[0] }, { items: 0, feedback: 0, attachments: 0 });
  },
);

dbTest("store - feedback is all-or-nothing and upserts", async (db) => {
  const store = new PostgresStore(db.sql).forOwner(freshOwner());
  const { t, ids } = await seedItems(store, 2, false);
  assert.equal(await store.addFeedback(t.id, [ids[0], "msg_unknown"], "positive"), 1);
  let rows = await db.sql`select item_id, kind from item_feedback where thread_id = ${t.id}`;
  assert.equal(rows.length, 0);
  assert.equal(await store.addFeedback(t.id, [ids[0]], "positive"), 1);
  assert.equal(await store.addFeedback(t.id, [ids[0]], "negative"), 1);
  rows = await db.sql`select item_id, kind, owner_id from item_feedback where thread_id = ${t.id}`;
  assert.deepEqual(rows.map((r) => [r.item_id, r.kind, r.owner_id]), [[
    ids[0],
    "negative",
    store.owner,
  ]]);
});

dbTest("store - attachments: metadata, bytes, owner scoping", async (db) => {
  const pg = new PostgresStore(db.sql);
  const store = pg.forOwner(freshOwner());
  const other = pg.forOwner(freshOwner());
  const att: Attachment = {
    type: "image",
    id: newAttachmentId(),
    name: "p.png",
    mime_type: "image/png",
    preview_url: "http://x/p",
    upload_descriptor: { url: "http://x/u", method: "POST", headers: {} },
  };
  await store.saveAttachment(att, 4);
  assert.deepEqual(await store.loadAttachment(att.id), {
    attachment: att,
    size: 4,
    uploaded: false,
    referenced: false,
  });
  await store.saveAttachment(att, 4, new Uint8Array([1, 2, 3, 4]));
  const saved = await store.loadAttachment(att.id);
  assert.equal(saved?.uploaded, true);
  assert.equal(saved?.attachment.upload_descriptor, undefined);
  const bytes = await new AttachmentBytes(db.sql, store.owner).readBytes(att.id, "o");
  assert.deepEqual([...bytes!], [1, 2, 3, 4]);
  assert.equal(await new AttachmentBytes(db.sql, other.owner).readBytes(att.id, "o"), null);
  assert.deepEqual(
    (await store.loadAttachments([att.id, "atc_missing"])).map((a) => a.attachment.id),
    [att.id],
  );
  assert.equal(await other.deleteAttachment(att.id), false);
  assert.equal(await store.deleteAttachment(att.id), true);
  assert.equal(await store.loadAttachment(att.id), null);
});

dbTest(
  "store - claimThread: of claims racing on one thread exactly one wins, and only its own end clears it",
  async (db) => {
    const owner = freshOwner();
    const store = new PostgresStore(db.sql).forOwner(owner);
    const t = thread();
    await store.createThread(t);
    const stamps = Array.from({ length: 5 }, (_, i) => ({ id: `turn-${i}`, ttlMs: 60_000 }));
    // On a server these run on separate pooled connections at once.
    const claims = await Promise.all(stamps.map((s) => store.claimThread(t.id, s)));
    assert.equal(claims.filter((c) => c?.claimed).length, 1, JSON.stringify(claims));
    for (const c of claims) assert.equal(c?.thread.id, t.id, "the thread is returned either way");
    const winner = stamps[claims.findIndex((c) => c?.claimed)];
    const loser = stamps.find((s) => s !== winner)!;
    assert.equal(await store.renewTurn(t.id, loser), false, "a loser cannot renew the mark");
    await store.endTurn(t.id, loser.id);
    assert.equal((await store.claimThread(t.id, loser))?.claimed, false, "nor clear it");
    assert.equal(await store.renewTurn(t.id, winner), true);
    await store.endTurn(t.id, winner.id);
    assert.equal((await store.claimThread(t.id, loser))?.claimed, true, "free once it ended");
    // Another owner's thread is unknown, not busy.
    assert.equal(
      await new PostgresStore(db.sql).forOwner(freshOwner()).claimThread(t.id, winner),
      null,
    );
  },
);
