/**
 * The non-streaming request types through real HTTP on loopback: get_by_id, both lists (walked
 * with limit=1 in both orders, with equal timestamps), rename, delete, feedback, attachments,
 * sync actions and transcription.
 */
import assert from "node:assert/strict";
import { makePdf } from "./support/files.ts";
import { newItemId, nowIso } from "../lib/chatkit/ids.ts";
import type { Attachment, Page, Thread, ThreadItem } from "../lib/chatkit/types.ts";
import {
  createRequest,
  doneItem,
  type Harness,
  startHarness,
  tableCounts,
} from "./chatkit_helpers.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";

function chatTest(name: string, fn: (h: Harness) => Promise<void>) {
  dbTest(`chatkit requests - ${name}`, async (db: TestDatabase) => {
    const h = await startHarness(db);
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  });
}

async function newThread(h: Harness, text = "hello"): Promise<{ id: string; items: ThreadItem[] }> {
  const events = await h.stream(createRequest(text));
  const created = events[0];
  assert.ok(created.type === "thread.created");
  return {
    id: created.thread.id,
    items: events.flatMap((e) => e.type === "thread.item.done" ? [e.item] : []),
  };
}

/** Walks a list with limit=1, checking the cursor convention on every page. */
async function walk(
  h: Harness,
  type: "threads.list" | "items.list",
  params: Record<string, unknown>,
): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let i = 0; i < 500; i++) {
    const page = await h.json<Page<{ id: string }>>({
      type,
      params: { ...params, limit: 1, ...(after ? { after } : {}) },
    });
    assert.ok(page.data.length <= 1);
    ids.push(...page.data.map((d) => d.id));
    if (!page.has_more) {
      assert.ok(!("after" in page), "no cursor on the last page");
      return ids;
    }
    assert.equal(page.after, page.data.at(-1)?.id ?? page.after);
    after = page.after;
  }
  throw new Error("walk did not end");
}

chatTest(
  "threads.get_by_id: items ascending, first 20, hidden removed, metadata never sent",
  async (h) => {
    const t = await newThread(h, "one");
    for (let i = 0; i < 11; i++) {
      await h.stream({
        type: "threads.add_user_message",
        params: {
          thread_id: t.id,
          input: {
            content: [{ type: "input_text", text: `m${i}` }],
            attachments: [],
            inference_options: {},
          },
        },
      });
    }
    await h.store.addThreadItem(t.id, {
      id: newItemId("hidden_context"),
      thread_id: t.id,
      created_at: nowIso(),
      type: "hidden_context_item",
      content: { secret: true },
    });
    const thread = (await h.store.loadThread(t.id))!;
    await h.store.saveThread({ ...thread, metadata: { server_only: "x" } });
    const got = await h.json<Thread>({ type: "threads.get_by_id", params: { thread_id: t.id } });
    assert.equal(got.id, t.id);
    assert.deepEqual(got.metadata, {});
    assert.equal(got.items.data.length, 20);
    assert.equal(got.items.has_more, true);
    assert.equal(got.items.after, got.items.data[19].id);
    const all = await h.store.loadThreadItems(t.id, undefined, 100, "asc");
    assert.deepEqual(got.items.data.map((i) => i.id), all.data.slice(0, 20).map((i) => i.id));
    const stamps = got.items.data.map((i) => i.created_at);
    assert.deepEqual(stamps, [...stamps].sort(), "ascending");
    // The newest page: hidden item filtered although stored.
    const newest = await h.json<Page<ThreadItem>>({
      type: "items.list",
      params: { thread_id: t.id, limit: 3 },
    });
    assert.equal(all.data.at(-1)!.type, "hidden_context_item");
    assert.deepEqual(
      newest.data.map((i) => i.id),
      all.data.slice(-3, -1).reverse().map((i) => i.id),
    );
    assert.equal(newest.has_more, true);
    assert.ok(!JSON.stringify(newest).includes("secret"));
  },
);

