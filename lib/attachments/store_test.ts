import assert from "node:assert/strict";
import { dbTest, freshOwner } from "../../tests/support/db.ts";
import type { Sql } from "../db/mod.ts";
import { newAttachmentId } from "../chatkit/ids.ts";
import {
  AttachmentBytes,
  AttachmentInUseError,
  CHUNK_BYTES,
  QuotaExceededError,
  sweepUnreferenced,
} from "./store.ts";
import { TooManyRequestsError } from "../errors.ts";

async function created(sql: Sql, owner: string, createdAt?: Date): Promise<string> {
  const id = newAttachmentId();
  await sql`insert into attachments (id, owner_id, type, name, mime_type, size, payload, created_at)
    values (${id}, ${owner}, 'file', 'f.bin', 'application/octet-stream', 0, '{}',
            ${createdAt ?? new Date()})`;
  return id;
}

const quota = { maxStoredBytes: 1000, uploadsPerHour: 3 };

dbTest("attachment store - bytes round trip through chunks", async (db) => {
  const store = new AttachmentBytes(db.sql, freshOwner());
  const id = await created(db.sql, store.owner);
  const bytes = new Uint8Array(CHUNK_BYTES * 2 + 17).map((_, i) => (i * 7) % 256);
  assert.equal(await store.writeChunks(id, "o", bytes), true);
  const [{ n }] = await db
    .sql`select count(*)::int as n from attachment_chunks where attachment_id = ${id}`;
  assert.equal(n, 3);
  assert.deepEqual(await store.readBytes(id, "o"), bytes);
  assert.equal(await store.readBytes(id, "m"), null);
  // A released upload keeps no bytes and no reservation.
  await store.admitUpload(id, bytes.byteLength, { maxStoredBytes: 1e9, uploadsPerHour: 0 });
  await store.releaseUpload(id);
  assert.equal(await store.readBytes(id, "o"), null);
  assert.equal(await store.usedBytes(), 0);
  await store.writeChunks(id, "o", bytes);
  // Another owner sees nothing.
  assert.equal(await new AttachmentBytes(db.sql, freshOwner()).readBytes(id, "o"), null);
  assert.equal(await new AttachmentBytes(db.sql, freshOwner()).writeChunks(id, "o", bytes), false);
});

dbTest("attachment store - the stored-bytes quota answers 413 and reserves nothing", async (db) => {
  const store = new AttachmentBytes(db.sql, freshOwner());
  const a = await created(db.sql, store.owner);
  const b = await created(db.sql, store.owner);
  await store.admitUpload(a, 600, quota);
  await assert.rejects(store.admitUpload(b, 500, quota), (e) => {
    assert.ok(e instanceof QuotaExceededError);
    assert.equal(e.status, 413);
    assert.match(e.message, /Storage quota exceeded/);
    return true;
  });
  assert.equal(await store.usedBytes(), 600);
  // Replacing an upload does not count its own earlier bytes twice.
  await store.admitUpload(a, 900, quota);
  assert.equal(await store.usedBytes(), 900);
});

dbTest("attachment store - the hourly upload rate answers 429 with Retry-After", async (db) => {
  const store = new AttachmentBytes(db.sql, freshOwner());
  for (let i = 0; i < 3; i++) await store.admitUpload(await created(db.sql, store.owner), 1, quota);
  const id = await created(db.sql, store.owner);
  await assert.rejects(store.admitUpload(id, 1, quota), (e) => {
    assert.ok(e instanceof TooManyRequestsError);
    assert.match(e.message, /at most 3 per hour/);
    assert.ok(Number(e.headers["retry-after"]) >= 1);
    return true;
  });
  const [row] = await db.sql`select stored_bytes from attachments where id = ${id}`;
  assert.equal(Number(row.stored_bytes), 0, "nothing reserved");
  // Another owner is not affected.
  const other = new AttachmentBytes(db.sql, freshOwner());
  await other.admitUpload(await created(db.sql, other.owner), 1, quota);
});

dbTest("attachment store - concurrent uploads cannot overshoot the quota together", async (db) => {
  const store = new AttachmentBytes(db.sql, freshOwner());
  const ids = await Promise.all([1, 2, 3, 4].map(() => created(db.sql, store.owner)));
  const results = await Promise.allSettled(
    ids.map((id) => store.admitUpload(id, 400, { ...quota, uploadsPerHour: 0 })),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 2);
  assert.equal(await store.usedBytes(), 800);
});

dbTest(
  "attachment store - a referenced attachment cannot be deleted or re-uploaded",
  async (db) => {
    const store = new AttachmentBytes(db.sql, freshOwner());
    const id = await created(db.sql, store.owner);
    await db.sql`update attachments set item_id = 'msg_x' where id = ${id}`;
    await assert.rejects(store.deleteUnreferenced(id), AttachmentInUseError);
    await assert.rejects(store.admitUpload(id, 1, quota), AttachmentInUseError);
    const free = await created(db.sql, store.owner);
    assert.equal(await store.deleteUnreferenced(free), true);
    assert.equal(await store.deleteUnreferenced(free), false);
    assert.equal(await new AttachmentBytes(db.sql, freshOwner()).deleteUnreferenced(id), false);
  },
);

dbTest(
  "attachment store - the sweep removes only unreferenced attachments older than the limit",
  async (db) => {
    const owner = freshOwner();
    const store = new AttachmentBytes(db.sql, owner);
    const day = 24 * 3600 * 1000;
    const oldOrphan = await created(db.sql, owner, new Date(Date.now() - 2 * day));
    const youngOrphan = await created(db.sql, owner, new Date(Date.now() - day / 2));
    const oldReferenced = await created(db.sql, owner, new Date(Date.now() - 2 * day));
    await db.sql`update attachments set item_id = 'msg_y' where id = ${oldReferenced}`;
    await store.writeChunks(oldOrphan, "o", new Uint8Array([1, 2, 3]));
    await sweepUnreferenced(db.sql, new Date(Date.now() - day));
    const left = (await store.load([oldOrphan, youngOrphan, oldReferenced])).map((r) => r.id);
    assert.deepEqual(left, [youngOrphan, oldReferenced]);
    const [{ n }] = await db
      .sql`select count(*)::int as n from attachment_chunks where attachment_id = ${oldOrphan}`;
    assert.equal(n, 0, "its chunks went with it");
  },
);
