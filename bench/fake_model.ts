/**
 * A cheap loopback fake of the OpenAI Responses API for load (run as its own process, so its CPU
 * can be told apart from the app's). It speaks the same streamed shapes as
 * `tests/support/fake_openai.ts` but does no per-request or per-chunk work beyond one `enqueue`:
 * every frame is encoded once per setting, the request body is read but never parsed (a substring
 * tells title requests and streamed requests apart), and nothing is recorded.
 *
 * Usage: `deno run -A bench/fake_model.ts [--tokens=16] [--interval=25] [--first=0]`; it prints
 * `READY <port>` on stdout. `POST /_config {"tokens","intervalMs","firstDelayMs"}` changes the
 * reply between phases; `GET /_stats` answers the request counts. `POST /v1/embeddings` answers
 * the test fake's deterministic vectors (the knowledge benchmark's questions).
 * @module
 */
import { fakeEmbedding } from "../tests/support/fake_openai.ts";

export interface FakeModelSettings {
  /** Text deltas per reply. */
  tokens: number;
  /** Milliseconds between two deltas. */
  intervalMs: number;
  /** Milliseconds between the response headers and the first delta. */
  firstDelayMs: number;
}

const encoder = new TextEncoder();
const ITEM_ID = "msg_fake";

function frame(data: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  return encoder.encode(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
}

interface Frames {
  head: Uint8Array<ArrayBuffer>;
  deltas: Uint8Array<ArrayBuffer>[];
  tail: Uint8Array<ArrayBuffer>;
  json: Uint8Array<ArrayBuffer>;
}

/** Encodes every frame of a streamed reply once (sequence numbers included). */
export function buildFrames(settings: FakeModelSettings): Frames {
  const words = Array.from({ length: settings.tokens }, (_, i) => (i ? " " : "") + `word${i}`);
  const text = words.join("");
  const part = { type: "output_text", text, annotations: [] };
  const message = { id: ITEM_ID, type: "message", status: "completed", role: "assistant" };
  const usage = {
    input_tokens: 5,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: settings.tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 5 + settings.tokens,
  };
  const response = (status: string, output: unknown[]) => ({
    id: "resp_fake",
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model: "fake-model",
    status,
    output,
    usage,
  });
  let seq = 0;
  const f = (data: Record<string, unknown>) => frame({ ...data, sequence_number: seq++ });
  const concat = (parts: Uint8Array<ArrayBuffer>[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const shell = response("in_progress", []);
  const head = concat([
    f({ type: "response.created", response: shell }),
    f({ type: "response.in_progress", response: shell }),
    f({
      type: "response.output_item.added",
      output_index: 0,
      item: { ...message, status: "in_progress", content: [] },
    }),
    f({
      type: "response.content_part.added",
      item_id: ITEM_ID,
      output_index: 0,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    }),
  ]);
  const deltas = words.map((delta) =>
    f({
      type: "response.output_text.delta",
      item_id: ITEM_ID,
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: [],
    })
  );
  const done = { ...message, content: [part] };
  const tail = concat([
    f({
      type: "response.output_text.done",
      item_id: ITEM_ID,
      output_index: 0,
      content_index: 0,
      text,
      logprobs: [],
    }),
    f({
      type: "response.content_part.done",
      item_id: ITEM_ID,
      output_index: 0,
      content_index: 0,
      part,
    }),
    f({ type: "response.output_item.done", output_index: 0, item: done }),
    f({ type: "response.completed", response: response("completed", [done]) }),
  ]);
  const json = encoder.encode(JSON.stringify(response("completed", [done])));
  return { head, deltas, tail, json };
}

const TITLE_JSON = encoder.encode(JSON.stringify({
  id: "resp_title",
  object: "response",
  created_at: 0,
  model: "fake-model",
  status: "completed",
  output: [{
    id: "msg_title",
    type: "message",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: "Benchmark chat", annotations: [] }],
  }],
  usage: {
    input_tokens: 5,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 2,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 7,
  },
}));

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const JSON_HEADERS = { "content-type": "application/json" };

/** Starts the fake; `signal` stops it. */
export function serveFakeModel(
  initial: FakeModelSettings,
  options: { port?: number; signal?: AbortSignal } = {},
): Deno.HttpServer<Deno.NetAddr> {
  let settings = { ...initial };
  let frames = buildFrames(settings);
  const stats = { replies: 0, titles: 0, embeddings: 0, other: 0, active: 0, cancelled: 0 };

  function stream(): Response {
    const { head, deltas, tail } = frames;
    const { intervalMs, firstDelayMs } = settings;
    let timer: ReturnType<typeof setTimeout> | undefined;
    stats.active++;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let i = 0;
        const next = () => {
          timer = undefined;
          if (i < deltas.length) {
            controller.enqueue(deltas[i++]);
            if (i < deltas.length) {
              timer = setTimeout(next, intervalMs);
              return;
            }
          }
          controller.enqueue(tail);
          controller.close();
          stats.active--;
        };
        controller.enqueue(head);
        if (deltas.length === 0) return next();
        timer = setTimeout(next, firstDelayMs);
      },
      cancel() {
        if (timer !== undefined) clearTimeout(timer);
        stats.active--;
        stats.cancelled++;
      },
    });
    return new Response(body, { headers: SSE_HEADERS });
  }

  return Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    signal: options.signal,
    onListen() {},
  }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/v1/responses") {
      const raw = await req.text();
      if (raw.includes("conversation title")) {
        stats.titles++;
        return new Response(TITLE_JSON, { headers: JSON_HEADERS });
      }
      stats.replies++;
      if (/"stream"\s*:\s*true/.test(raw)) return stream();
      return new Response(frames.json, { headers: JSON_HEADERS });
    }
    // The knowledge benchmark's question vectors: the test fake's hashed word counts, so they
    // match the vectors the corpus was stored with.
    if (req.method === "POST" && path === "/v1/embeddings") {
      stats.embeddings++;
      const body = await req.json() as { input: string | string[]; dimensions?: number };
      const texts = Array.isArray(body.input) ? body.input : [body.input];
      return Response.json({
        object: "list",
        data: texts.map((text, index) => ({
          object: "embedding",
          index,
          embedding: fakeEmbedding(text, body.dimensions),
        })),
        usage: { prompt_tokens: texts.length, total_tokens: texts.length },
      });
    }
    if (req.method === "POST" && path === "/_config") {
      const given = await req.json() as Partial<FakeModelSettings>;
      settings = { ...settings, ...given };
      frames = buildFrames(settings);
      return Response.json(settings);
    }
    if (path === "/_stats") return Response.json({ ...stats, settings });
    // The HTTP baseline of the store reads: answers its JSON body straight back.
    if (req.method === "POST" && path === "/_echo") {
      return new Response(await req.arrayBuffer(), { headers: JSON_HEADERS });
    }
    stats.other++;
    await req.body?.cancel();
    return new Response(JSON.stringify({ error: { message: `unknown route ${path}` } }), {
      status: 404,
      headers: JSON_HEADERS,
    });
  });
}

function arg(name: string, fallback: number): number {
  const found = Deno.args.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.split("=")[1]) : fallback;
}

if (import.meta.main) {
  const server = serveFakeModel({
    tokens: arg("tokens", 16),
    intervalMs: arg("interval", 25),
    firstDelayMs: arg("first", 0),
  }, { port: arg("port", 0) });
  console.log(`READY ${server.addr.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
}
