/**
 * Attachment limits and safety through real HTTP: quota, upload rate and count limits answer
 * 413/429/400 and store nothing; the sweep removes only old orphans; a referenced attachment
 * cannot be moved, re-uploaded or deleted; a MIME lie is refused; a preview URL works without
 * cookies until it expires, and not after.
 * @module
 */
import assert from "node:assert/strict";
import { createRequest, type Harness, startHarness } from "./chatkit_helpers.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";
import { makeImage } from "./support/files.ts";
import { TEST_SECRET } from "./support/app.ts";
import { signAttachmentUrl } from "../lib/attachments/signed_url.ts";
import { uploadTwoPhase } from "./attachments_helpers.ts";

async function stored(db: TestDatabase, owner: string) {
  const [row] = await db.sql<{ n: number; bytes: number }[]>`
    select count(*)::int as n,
      coalesce(sum((select coalesce(sum(length(c.data)), 0) from attachment_chunks c
                    where c.attachment_id = a.id)), 0)::int as bytes
    from attachments a where a.owner_id = ${owner}`;
  return row;
}

function direct(h: Harness, name: string, mime: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("file", new File([bytes as BlobPart], name, { type: mime }));
  return h.fetch("/chatkit/upload", { method: "POST", body: form });
}

async function errorOf(res: Response) {
  const body = await res.json();
  return { status: res.status, code: body.error?.code, message: body.error?.message as string };
}

