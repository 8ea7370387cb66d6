import { deepEqual, equal, rejects } from "node:assert/strict";
import { ChatKitClient, ChatKitRequestError, textInput } from "./client.ts";
import { createApiFetch } from "./fetch.ts";

interface Sent {
  url: string;
  init: RequestInit;
  body: { type: string; params: Record<string, unknown> };
}

function fakeFetch(answer: (sent: Sent) => Response) {
  const sent: Sent[] = [];
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}) => {
    const record = { url: String(input), init, body: JSON.parse(String(init.body)) };
    sent.push(record);
    return Promise.resolve(answer(record));
  };
  return { sent, fetch: fetch as typeof globalThis.fetch };
}

Deno.test("client - JSON requests have the component's shapes", async () => {
  const { sent, fetch } = fakeFetch(() => Response.json({ data: [], has_more: false }));
  const client = new ChatKitClient({ fetch, locale: "de-DE" });
  await client.listThreads({ limit: 20, order: "desc" });
  await client.listItems("thr_1", { order: "desc", after: "msg_9" });
  await client.getThread("thr_1");
  await client.renameThread("thr_1", "New title");
  await client.deleteThread("thr_1");
  await client.sendFeedback("thr_1", ["msg_2"], "negative");
  deepEqual(sent.map((s) => s.body), [
    { type: "threads.list", params: { limit: 20, order: "desc" } },
    { type: "items.list", params: { thread_id: "thr_1", order: "desc", after: "msg_9" } },
    { type: "threads.get_by_id", params: { thread_id: "thr_1" } },
    { type: "threads.update", params: { thread_id: "thr_1", title: "New title" } },
    { type: "threads.delete", params: { thread_id: "thr_1" } },
    {
      type: "items.feedback",
      params: { thread_id: "thr_1", item_ids: ["msg_2"], kind: "negative" },
    },
  ]);
  equal(sent[0].url, "/chatkit");
  equal(sent[0].init.method, "POST");
  deepEqual(sent[0].init.headers, {
    "content-type": "application/json",
    "accept-language": "de-DE",
  });
});

Deno.test("client - streaming requests yield events as they arrive", async () => {
  const { sent, fetch } = fakeFetch(() =>
    new Response(
      'data: {"type":"stream_options","stream_options":{"allow_cancel":true}}\n\n' +
        'data: {"type":"thread.item.removed","item_id":"x"}\n\n',
      { headers: { "content-type": "text/event-stream" } },
    )
  );
  const client = new ChatKitClient({ fetch, url: "https://chat.example/chatkit" });
  const events = [];
  for await (const event of client.createThread(textInput("Hi"))) events.push(event.type);
  deepEqual(events, ["stream_options", "thread.item.removed"]);
  for await (const _ of client.addUserMessage("thr_1", textInput("Again"))) { /* drain */ }
  for await (const _ of client.retryAfterItem("thr_1", "msg_1")) { /* drain */ }
  deepEqual(sent.map((s) => s.body), [
    {
      type: "threads.create",
      params: {
        input: {
          content: [{ type: "input_text", text: "Hi" }],
          attachments: [],
          inference_options: {},
        },
      },
    },
    {
      type: "threads.add_user_message",
      params: {
        thread_id: "thr_1",
        input: {
          content: [{ type: "input_text", text: "Again" }],
          attachments: [],
          inference_options: {},
        },
      },
    },
    { type: "threads.retry_after_item", params: { thread_id: "thr_1", item_id: "msg_1" } },
  ]);
  equal(sent[0].url, "https://chat.example/chatkit");
});

Deno.test("client - non-2xx answers become ChatKitRequestError with the server's code", async () => {
  const { fetch } = fakeFetch(() =>
    Response.json({ error: { code: "not_found", message: "Thread not found" } }, { status: 404 })
  );
  const client = new ChatKitClient({ fetch });
  await rejects(client.getThread("thr_x"), (error: unknown) => {
    equal(error instanceof ChatKitRequestError, true);
    const e = error as ChatKitRequestError;
    deepEqual([e.status, e.code, e.message], [404, "not_found", "Thread not found"]);
    return true;
  });
  const plain = new ChatKitClient({
    fetch: () => Promise.resolve(new Response("nope", { status: 502, statusText: "Bad Gateway" })),
  });
  await rejects(plain.listThreads(), /Bad Gateway/);
});

Deno.test("fetch - sends cookies, or a Bearer token without cookies, keeping the caller's headers", async () => {
  const seen: RequestInit[] = [];
  const baseFetch = ((_input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(init!);
    return Promise.resolve(new Response("{}"));
  }) as typeof fetch;
  await createApiFetch({ baseFetch })("/chatkit", {
    method: "POST",
    headers: { "content-type": "application/json", "accept-language": "fr" },
  });
  await createApiFetch({ baseFetch, authToken: "tok_123" })("https://other.example/chatkit", {
    headers: { "content-type": "application/json" },
  });
  equal(seen[0].credentials, "include");
  equal(seen[0].method, "POST");
  const h0 = seen[0].headers as Headers;
  deepEqual([h0.get("content-type"), h0.get("accept-language"), h0.get("authorization")], [
    "application/json",
    "fr",
    null,
  ]);
  equal(seen[1].credentials, "omit");
  equal((seen[1].headers as Headers).get("authorization"), "Bearer tok_123");
});
