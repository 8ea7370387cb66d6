/**
 * Isolation: two signed-in users (one by cookie, one by Bearer token), two anonymous visitors
 * and two visitors of an embed on another site (signed visitor tokens as Bearer) each own a thread (with items and feedback) and an uploaded attachment. Every request type
 * aimed at another owner's thread, item or attachment answers 404 and changes nothing;
 * `threads.list` shows only one's own.
 */
import assert from "node:assert/strict";
import { addMessageRequest, createRequest, userInput } from "./chatkit_helpers.ts";
import { freshEmail, ownedRows, startAuthHarness, Visitor } from "./auth_helpers.ts";
import { dbTest } from "./support/db.ts";

const PASSWORD = "isolation password 1";
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface Actor {
  name: string;
  visitor: Visitor;
  owner: string;
  threadId: string;
  userItemId: string;
  assistantItemId: string;
  attachmentId: string;
}

async function setUp(name: string, visitor: Visitor, owner: () => Promise<string>) {
  const events = await visitor.stream(createRequest(`hello from ${name}`));
  const created = events.find((e) => e.type === "thread.created");
  assert.ok(created && created.type === "thread.created");
  const done = events.flatMap((e) => e.type === "thread.item.done" ? [e.item] : []);
  const userItem = done.find((i) => i.type === "user_message")!;
  const assistantItem = done.find((i) => i.type === "assistant_message")!;
  assert.ok(userItem && assistantItem, `${name}: a user and an assistant message`);
  assert.deepEqual(
    await visitor.json({
      type: "items.feedback",
      params: { thread_id: created.thread.id, item_ids: [assistantItem.id], kind: "positive" },
    }),
    {},
  );
  const attachment = await visitor.json<{ id: string }>({
    type: "attachments.create",
    params: { name: `${name}.png`, size: PNG.byteLength, mime_type: "image/png" },
  });
  const upload = await visitor.fetch(`/chatkit/upload/${attachment.id}`, {
    method: "PUT",
    headers: { "content-type": "image/png" },
    body: PNG,
  });
  assert.equal(upload.status, 200, await upload.clone().text());
  await upload.body?.cancel();
  return {
    name,
    visitor,
    owner: await owner(),
    threadId: created.thread.id,
    userItemId: userItem.id,
    assistantItemId: assistantItem.id,
    attachmentId: attachment.id,
  } satisfies Actor;
}

/** Every request one owner could aim at another's thread, item or attachment. */
function attacks(me: Actor, victim: Actor): { label: string; body: unknown; status: number[] }[] {
  const t = victim.threadId;
  const notFound = [404];
  return [
    { label: "threads.get_by_id", body: { type: "threads.get_by_id", params: { thread_id: t } } },
    { label: "items.list", body: { type: "items.list", params: { thread_id: t } } },
    {
      label: "threads.update",
      body: { type: "threads.update", params: { thread_id: t, title: "taken over" } },
    },
    {
      label: "items.feedback (their thread)",
      body: {
        type: "items.feedback",
        params: { thread_id: t, item_ids: [victim.assistantItemId], kind: "negative" },
      },
    },
    {
      label: "items.feedback (their item in my thread)",
      body: {
        type: "items.feedback",
        params: { thread_id: me.threadId, item_ids: [victim.assistantItemId], kind: "negative" },
      },
    },
    { label: "threads.add_user_message", body: addMessageRequest(t, "let me in") },
    {
      label: "threads.add_user_message (their attachment)",
      body: {
        type: "threads.add_user_message",
        params: {
          thread_id: me.threadId,
          input: userInput("look", { attachments: [victim.attachmentId] }),
        },
      },
    },
    {
      label: "threads.create (their attachment)",
      body: createRequest("look", { attachments: [victim.attachmentId] }),
    },
    {
      label: "threads.add_client_tool_output",
      body: { type: "threads.add_client_tool_output", params: { thread_id: t, result: {} } },
    },
    {
      label: "threads.add_structured_input",
      body: {
        type: "threads.add_structured_input",
        params: { thread_id: t, item_id: victim.assistantItemId, input: { answers: {} } },
      },
    },
    {
      label: "threads.retry_after_item",
      body: {
        type: "threads.retry_after_item",
        params: { thread_id: t, item_id: victim.userItemId },
      },
    },
    {
      label: "threads.retry_after_item (their item in my thread)",
      body: {
        type: "threads.retry_after_item",
        params: { thread_id: me.threadId, item_id: victim.userItemId },
      },
    },
    {
      label: "threads.custom_action",
      body: {
        type: "threads.custom_action",
        params: { thread_id: t, item_id: victim.assistantItemId, action: { type: "x" } },
      },
    },
    {
      label: "threads.sync_custom_action",
      body: {
        type: "threads.sync_custom_action",
        params: { thread_id: t, item_id: victim.assistantItemId, action: { type: "x" } },
      },
    },
    { label: "threads.delete", body: { type: "threads.delete", params: { thread_id: t } } },
    {
      label: "attachments.delete",
      body: { type: "attachments.delete", params: { attachment_id: victim.attachmentId } },
    },
  ].map((a) => ({ ...a, status: notFound }));
}

/** The allowed host site of the embed visitors. */
const EMBED_ORIGIN = "https://docs.example.com";