chatTest("items.list walks with limit=1 in both orders, also on equal timestamps", async (h) => {
  const t = await newThread(h, "first");
  await h.stream({
    type: "threads.add_user_message",
    params: {
      thread_id: t.id,
      input: {
        content: [{ type: "input_text", text: "second" }],
        attachments: [],
        inference_options: {},
      },
    },
  });
  const stored = (await h.store.loadThreadItems(t.id, undefined, 100, "asc")).data.map((i) => i.id);
  assert.equal(stored.length, 4);
  for (const tie of [false, true]) {
    if (tie) {
      await h.db
        .sql`update thread_items set created_at = '2026-01-01T00:00:00Z' where thread_id = ${t.id}`;
    }
    assert.deepEqual(await walk(h, "items.list", { thread_id: t.id, order: "asc" }), stored);
    assert.deepEqual(
      await walk(h, "items.list", { thread_id: t.id, order: "desc" }),
      [...stored].reverse(),
    );
    assert.deepEqual(
      await walk(h, "items.list", { thread_id: t.id }),
      [...stored].reverse(),
      "desc default",
    );
  }
});

chatTest("threads.list walks with limit=1 in both orders, also on equal timestamps", async (h) => {
  const mine: string[] = [];
  for (let i = 0; i < 3; i++) mine.push((await newThread(h, `thread ${i}`)).id);
  for (const tie of [false, true]) {
    if (tie) {
      await h.db
        .sql`update threads set created_at = '2030-01-01T00:00:00Z' where id = any(${mine}::text[])`;
    }
    const asc = await walk(h, "threads.list", { order: "asc" });
    const desc = await walk(h, "threads.list", { order: "desc" });
    const dflt = await walk(h, "threads.list", {});
    assert.deepEqual(desc, [...asc].reverse());
    assert.deepEqual(dflt, desc);
    assert.equal(new Set(asc).size, asc.length, "no duplicates");
    assert.deepEqual(asc.filter((id) => mine.includes(id)), mine, "creation order kept");
  }
  const page = await h.json<Page<Thread>>({ type: "threads.list", params: { limit: 2 } });
  assert.equal(page.data.length, 2);
  for (const thread of page.data) {
    assert.deepEqual(thread.items, { data: [], has_more: false });
    assert.deepEqual(thread.metadata, {});
  }
});

chatTest(
  "threads.update renames; threads.delete cascades, a repeat is a harmless 404",
  async (h) => {
    const t = await newThread(h, "to be renamed");
    const renamed = await h.json<Thread>({
      type: "threads.update",
      params: { thread_id: t.id, title: "A new name" },
    });
    assert.equal(renamed.title, "A new name");
    assert.deepEqual(renamed.items, { data: [], has_more: false });
    assert.equal((await h.store.loadThread(t.id))?.title, "A new name");
    const listed = await h.json<Page<Thread>>({ type: "threads.list", params: { limit: 100 } });
    assert.equal(listed.data.find((x) => x.id === t.id)?.title, "A new name");

    const reply = t.items.find((i) => i.type === "assistant_message")!;
    assert.deepEqual(
      await h.json({
        type: "items.feedback",
        params: { thread_id: t.id, item_ids: [reply.id], kind: "positive" },
      }),
      {},
    );
    assert.deepEqual(await h.json({ type: "threads.delete", params: { thread_id: t.id } }), {});
    const left = await h.db.sql`
    select (select count(*) from threads where id = ${t.id})::int as threads,
           (select count(*) from thread_items where thread_id = ${t.id})::int as items,
           (select count(*) from item_feedback where thread_id = ${t.id})::int as feedback`;
    assert.deepEqual({ ...left[0] }, { threads: 0, items: 0, feedback: 0 });
    const gone = await h.post({ type: "threads.get_by_id", params: { thread_id: t.id } });
    assert.equal(gone.status, 404);
    await gone.body?.cancel();
    const again = await h.post({ type: "threads.delete", params: { thread_id: t.id } });
    assert.equal(again.status, 404);
    assert.equal((await again.json()).error.code, "not_found");
  },
);

