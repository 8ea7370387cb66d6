/**
 * Bad input to /chatkit and the upload routes: each case gets the right status and a JSON error
 * body before any stream starts, and the database is unchanged afterwards.
 */
import assert from "node:assert/strict";
import { nowIso } from "../lib/chatkit/ids.ts";
import { PostgresStore } from "../lib/store/mod.ts";
import {
  createRequest,
  doneItem,
  startHarness,
  tableCounts,
  userInput,
} from "./chatkit_helpers.ts";
import { dbTest } from "./support/db.ts";

interface Case {
  name: string;
  status: number;
  /** Substring the error message must contain (names the field). */
  message?: RegExp;
  code?: string;
  request: () => Promise<Response>;
}

dbTest(
  "chatkit bad input - each case answers its status and leaves the database unchanged",
  async (db) => {
    const h = await startHarness(db, {
      settings: { limits: { maxAttachmentBytes: 1024, maxMessageChars: 100 } },
    });
    try {
      const events = await h.stream(createRequest("hello"));
      const user = doneItem(events, "user_message");
      const reply = doneItem(events, "assistant_message");
      const threadId = user.thread_id;
      const foreign = new PostgresStore(db.sql).forOwner(`anon:${crypto.randomUUID()}`);
      const foreignThread = `thr_${crypto.randomUUID().replaceAll("-", "")}`;
      const foreignItem = `msg_${crypto.randomUUID().replaceAll("-", "")}`;
      await foreign.createThread(
        { id: foreignThread, created_at: nowIso(), status: { type: "active" }, metadata: {} },
        {
          id: foreignItem,
          thread_id: foreignThread,
          created_at: nowIso(),
          type: "user_message",
          content: [{ type: "input_text", text: "theirs" }],
          attachments: [],
          inference_options: {},
        },
      );
      const foreignAttachment = `atc_${crypto.randomUUID().replaceAll("-", "")}`;
      await foreign.saveAttachment(
        { type: "file", id: foreignAttachment, name: "x.txt", mime_type: "text/plain" },
        1,
        new Uint8Array([1]),
      );
      const pending = await h.json<{ id: string; upload_descriptor: { url: string } }>({
        type: "attachments.create",
        params: { name: "later.png", size: 10, mime_type: "image/png" },
      });

      const post = (body: unknown, init?: RequestInit) => h.post(body, init);
      const upload = (path: string, file: File) => {
        const form = new FormData();
        form.append("file", file);
        return h.fetch(path, { method: "POST", body: form });
      };
      const big = "x".repeat(1024 * 1024 + 1);

      const cases: Case[] = [
        {
          name: "malformed JSON",
          status: 400,
          code: "invalid_json",
          request: () => post("{not json"),
        },
        { name: "empty body", status: 400, code: "invalid_json", request: () => post("") },
        { name: "JSON that is not an object", status: 400, request: () => post("[1,2]") },
        {
          name: "unknown type",
          status: 400,
          message: /^type: unknown request type/,
          request: () => post({ type: "threads.explode", params: {} }),
        },
        { name: "missing type", status: 400, message: /type/, request: () => post({ params: {} }) },
        {
          name: "wrong type of content",
          status: 400,
          message: /params\.input\.content/,
          request: () =>
            post({
              type: "threads.create",
              params: { input: { ...userInput("x"), content: "hi" } },
            }),
        },
        {
          name: "missing inference_options",
          status: 400,
          message: /params\.input\.inference_options/,
          request: () =>
            post({
              type: "threads.create",
              params: { input: { content: [{ type: "input_text", text: "x" }], attachments: [] } },
            }),
        },
        {
          name: "wrong type of limit",
          status: 400,
          message: /params\.limit/,
          request: () => post({ type: "threads.list", params: { limit: "ten" } }),
        },
        {
          name: "wrong order",
          status: 400,
          message: /params\.order/,
          request: () =>
            post({ type: "items.list", params: { thread_id: threadId, order: "sideways" } }),
        },
        {
          name: "missing thread_id",
          status: 400,
          message: /params\.thread_id/,
          request: () =>
            post({ type: "threads.add_user_message", params: { input: userInput("x") } }),
        },
        {
          name: "missing item_id on retry",
          status: 400,
          message: /params\.item_id/,
          request: () =>
            post({ type: "threads.retry_after_item", params: { thread_id: threadId } }),
        },
        {
          name: "empty item_ids on feedback",
          status: 400,
          message: /params\.item_ids/,
          request: () =>
            post({
              type: "items.feedback",
              params: { thread_id: threadId, item_ids: [], kind: "positive" },
            }),
        },
        {
          name: "bad feedback kind",
          status: 400,
          message: /params\.kind/,
          request: () =>
            post({
              type: "items.feedback",
              params: { thread_id: threadId, item_ids: [reply.id], kind: "meh" },
            }),
        },
        {
          name: "message too long",
          status: 400,
          message: /params\.input\.content/,
          request: () => post(createRequest("y".repeat(101))),
        },
        {
          name: "retry on an assistant message",
          status: 400,
          message: /params\.item_id/,
          request: () =>
            post({
              type: "threads.retry_after_item",
              params: { thread_id: threadId, item_id: reply.id },
            }),
        },
        {
          name: "client tool output without a pending call",
          status: 400,
          request: () =>
            post({
              type: "threads.add_client_tool_output",
              params: { thread_id: threadId, result: 1 },
            }),
        },
        {
          name: "attachment not uploaded yet",
          status: 400,
          request: () => post(createRequest("see", { attachments: [pending.id] })),
        },
        ...([
          "threads.get_by_id",
          "items.list",
          "threads.update",
          "threads.add_user_message",
        ] as const).map(
          (type): Case => ({
            name: `foreign thread: ${type}`,
            status: 404,
            code: "not_found",
            request: () =>
              post({
                type,
                params: { thread_id: foreignThread, title: "stolen", input: userInput("hi") },
              }),
          }),
        ),
        {
          name: "unknown thread",
          status: 404,
          request: () =>
            post({ type: "threads.get_by_id", params: { thread_id: "thr_doesnotexist" } }),
        },
        {
          name: "foreign item on retry",
          status: 404,
          request: () =>
            post({
              type: "threads.retry_after_item",
              params: { thread_id: threadId, item_id: foreignItem },
            }),
        },
        {
          name: "foreign item in feedback",
          status: 404,
          request: () =>
            post({
              type: "items.feedback",
              params: { thread_id: threadId, item_ids: [reply.id, foreignItem], kind: "positive" },
            }),
        },
        {
          name: "foreign item for structured input",
          status: 404,
          request: () =>
            post({
              type: "threads.add_structured_input",
              params: { thread_id: threadId, item_id: foreignItem, input: { answers: {} } },
            }),
        },
        {
          name: "foreign attachment in a message",
          status: 404,
          request: () => post(createRequest("mine?", { attachments: [foreignAttachment] })),
        },
        {
          name: "oversize body with Content-Length",
          status: 413,
          code: "payload_too_large",
          request: () => post(JSON.stringify(createRequest(big))),
        },
        {
          name: "oversize body, chunked (no Content-Length)",
          status: 413,
          code: "payload_too_large",
          request: () => {
            const bytes = new TextEncoder().encode(JSON.stringify(createRequest(big)));
            const body = new ReadableStream<Uint8Array>({
              start(controller) {
                for (let i = 0; i < bytes.length; i += 65536) {
                  controller.enqueue(bytes.slice(i, i + 65536));
                }
                controller.close();
              },
            });
            return post(undefined, { body, method: "POST" });
          },
        },
        {
          name: "oversize attachment declared",
          status: 413,
          request: () =>
            post({
              type: "attachments.create",
              params: { name: "a.png", size: 1025, mime_type: "image/png" },
            }),
        },
        {
          name: "oversize attachment uploaded (direct)",
          status: 413,
          request: () =>
            upload(
              "/chatkit/upload",
              new File([new Uint8Array(70_000)], "a.png", { type: "image/png" }),
            ),
        },
        {
          name: "oversize attachment uploaded (two-phase, raw body)",
          status: 413,
          request: () =>
            h.fetch(new URL(pending.upload_descriptor.url).pathname, {
              method: "POST",
              headers: { "content-type": "image/png" },
              body: new Uint8Array(1025),
            }),
        },
        {
          name: "wrong MIME declared",
          status: 415,
          request: () =>
            post({
              type: "attachments.create",
              params: { name: "a.exe", size: 10, mime_type: "application/x-msdownload" },
            }),
        },
        {
          name: "wrong MIME uploaded (direct)",
          status: 415,
          request: () =>
            upload("/chatkit/upload", new File(["<svg/>"], "a.svg", { type: "image/svg+xml" })),
        },
        {
          name: "direct upload without a file field",
          status: 400,
          request: () => h.fetch("/chatkit/upload", { method: "POST", body: new FormData() }),
        },
        {
          name: "upload to a foreign attachment",
          status: 404,
          request: () =>
            upload(
              `/chatkit/upload/${foreignAttachment}`,
              new File(["a"], "a.txt", { type: "text/plain" }),
            ),
        },
        { name: "GET /chatkit", status: 405, request: () => h.fetch("/chatkit") },
        {
          name: "PUT /chatkit",
          status: 405,
          request: () => h.fetch("/chatkit", { method: "PUT", body: "{}" }),
        },
      ];

      const before = await tableCounts(db);
      const modelCalls = h.fake.requests.length;
      for (const c of cases) {
        const res = await c.request();
        const text = await res.text();
        assert.equal(res.status, c.status, `${c.name}: ${text}`);
        assert.equal(res.headers.get("content-type"), "application/json", c.name);
        const body = JSON.parse(text);
        assert.equal(typeof body.error?.code, "string", c.name);
        assert.equal(typeof body.error?.message, "string", c.name);
        if (c.code) assert.equal(body.error.code, c.code, c.name);
        if (c.message) assert.match(body.error.message, c.message, c.name);
        assert.ok(!/at .*\.ts:\d+/.test(text), `${c.name}: no stack trace`);
        assert.deepEqual(await tableCounts(db), before, `${c.name}: database unchanged`);
      }
      assert.equal(h.fake.requests.length, modelCalls, "the model was never called");
    } finally {
      await h.close();
    }
  },
);