/** A visitor of the embed on `EMBED_ORIGIN`: its visitor token as Bearer, and its owner id. */
async function embedVisitor(h: { app: Visitor["app"] }): Promise<[Visitor, string]> {
  const visitor = new Visitor(h.app, { origin: EMBED_ORIGIN });
  const res = await visitor.fetch("/embed/token", {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: "{}",
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { visitorToken, visitorId } = await res.json();
  visitor.bearer = visitorToken;
  return [visitor, `anon:${visitorId}`];
}

dbTest("isolation - 6 owners × every request type on another's data", async (db) => {
  const h = await startAuthHarness(db, { env: { ALLOWED_ORIGINS: EMBED_ORIGIN } });
  try {
    // User 1 signs in with cookies (the pages), user 2 is an API client with a Bearer token.
    const cookieUser = new Visitor(h.app);
    const email1 = freshEmail("iso1");
    const id1 = await cookieUser.signUp(email1, PASSWORD);
    const email2 = freshEmail("iso2");
    await new Visitor(h.app).signUp(email2, PASSWORD);
    const bearerUser = new Visitor(h.app);
    const signIn = await new Visitor(h.app).fetch("/api/auth/sign-in/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: email2, password: PASSWORD }),
    });
    await signIn.body?.cancel();
    bearerUser.bearer = signIn.headers.get("set-auth-token")!;
    const id2 = await bearerUser.userId(email2);
    const anon1 = new Visitor(h.app);
    const anon2 = new Visitor(h.app);
    const [embed1, embedOwner1] = await embedVisitor(h);
    const [embed2, embedOwner2] = await embedVisitor(h);

    const actors = [
      await setUp("user1", cookieUser, () => Promise.resolve(id1)),
      await setUp("user2", bearerUser, () => Promise.resolve(id2)),
      await setUp("anon1", anon1, () => Promise.resolve(anon1.anonOwner())),
      await setUp("anon2", anon2, () => Promise.resolve(anon2.anonOwner())),
      await setUp("embed1", embed1, () => Promise.resolve(embedOwner1)),
      await setUp("embed2", embed2, () => Promise.resolve(embedOwner2)),
    ];
    assert.equal(bearerUser.cookies.size, 0, "the Bearer client never got a cookie");
    assert.equal(embed1.cookies.size + embed2.cookies.size, 0, "embed visitors got no cookie");
    assert.equal(new Set(actors.map((a) => a.owner)).size, 6, "six distinct owners");
    for (const a of actors) {
      const [row] = await db.sql`select owner_id from threads where id = ${a.threadId}`;
      assert.equal(row.owner_id, a.owner, `${a.name} owns its thread`);
    }

    const owners = actors.map((a) => a.owner);
    const before = await ownedRows(db, owners);
    const modelCalls = h.fake.requests.length;
    let checked = 0;
    for (const me of actors) {
      for (const victim of actors) {
        if (victim === me) continue;
        for (const attack of attacks(me, victim)) {
          const res = await me.visitor.post(attack.body);
          const text = await res.text();
          assert.ok(
            attack.status.includes(res.status),
            `${me.name} → ${victim.name}: ${attack.label} answered ${res.status} ${text}`,
          );
          assert.equal(res.headers.get("content-type"), "application/json", attack.label);
          if (res.status === 200) assert.equal(text, "{}", attack.label);
          else assert.equal(JSON.parse(text).error.code, "not_found", attack.label);
          checked++;
        }
        const upload = await me.visitor.fetch(`/chatkit/upload/${victim.attachmentId}`, {
          method: "POST",
          headers: { "content-type": "image/png" },
          body: new Uint8Array([1, 2, 3]),
        });
        assert.equal(upload.status, 404, `${me.name} uploads into ${victim.name}'s attachment`);
        await upload.body?.cancel();
        const preview = await me.visitor.fetch(`/chatkit/preview/${victim.attachmentId}`);
        assert.equal(preview.status, 404, `${me.name} previews ${victim.name}'s attachment`);
        await preview.body?.cancel();
        checked += 2;
      }
    }
    assert.ok(checked >= 6 * 5 * 18, `checked ${checked} requests`);
    assert.equal(await ownedRows(db, owners), before, "nothing changed for any owner");
    assert.equal(h.fake.requests.length, modelCalls, "no refused request reached the model");

    // threads.list: exactly one's own thread; items.list and get_by_id of one's own still work.
    for (const me of actors) {
      const list = await me.visitor.json<{ data: { id: string }[] }>({
        type: "threads.list",
        params: { limit: 100 },
      });
      assert.deepEqual(list.data.map((t) => t.id), [me.threadId], `${me.name}'s list`);
      const thread = await me.visitor.json<{ id: string; items: { data: unknown[] } }>({
        type: "threads.get_by_id",
        params: { thread_id: me.threadId },
      });
      assert.equal(thread.id, me.threadId);
      const preview = await me.visitor.fetch(`/chatkit/preview/${me.attachmentId}`);
      assert.equal(preview.status, 200, `${me.name} previews its own attachment`);
      await preview.body?.cancel();
    }

    // The owners' own deletes do work (so the 404s above were refusals, not broken deletes).
    for (const me of actors) {
      await me.visitor.json({ type: "threads.delete", params: { thread_id: me.threadId } });
      await me.visitor.json({
        type: "attachments.delete",
        params: { attachment_id: me.attachmentId },
      });
    }
    const [left] = await db.sql`
      select (select count(*) from threads where owner_id = any(${owners}::text[]))::int as threads,
             (select count(*) from attachments where owner_id = any(${owners}::text[]))::int as files`;
    assert.deepEqual({ ...left }, { threads: 0, files: 0 });
  } finally {
    await h.close();
  }
});