chatTest("items.feedback stores one row per item, upserting the kind", async (h) => {
  const t = await newThread(h);
  const reply = t.items.find((i) => i.type === "assistant_message")!;
  const user = t.items.find((i) => i.type === "user_message")!;
  for (const kind of ["negative", "positive"]) {
    assert.deepEqual(
      await h.json({
        type: "items.feedback",
        params: { thread_id: t.id, item_ids: [reply.id, user.id], kind },
      }),
      {},
    );
  }
  const rows = await h.db.sql`
    select item_id, kind, owner_id from item_feedback where thread_id = ${t.id} order by item_id`;
  assert.deepEqual(
    rows.map((r) => [r.item_id, r.kind, r.owner_id]),
    [reply.id, user.id].sort().map((id) => [id, "positive", h.owner]),
  );
});

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const PDF = makePdf("A small document");

chatTest("attachments: two-phase create, upload, preview, use in a message, delete", async (h) => {
  const created = await h.json<Attachment>({
    type: "attachments.create",
    params: { name: "cat.png", size: PNG.byteLength, mime_type: "image/png" },
  });
  assert.match(created.id, /^atc_[0-9a-f]{24,}$/);
  assert.equal(created.type, "image");
  assert.equal(created.name, "cat.png");
  assert.ok(created.upload_descriptor);
  assert.equal(created.upload_descriptor.method, "POST");
  assert.deepEqual(created.upload_descriptor.headers, {});
  assert.ok(created.upload_descriptor.url.startsWith(h.app.url));
  assert.ok(created.type === "image" && created.preview_url.startsWith(h.app.url));

  // Not uploaded yet: no preview, not usable in a message.
  const early = await h.fetch(
    new URL(created.type === "image" ? created.preview_url : "").pathname,
  );
  assert.equal(early.status, 404);
  await early.body?.cancel();

  const form = new FormData();
  form.append("file", new File([PNG], "cat.png", { type: "image/png" }));
  const up = await h.fetch(created.upload_descriptor.url, { method: "POST", body: form });
  assert.equal(up.status, 200);
  const uploaded = await up.json() as Attachment;
  assert.equal(uploaded.upload_descriptor, undefined);
  assert.equal(uploaded.id, created.id);

  const preview = await h.fetch(created.type === "image" ? created.preview_url : "");
  assert.equal(preview.status, 200);
  assert.equal(preview.headers.get("content-type"), "image/png");
  assert.deepEqual(new Uint8Array(await preview.arrayBuffer()), PNG);

  const events = await h.stream(createRequest("look at this", { attachments: [created.id] }));
  const user = doneItem(events, "user_message");
  const threadId = user.thread_id;
  assert.equal(user.attachments.length, 1);
  const sent = user.attachments[0];
  assert.equal(sent.id, created.id);
  assert.equal(sent.thread_id, threadId);
  assert.equal(sent.upload_descriptor, undefined);
  const stored = await h.store.loadAttachment(created.id);
  assert.equal(stored?.attachment.thread_id, threadId);

  // Part of a message now: not deleted from under it (409).
  const inUse = await h.post({ type: "attachments.delete", params: { attachment_id: created.id } });
  assert.equal(inUse.status, 409);
  await inUse.body?.cancel();

  // An upload no message uses is deleted, with its preview.
  const spare = await h.json<Attachment>({
    type: "attachments.create",
    params: { name: "dog.png", size: PNG.byteLength, mime_type: "image/png" },
  });
  const spareForm = new FormData();
  spareForm.append("file", new File([PNG], "dog.png", { type: "image/png" }));
  const spareUp = await h.fetch(spare.upload_descriptor!.url, { method: "POST", body: spareForm });
  const spareUploaded = await spareUp.json() as Attachment;
  assert.deepEqual(
    await h.json({ type: "attachments.delete", params: { attachment_id: spare.id } }),
    {},
  );
  assert.equal(await h.store.loadAttachment(spare.id), null);
  const after = await h.fetch(spareUploaded.type === "image" ? spareUploaded.preview_url : "");
  assert.equal(after.status, 404);
  await after.body?.cancel();
  const again = await h.post({ type: "attachments.delete", params: { attachment_id: spare.id } });
  assert.equal(again.status, 404);
  await again.body?.cancel();
});

