/**
 * The baseline of the streaming benchmark: a minimal `Deno.serve` SSE relay of the fake model's
 * stream (no database, no auth, no validation). Each `POST /relay` opens one streamed request to
 * the fake model, parses its SSE frames and re-emits each text delta as a ChatKit
 * `thread.item.updated` text_delta frame, bracketed by `thread.item.added` / `thread.item.done`.
 * This is the least work any ChatKit server must do per turn on this runtime.
 *
 * Usage: `deno run -A bench/relay.ts --upstream=http://127.0.0.1:PORT/v1`; prints `READY <port>`.
 * @module
 */

const encoder = new TextEncoder();

function sse(data: unknown): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(data)}\n\n`);
}

const BODY = JSON.stringify({
  model: "fake-model",
  input: [{ role: "user", content: "hello" }],
  stream: true,
});

/** Starts the relay in front of `upstream` (the fake model's `/v1` URL). */
export function serveRelay(
  upstream: string,
  options: { port?: number; signal?: AbortSignal } = {},
): Deno.HttpServer<Deno.NetAddr> {
  let counter = 0;
  return Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    signal: options.signal,
    onListen() {},
  }, async (req) => {
    await req.text();
    const itemId = `msg_relay_${counter++}`;
    const abort = new AbortController();
    const res = await fetch(`${upstream}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer bench" },
      body: BODY,
      signal: abort.signal,
    });
    if (!res.ok || !res.body) return new Response("upstream failed", { status: 502 });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(sse({
          type: "thread.item.added",
          item: { id: itemId, type: "assistant_message", content: [] },
        }));
        let buffer = "";
        let text = "";
        try {
          while (true) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let end;
            while ((end = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const at = block.indexOf("data: ");
              if (at < 0) continue;
              const event = JSON.parse(block.slice(at + 6));
              if (event.type === "response.output_text.delta") {
                text += event.delta;
                controller.enqueue(sse({
                  type: "thread.item.updated",
                  item_id: itemId,
                  update: {
                    type: "assistant_message.content_part.text_delta",
                    content_index: 0,
                    delta: event.delta,
                  },
                }));
              }
            }
          }
          controller.enqueue(sse({
            type: "thread.item.done",
            item: {
              id: itemId,
              type: "assistant_message",
              content: [{ type: "output_text", text, annotations: [] }],
            },
          }));
          controller.close();
        } catch (error) {
          try {
            controller.error(error);
          } catch { /* closed */ }
        }
      },
      cancel() {
        abort.abort();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  });
}

if (import.meta.main) {
  const upstream = Deno.args.find((a) => a.startsWith("--upstream="))?.slice(11);
  if (!upstream) throw new Error("--upstream=<fake model /v1 URL> is required");
  const server = serveRelay(upstream);
  console.log(`READY ${server.addr.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
}
