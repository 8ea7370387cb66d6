import { deepStrictEqual as equal, ok, rejects } from "node:assert/strict";
import { APIError } from "openai";
import { parseFrame, responseEvents, sseMessages } from "./sse_reader.ts";

/** A body that arrives in exactly these pieces (as a network delivers it). */
function body(...pieces: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(typeof p === "string" ? encoder.encode(p) : p);
      controller.close();
    },
  });
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

Deno.test("parseFrame - event name, data lines joined, comments and unknown fields skipped", () => {
  equal(parseFrame('event: response.created\ndata: {"a":1}'), {
    event: "response.created",
    data: '{"a":1}',
  });
  equal(parseFrame(": keep-alive"), null);
  equal(parseFrame("data:one\ndata: two\nid: 7\nretry: 10"), { event: null, data: "one\ntwo" });
});

Deno.test("sseMessages - frames split anywhere across chunks, in any line ending, and UTF-8 split mid-character", async () => {
  const euro = new TextEncoder().encode('data: {"t":"€"}\n\n');
  const messages = await all(sseMessages(body(
    "event: a\nda",
    "ta: 1\n",
    "\nevent: b\r\ndata: 2\r\n\r",
    "\ndata: 3\r\r",
    euro.slice(0, 12),
    euro.slice(12),
    "data: last-without-blank-line",
  )));
  equal(messages, [
    { event: "a", data: "1" },
    { event: "b", data: "2" },
    { event: null, data: "3" },
    { event: null, data: '{"t":"€"}' },
    { event: null, data: "last-without-blank-line" },
  ]);
});

Deno.test("responseEvents - JSON events until [DONE]; nothing after it is read", async () => {
  const response = new Response(body(
    'event: response.created\ndata: {"type":"response.created"}\n\n',
    'data: {"type":"response.output_text.delta","delta":"Hi"}\n\n',
    "data: [DONE]\n\n",
    'data: {"type":"after"}\n\n',
  ));
  equal((await all(responseEvents(response))).map((e) => e.type), [
    "response.created",
    "response.output_text.delta",
  ]);
});

Deno.test("responseEvents - an error event or member is an APIError, broken JSON a SyntaxError", async () => {
  const errorEvent = new Response(
    body('event: error\ndata: {"error":{"message":"overloaded","type":"server_error"}}\n\n'),
  );
  await rejects(all(responseEvents(errorEvent)), (e: unknown) => {
    ok(e instanceof APIError, String(e));
    ok(e.message.includes("overloaded"), e.message);
    return true;
  });
  const member = new Response(body('data: {"error":{"message":"quota"}}\n\n'));
  await rejects(all(responseEvents(member)), (e: unknown) => e instanceof APIError);
  const broken = new Response(body('data: {"type": \n\n'));
  await rejects(all(responseEvents(broken)), SyntaxError);
});

Deno.test("responseEvents - an aborted read ends the events quietly; stopping early cancels the body", async () => {
  const abort = new AbortController();
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('data: {"type":"first"}\n\n'));
    },
    pull() {
      // The next read fails as an aborted fetch body does.
      abort.abort();
      throw new DOMException("The signal has been aborted", "AbortError");
    },
    cancel() {
      cancelled = true;
    },
  });
  equal((await all(responseEvents(new Response(stream), abort.signal))).map((e) => e.type), [
    "first",
  ]);

  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode('data: {"type":"tick"}\n\n'));
    },
    cancel() {
      cancelled = true;
    },
  });
  cancelled = false;
  for await (const event of responseEvents(new Response(endless))) {
    equal(event.type, "tick");
    break;
  }
  ok(cancelled, "the body was cancelled when the reader stopped");
});