chatTest(
  "attachments: direct upload; raw PUT upload; thread delete removes attachments",
  async (h) => {
    const form = new FormData();
    form.append(
      "file",
      new File([new TextEncoder().encode("hello file")], "notes.txt", { type: "text/plain" }),
    );
    const res = await h.fetch("/chatkit/upload", { method: "POST", body: form });
    assert.equal(res.status, 200);
    const direct = await res.json() as Attachment;
    assert.deepEqual(Object.keys(direct).sort(), ["id", "mime_type", "name", "type"]);
    assert.equal(direct.type, "file");
    assert.equal(direct.name, "notes.txt");

    const twoPhase = await h.json<Attachment>({
      type: "attachments.create",
      params: { name: "doc.pdf", size: PDF.byteLength, mime_type: "application/pdf" },
    });
    const put = await h.fetch(twoPhase.upload_descriptor!.url, {
      method: "PUT",
      headers: { "content-type": "application/pdf" },
      body: PDF as BodyInit,
    });
    assert.equal(put.status, 200);
    await put.body?.cancel();
    // A non-image has no preview.
    const noPreview = await h.fetch(`/chatkit/preview/${twoPhase.id}`);
    assert.equal(noPreview.status, 404);
    await noPreview.body?.cancel();

    const events = await h.stream(
      createRequest("two files", { attachments: [direct.id, twoPhase.id] }),
    );
    const user = doneItem(events, "user_message");
    assert.deepEqual(user.attachments.map((a) => a.id), [direct.id, twoPhase.id]);
    await h.json({ type: "threads.delete", params: { thread_id: user.thread_id } });
    const left = await h.db
      .sql`select count(*)::int as n from attachments where id in (${direct.id}, ${twoPhase.id})`;
    assert.equal(left[0].n, 0);
  },
);

chatTest("previews are served to their owner only", async (h) => {
  const { PostgresStore } = await import("../lib/store/mod.ts");
  const other = new PostgresStore(h.db.sql).forOwner(`anon:${crypto.randomUUID()}`);
  const id = `atc_${crypto.randomUUID().replaceAll("-", "")}`;
  await other.saveAttachment(
    {
      type: "image",
      id,
      name: "x.png",
      mime_type: "image/png",
      preview_url: `${h.app.url}/chatkit/preview/${id}`,
    },
    PNG.byteLength,
    PNG,
  );
  const res = await h.fetch(`/chatkit/preview/${id}`);
  assert.equal(res.status, 404);
  await res.body?.cancel();
  const up = await h.fetch(`/chatkit/upload/${id}`, {
    method: "POST",
    body: PNG,
    headers: { "content-type": "image/png" },
  });
  assert.equal(up.status, 404);
  await up.body?.cancel();
});

chatTest(
  "sync custom action and transcription answer clear errors when not configured",
  async (h) => {
    const t = await newThread(h);
    const before = await tableCounts(h.db);
    const sync = await h.post({
      type: "threads.sync_custom_action",
      params: { thread_id: t.id, action: { type: "noop" } },
    });
    assert.equal(sync.status, 501);
    assert.deepEqual((await sync.json()).error.code, "not_configured");
    const transcribe = await h.post({
      type: "input.transcribe",
      params: { audio_base64: btoa("abc"), mime_type: "audio/webm;codecs=opus" },
    });
    assert.equal(transcribe.status, 501);
    const body = await transcribe.json();
    assert.match(body.error.message, /not configured/i);
    assert.deepEqual(await tableCounts(h.db), before);

    // With handlers configured they are called.
    h.app.services.chatkit.handlers.syncAction = (thread, action) =>
      Promise.resolve({
        updated_item: {
          id: "wgt_1",
          thread_id: thread.id,
          created_at: nowIso(),
          type: "widget",
          widget: { type: "Card", children: [{ type: "Text", value: action.type }] },
        },
      });
    h.app.services.chatkit.handlers.transcribe = (audio, mime) =>
      Promise.resolve({ text: `${audio.byteLength} bytes of ${mime}` });
    const ok = await h.json<{ updated_item: { widget: unknown } }>({
      type: "threads.sync_custom_action",
      params: { thread_id: t.id, action: { type: "noop" } },
    });
    assert.deepEqual(ok.updated_item.widget, {
      type: "Card",
      children: [{ type: "Text", value: "noop" }],
    });
    assert.deepEqual(
      await h.json({
        type: "input.transcribe",
        params: { audio_base64: btoa("abc"), mime_type: "audio/mp4" },
      }),
      { text: "3 bytes of audio/mp4" },
    );
  },
);