dbTest(
  "attachment limits - quota and upload rate answer 413 and 429 and store nothing",
  async (db) => {
    const h = await startHarness(db, {
      settings: { limits: { attachmentStorageBytes: 5000, uploadsPerHour: 3 } },
    });
    try {
      const text = (n: number) => new Uint8Array(n).fill(97);
      assert.equal((await direct(h, "a.txt", "text/plain", text(3000))).status, 200);
      const over = await errorOf(await direct(h, "b.txt", "text/plain", text(3000)));
      assert.equal(over.status, 413);
      assert.match(over.message, /Storage quota exceeded/);
      // Announcing an upload the quota cannot take is refused before any byte is sent.
      const announced = await h.post({
        type: "attachments.create",
        params: { name: "c.txt", size: 3000, mime_type: "text/plain" },
      });
      assert.equal(announced.status, 413);
      assert.deepEqual(await stored(db, h.owner), { n: 1, bytes: 3000 });

      assert.equal((await direct(h, "d.txt", "text/plain", text(10))).status, 200);
      assert.equal((await direct(h, "e.txt", "text/plain", text(10))).status, 200);
      const res = await direct(h, "f.txt", "text/plain", text(10));
      assert.ok(Number(res.headers.get("retry-after")) >= 1);
      const limited = await errorOf(res);
      assert.equal(limited.status, 429);
      assert.match(limited.message, /at most 3 per hour/);
      assert.deepEqual(await stored(db, h.owner), { n: 3, bytes: 3020 });
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "attachment limits - more attachments than allowed in one message is refused",
  async (db) => {
    const h = await startHarness(db, {
      settings: { chatkit: { composer: { attachments: { enabled: true, maxCount: 2 } } } },
    });
    try {
      const ids = [];
      for (const n of [1, 2, 3]) {
        const res = await direct(h, `${n}.txt`, "text/plain", new TextEncoder().encode(`${n}`));
        ids.push((await res.json()).id);
      }
      const res = await h.post(createRequest("three", { attachments: ids }));
      const error = await errorOf(res);
      assert.equal(error.status, 400);
      assert.match(error.message, /at most 2 attachments/);
      const [{ n }] = await db
        .sql`select count(*)::int as n from threads where owner_id = ${h.owner}`;
      assert.equal(n, 0, "no thread was created");
    } finally {
      await h.close();
    }
  },
);

dbTest("attachment limits - a MIME lie is refused and stores nothing", async (db) => {
  const h = await startHarness(db);
  try {
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const lie = await errorOf(await direct(h, "cat.png", "image/png", html));
    assert.equal(lie.status, 415);
    assert.match(lie.message, /not image\/png/);
    // Two-phase: announced as a PNG, the bytes are HTML.
    const created = await h.json<{ id: string; upload_descriptor: { url: string } }>({
      type: "attachments.create",
      params: { name: "dog.png", size: html.byteLength, mime_type: "image/png" },
    });
    const form = new FormData();
    form.append("file", new File([html], "dog.png", { type: "image/png" }));
    const res = await h.fetch(created.upload_descriptor.url, { method: "POST", body: form });
    assert.equal(res.status, 415);
    assert.equal((await stored(db, h.owner)).bytes, 0);
  } finally {
    await h.close();
  }
});

dbTest(
  "attachment limits - a referenced attachment cannot be moved, re-uploaded or deleted",
  async (db) => {
    const h = await startHarness(db);
    try {
      const png = await uploadTwoPhase(h, "a.png", "image/png", await makeImage(8, 8));
      const first = await h.stream(createRequest("one", { attachments: [png.id] }));
      const thread = first.find((e) => e.type === "thread.created");
      assert.ok(thread?.type === "thread.created");

      const moved = await h.post(createRequest("two", { attachments: [png.id] }));
      assert.equal((await errorOf(moved)).status, 409);
      const form = new FormData();
      form.append(
        "file",
        new File([await makeImage(9, 9) as BlobPart], "a.png", { type: "image/png" }),
      );
      const reupload = await h.fetch(`/chatkit/upload/${png.id}`, { method: "POST", body: form });
      assert.equal((await errorOf(reupload)).status, 409);
      const deleted = await h.post({
        type: "attachments.delete",
        params: { attachment_id: png.id },
      });
      assert.equal((await errorOf(deleted)).status, 409);
      const [row] = await db.sql`select thread_id from attachments where id = ${png.id}`;
      assert.equal(row.thread_id, thread.thread.id, "still in the first thread");
      // Deleting the thread removes it.
      await h.json({ type: "threads.delete", params: { thread_id: thread.thread.id } });
      assert.equal((await stored(db, h.owner)).n, 0);
    } finally {
      await h.close();
    }
  },
);

dbTest(
  "attachment limits - the sweep removes only unattached uploads older than the limit",
  async (db) => {
    const h = await startHarness(db);
    try {
      const old = await (await direct(h, "old.txt", "text/plain", new Uint8Array([97]))).json();
      const young = await (await direct(h, "new.txt", "text/plain", new Uint8Array([98]))).json();
      const used = await (await direct(h, "used.txt", "text/plain", new Uint8Array([99]))).json();
      await h.stream(createRequest("keep", { attachments: [used.id] }));
      await db.sql`update attachments set created_at = now() - interval '25 hours'
      where id = any(${[old.id, used.id]}::text[])`;
      await h.app.services.attachments.sweep();
      const left = await db.sql<{ id: string }[]>`
      select id from attachments where owner_id = ${h.owner} order by id`;
      assert.deepEqual(left.map((r) => r.id).sort(), [young.id, used.id].sort());
    } finally {
      await h.close();
    }
  },
);

dbTest("attachment limits - a preview URL works without cookies until it expires", async (db) => {
  const h = await startHarness(db);
  try {
    const png = await uploadTwoPhase(h, "p.png", "image/png", await makeImage(8, 8));
    assert.ok(png.preview_url);
    // No cookies: plain fetch.
    const res = await fetch(png.preview_url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), await makeImage(8, 8));
    // The same URL minted two hours ago (a one-hour lifetime) has expired.
    const expired = await signAttachmentUrl(TEST_SECRET, {
      base: new URL("/chatkit/preview/", h.app.url).toString(),
      attachmentId: png.id,
      owner: h.owner,
      ttlSeconds: 3600,
      now: Date.now() - 2 * 3600_000,
    });
    assert.equal((await fetch(expired)).status, 403);
    // Without a signature and without cookies: nothing.
    const bare = new URL(png.preview_url);
    bare.search = "";
    assert.equal((await fetch(bare)).status, 404);
  } finally {
    await h.close();
  }
});
