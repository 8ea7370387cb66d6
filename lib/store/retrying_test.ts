import assert from "node:assert/strict";
import { dbTest, emptyDatabase, freshOwner } from "../../tests/support/db.ts";
import { newItemId, newThreadId, nowIso } from "../chatkit/ids.ts";
import type { ThreadItem, ThreadMetadata } from "../chatkit/types.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../db/migrate.ts";
import { log } from "../log.ts";
import { PostgresStore } from "./mod.ts";
import { retryingStore, SaveFailedError } from "./retrying.ts";

log.setLevel("error");

function thread(): ThreadMetadata {
  return { id: newThreadId(), created_at: nowIso(), status: { type: "active" }, metadata: {} };
}

function note(threadId: string): ThreadItem {
  return {
    id: newItemId("sdk_hidden_context"),
    thread_id: threadId,
    created_at: nowIso(),
    type: "sdk_hidden_context",
    content: "note",
  };
}

dbTest("retryingStore - a write run again after it landed changes nothing", async (db) => {
  const store = retryingStore(new PostgresStore(db.sql).forOwner(freshOwner()), 5_000);
  const t = thread();
  const first = note(t.id);
  // As a retry after a lost answer would: the same call twice.
  await store.createThread(t, first);
  await store.createThread(t, first);
  const second = note(t.id);
  assert.equal(await store.addThreadItem(t.id, second), true);
  assert.equal(await store.addThreadItem(t.id, second), true, "its own earlier success");
  const items = await store.loadThreadItems(t.id, undefined, 10, "asc");
  assert.deepEqual(items.data.map((i) => i.id), [first.id, second.id]);
  const [{ n }] = await db.sql`select count(*)::int as n from threads where id = ${t.id}`;
  assert.equal(n, 1);
});

dbTest("retryingStore - a statement error is thrown at once, as it is", async (db) => {
  const store = retryingStore(new PostgresStore(db.sql).forOwner(freshOwner()), 60_000);
  const bad = { ...thread(), created_at: "not a time" };
  await assert.rejects(
    store.saveThread(bad),
    (e: { code?: string }) => !(e instanceof SaveFailedError) && e.code === "22007",
  );
});

Deno.test({
  name:
    "retryingStore - on the embedded database, a closed connection (the app shutting down) is final, not retried",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("pglite");
    await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
    const store = retryingStore(new PostgresStore(db.sql).forOwner(freshOwner()), 600_000);
    const t = thread();
    await store.createThread(t);
    await db.close();
    // With a 10-minute budget, a retried write would outlast this test's time limit.
    await assert.rejects(
      store.saveItem(t.id, note(t.id)),
      (e: { code?: string }) => !(e instanceof SaveFailedError) && e.code === "CONNECTION_ENDED",
    );
  },
});
