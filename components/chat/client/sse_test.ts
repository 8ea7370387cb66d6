import { deepEqual } from "node:assert/strict";
import { readServerSentEvents } from "./sse.ts";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const data of readServerSentEvents(stream)) out.push(data);
  return out;
}

Deno.test("sse - yields each event's data, split anywhere across chunks", async () => {
  const text = 'data: {"a":1}\n\ndata: {"b":2}\n\n';
  for (let cut = 1; cut < text.length; cut++) {
    deepEqual(await collect(streamOf(text.slice(0, cut), text.slice(cut))), ['{"a":1}', '{"b":2}']);
  }
});

Deno.test("sse - CRLF and CR line ends, multi-line data, comments and other fields", async () => {
  deepEqual(
    await collect(
      streamOf(": hi\r\nevent: x\r\ndata: one\r\ndata:two\r\n\r\ndata: 3\r\rid: 9\n\n"),
    ),
    ["one\ntwo", "3"],
  );
});

Deno.test("sse - a last event without its blank line still counts", async () => {
  deepEqual(await collect(streamOf("data: a\n\ndata: b")), ["a", "b"]);
});

Deno.test("sse - multi-byte characters split between chunks", async () => {
  const bytes = new TextEncoder().encode("data: héllo ✓\n\n");
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
      controller.close();
    },
  });
  deepEqual(await collect(stream), ["héllo ✓"]);
});
