/**
 * A loopback fake of the OpenAI HTTP API, for tests and benchmarks.
 *
 * Serves `POST /v1/responses` and `POST /v1/chat/completions`, streamed (SSE) and not, with
 * scripted replies: text split into chunks, delays, HTTP errors, hangs, dropped connections,
 * tool calls, several messages in one response and URL citations. Every request is recorded,
 * including whether the client closed the connection before the reply finished.
 *
 * Cheap on purpose: every frame of a reply is encoded once before the first byte is sent, and
 * sending a chunk is a single `enqueue` (Deno's HTTP server writes small chunks without Nagle
 * delays, so deltas leave as they are produced).
 *
 * @example
 * ```ts
 * const fake = await startFakeOpenAI();
 * fake.enqueue({ text: "Hello there", chunkDelayMs: 20 });
 * fake.enqueueTitle({ text: '"Greetings"' });
 * // point the app at fake.baseUrl (OPENAI_BASE_URL) with any OPENAI_API_KEY
 * await fake.close();
 * ```
 * @module
 */

/** Which API a request used. */
export type FakeApi = "responses" | "chat_completions";

/** A function call the fake model asks for. */
export interface FakeToolCall {
  name: string;
  /** JSON text of the arguments (default `"{}"`). */
  arguments?: string;
  /** Call id (default `call_<n>`). */
  callId?: string;
}

/** A URL citation attached to the (last) message's text. */
export interface FakeCitation {
  url: string;
  title: string;
  /** Character range of the cited text (default: the whole text). */
  startIndex?: number;
  endIndex?: number;
}

/** One scripted answer to one request. Everything is optional. */
export interface FakeTurn {
  /** Reply text (default: derived from the request, see {@link defaultReplyText}). */
  text?: string;
  /** Exact chunks to stream (overrides `text`; their concatenation is the text). */
  chunks?: string[];
  /** Split `text` into this many chunks (default: one per word). */
  chunkCount?: number;
  /** Several assistant messages in one response (Responses API: separate output items). */
  messages?: string[];
  /** Delay between two chunks, in ms (default 0). */
  chunkDelayMs?: number;
  /** Delay after the response headers and before the first chunk, in ms (default 0). */
  firstChunkDelayMs?: number;
  /** Delay before the response headers are sent, in ms (default 0). */
  headersDelayMs?: number;
  /** Answer with this HTTP error status and an OpenAI-style error body. */
  status?: number;
  /** Error message for `status` (default "Fake provider error"). */
  errorMessage?: string;
  /** Extra response headers (e.g. `retry-after-ms`). */
  headers?: Record<string, string>;
  /** Never answer: before the headers, or after the headers before any chunk. */
  hang?: "before_headers" | "after_headers";
  /** Send this many chunks, then stall forever (a stream that stops mid-way). */
  stallAfterChunks?: number;
  /**
   * Hold the answer until this settles, so that a test decides when it goes on instead of
   * guessing with delays: before the headers, or (streamed) after `holdAfterChunks` chunks.
   */
  release?: Promise<unknown>;
  /** With `release`: send this many chunks first, then hold the rest. */
  holdAfterChunks?: number;
  /**
   * Send this many chunks, then drop the connection (no terminal event, broken chunked body) when
   * the next chunk is due (after `chunkDelayMs`).
   */
  dropAfterChunks?: number;
  /** Ask for these function calls (after any text). */
  toolCalls?: FakeToolCall[];
  /** URL citations on the last message. */
  citations?: FakeCitation[];
  /** Model name echoed in the reply (default: the request's model). */
  model?: string;
  /**
   * End the reply unsuccessfully: Responses API → `response.incomplete` / `response.failed`
   * terminal event; Chat Completions → `finish_reason: "length"` for `incomplete`.
   */
  terminal?: "incomplete" | "failed";
}

/** A request the fake received. */
export interface FakeRequest {
  /** Sequence number, from 0. */
  index: number;
  method: string;
  /** URL path, e.g. `/v1/responses`. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON body (`undefined` if none or not JSON). */
  body: unknown;
  /** `responses` or `chat_completions` (undefined for other paths). */
  api?: FakeApi;
  /** `title` when the request asks for a conversation title, `embeddings` for `/v1/embeddings`, else `reply`. */
  kind: "title" | "reply" | "embeddings";
  /** Whether the client asked for a streamed reply. */
  stream: boolean;
  /** The text of the last user message in the request. */
  lastUserText: string;
  /** Set once the reply finished: `completed`, `aborted` (client went away), `dropped` (scripted). */
  outcome?: "completed" | "aborted" | "dropped" | "closed";
  /** Resolves with `outcome` once the exchange is over. */
  finished: Promise<"completed" | "aborted" | "dropped" | "closed">;
  /** Milliseconds (performance.now) when the request arrived. */
  receivedAt: number;
}

/** Options for {@link startFakeOpenAI}. */
export interface FakeOpenAIOptions {
  /** Reply used when no turn is queued (default: {@link defaultReplyText}, one chunk per word). */
  defaultTurn?: (req: FakeRequest) => FakeTurn;
  /** Title reply used when no title turn is queued (default: {@link defaultTitleText}). */
  defaultTitle?: (req: FakeRequest) => FakeTurn;
  /** Decide whether a request is a title request (default: {@link isTitleRequest}). */
  isTitleRequest?: (body: unknown) => boolean;
  /** Keep at most this many requests in `requests` (default unlimited; benchmarks set 0). */
  maxRecorded?: number;
}

/** A running fake server. */
export interface FakeOpenAI {
  /** `http://127.0.0.1:PORT/v1`, for `OPENAI_BASE_URL`. */
  baseUrl: string;
  /** Every request received, in arrival order (see `maxRecorded`). */
  requests: FakeRequest[];
  /** Requests whose client closed the connection before the reply finished. */
  readonly closedConnections: number;
  /** Queue replies for normal (non-title) requests, consumed one per request. */
  enqueue(...turns: FakeTurn[]): void;
  /** Queue replies for title requests, consumed one per title request. */
  enqueueTitle(...turns: FakeTurn[]): void;
  /** Non-title requests only. */
  replyRequests(): FakeRequest[];
  /** Title requests only. */
  titleRequests(): FakeRequest[];
  /** `POST /v1/embeddings` requests only. */
  embeddingRequests(): FakeRequest[];
  /**
   * Makes `/v1/embeddings` fail with `status` once `after` more requests have succeeded (until
   * called with `null`), to test a provider that breaks mid-run.
   */
  failEmbeddings(failure: { after: number; status: number } | null): void;
  /** Resolves when `predicate` holds for some recorded request (polls; default 5 s timeout). */
  waitForRequest(
    predicate: (r: FakeRequest) => boolean,
    timeoutMs?: number,
  ): Promise<FakeRequest>;
  /** Stops the server, ending hung replies. */
  close(): Promise<void>;
}

/** Phrase that marks a title request (the app's title instructions contain it). */
export const TITLE_REQUEST_MARKER = "conversation title";

/** Default test: does the system text / instructions of the request mention {@link TITLE_REQUEST_MARKER}? */
export function isTitleRequest(body: unknown): boolean {
  return systemText(body).toLowerCase().includes(TITLE_REQUEST_MARKER);
}

/** The default reply: `You said: <last user text>` (or a fixed sentence when there is none). */
export function defaultReplyText(req: Pick<FakeRequest, "lastUserText">): string {
  const said = req.lastUserText.trim();
  return said ? `You said: ${said}` : "Hello from the fake model!";
}

/** The default title reply: the first five words of the last user text, in double quotes. */
export function defaultTitleText(req: Pick<FakeRequest, "lastUserText">): string {
  const words = req.lastUserText.replace(/\s+/g, " ").trim().split(" ").slice(0, 5).join(" ");
  return `"${words || "New chat"}"`;
}

const encoder = new TextEncoder();

/** Starts the fake on 127.0.0.1 with a random port. */
export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const replyQueue: FakeTurn[] = [];
  const titleQueue: FakeTurn[] = [];
  const requests: FakeRequest[] = [];
  const pendingEnds = new Set<() => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let closedConnections = 0;
  let counter = 0;
  const titleTest = options.isTitleRequest ?? isTitleRequest;
  const maxRecorded = options.maxRecorded ?? Infinity;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => headers[k] = v);
    const raw = req.method === "POST" ? await req.text() : "";
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    if (req.method === "POST" && url.pathname === "/v1/embeddings") {
      return embeddingsAnswer(url, headers, body);
    }
    const api: FakeApi | undefined = url.pathname === "/v1/responses"
      ? "responses"
      : url.pathname === "/v1/chat/completions"
      ? "chat_completions"
      : undefined;
    let settle!: (o: "completed" | "aborted" | "dropped" | "closed") => void;
    const record: FakeRequest = {
      index: counter++,
      method: req.method,
      path: url.pathname,
      headers,
      body,
      api,
      kind: api && titleTest(body) ? "title" : "reply",
      stream: isRecord(body) && body.stream === true,
      lastUserText: lastUserText(body),
      finished: new Promise((resolve) => settle = resolve),
      receivedAt: performance.now(),
    };
    const finish = (o: "completed" | "aborted" | "dropped" | "closed") => {
      if (record.outcome) return;
      record.outcome = o;
      if (o === "aborted") closedConnections++;
      settle(o);
    };
    if (requests.length < maxRecorded) requests.push(record);

    if (req.method !== "POST" || !api) {
      finish("completed");
      return json(404, { error: { message: `Unknown route ${req.method} ${url.pathname}` } });
    }
    return answer(record, finish);
  }

  async function answer(
    record: FakeRequest,
    finish: (o: "completed" | "aborted" | "dropped" | "closed") => void,
  ): Promise<Response> {
    // Deno.serve's request.signal is not used: it also fires after complete responses (and
    // warns). A client that leaves before the headers is therefore not observed; one that
    // leaves a streamed body is (the body stream is cancelled).
    const { api, body } = record;
    const queued = record.kind === "title" ? titleQueue.shift() : replyQueue.shift();
    const turn = queued ??
      (record.kind === "title"
        ? (options.defaultTitle?.(record) ?? { text: defaultTitleText(record) })
        : (options.defaultTurn?.(record) ?? {}));
    const model = turn.model ??
      (isRecord(body) && typeof body.model === "string" ? body.model : "fake-model");

    if (turn.hang === "before_headers" || (turn.hang && !record.stream)) {
      await new Promise<void>((resolve) => {
        const end = () => {
          pendingEnds.delete(end);
          resolve();
        };
        pendingEnds.add(end);
      });
      finish("closed");
      return json(504, { error: { message: "fake server closed" } });
    }
    if (turn.release && turn.holdAfterChunks === undefined) await turn.release.catch(() => {});
    if (turn.headersDelayMs) await sleep(turn.headersDelayMs);
    if (turn.status && turn.status >= 400) {
      finish("completed");
      return json(turn.status, {
        error: {
          message: turn.errorMessage ?? "Fake provider error",
          type: turn.status >= 500 ? "server_error" : "invalid_request_error",
          code: null,
          param: null,
        },
      }, turn.headers);
    }

    const messages = turn.messages ?? [turn.text ?? defaultReplyText(record)];
    const plan: Plan = {
      id: `${record.index}`,
      terminal: turn.terminal,
      model,
      messages: messages.map((text, i) =>
        i === messages.length - 1 && turn.chunks ? turn.chunks.join("") : text
      ),
      chunks: messages.map((text, i) =>
        i === messages.length - 1 && turn.chunks ? turn.chunks : splitText(text, turn.chunkCount)
      ),
      toolCalls: (turn.toolCalls ?? []).map((c, i) => ({
        name: c.name,
        arguments: c.arguments ?? "{}",
        callId: c.callId ?? `call_${record.index}_${i}`,
      })),
      citations: turn.citations ?? [],
    };

    if (!record.stream) {
      if (turn.firstChunkDelayMs) await sleep(turn.firstChunkDelayMs);
      finish("completed");
      return json(
        200,
        api === "responses" ? responsesObject(plan) : chatCompletionObject(plan),
        turn.headers,
      );
    }

    const frames = api === "responses" ? responsesFrames(plan) : chatFrames(plan);
    // frames[i].delta marks text-delta frames: delays and stall/drop counts apply to those.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let end: (() => void) | undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let i = 0;
        let deltas = 0;
        let held = false;
        const stop = (o: "completed" | "dropped" | "closed", error?: boolean) => {
          if (end) pendingEnds.delete(end);
          finish(o);
          try {
            if (error) controller.error(new Error("fake: connection dropped"));
            else controller.close();
          } catch { /* already closed */ }
        };
        end = () => stop("closed", true);
        pendingEnds.add(end);
        const pump = () => {
          timer = undefined;
          while (i < frames.length) {
            const frame = frames[i];
            if (frame.delta) {
              // The drop (or stall) takes the place of the next chunk, after the usual delay.
              const wait = deltas === 0 ? (turn.firstChunkDelayMs ?? 0) : (turn.chunkDelayMs ?? 0);
              if (wait > 0 && !frame.waited) {
                frame.waited = true;
                timer = setTimeout(pump, wait);
                return;
              }
              if (turn.dropAfterChunks !== undefined && deltas >= turn.dropAfterChunks) {
                return stop("dropped", true);
              }
              if (turn.stallAfterChunks !== undefined && deltas >= turn.stallAfterChunks) return;
              if (
                turn.release && turn.holdAfterChunks !== undefined && !held &&
                deltas >= turn.holdAfterChunks
              ) {
                held = true;
                turn.release.then(pump, pump);
                return;
              }
              deltas++;
            }
            try {
              controller.enqueue(frame.bytes);
            } catch {
              // The client went away and the server closed the body without a cancel call.
              if (end) pendingEnds.delete(end);
              return finish("aborted");
            }
            i++;
          }
          stop("completed");
        };
        if (turn.hang === "after_headers") return;
        pump();
      },
      cancel() {
        if (timer !== undefined) clearTimeout(timer);
        if (end) pendingEnds.delete(end);
        finish("aborted");
      },
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        ...turn.headers,
      },
    });
  }

  // --- /v1/embeddings (issue 11): deterministic vectors from the words of each text.
  let embeddingFailure: { after: number; status: number } | null = null;
  function embeddingsAnswer(url: URL, headers: Record<string, string>, body: unknown) {
    let settle!: (o: "completed") => void;
    const record: FakeRequest = {
      index: counter++,
      method: "POST",
      path: url.pathname,
      headers,
      body,
      kind: "embeddings",
      stream: false,
      lastUserText: "",
      finished: new Promise((resolve) => settle = resolve),
      receivedAt: performance.now(),
      outcome: "completed",
    };
    settle("completed");
    if (requests.length < maxRecorded) requests.push(record);
    if (embeddingFailure) {
      if (embeddingFailure.after > 0) embeddingFailure.after--;
      else return json(embeddingFailure.status, { error: { message: "Fake embeddings error" } });
    }
    const input = isRecord(body) ? body.input : undefined;
    const texts = typeof input === "string" ? [input] : input;
    if (!Array.isArray(texts) || !texts.every((t) => typeof t === "string")) {
      return json(400, { error: { message: "input must be a string or an array of strings" } });
    }
    const dims = isRecord(body) && typeof body.dimensions === "number"
      ? body.dimensions
      : FAKE_EMBEDDING_DIMENSIONS;
    const base64 = isRecord(body) && body.encoding_format === "base64";
    return json(200, {
      object: "list",
      model: isRecord(body) ? body.model : "fake-embedding",
      data: texts.map((text, index) => {
        const v = fakeEmbedding(text, dims);
        return {
          object: "embedding",
          index,
          embedding: base64
            ? btoa(String.fromCharCode(...new Uint8Array(new Float32Array(v).buffer)))
            : v,
        };
      }),
      usage: { prompt_tokens: texts.length, total_tokens: texts.length },
    });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    onError(error) {
      return json(500, { error: { message: `fake crashed: ${error}` } });
    },
  }, handle);

  const fake: FakeOpenAI = {
    baseUrl: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    get closedConnections() {
      return closedConnections;
    },
    enqueue: (...turns) => void replyQueue.push(...turns),
    enqueueTitle: (...turns) => void titleQueue.push(...turns),
    replyRequests: () => requests.filter((r) => r.kind === "reply"),
    titleRequests: () => requests.filter((r) => r.kind === "title"),
    embeddingRequests: () => requests.filter((r) => r.kind === "embeddings"),
    failEmbeddings: (failure) => void (embeddingFailure = failure ? { ...failure } : null),
    async waitForRequest(predicate, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      while (true) {
        const found = requests.find(predicate);
        if (found) return found;
        if (performance.now() > deadline) {
          throw new Error(`fake_openai: no matching request within ${timeoutMs} ms`);
        }
        await sleep(5);
      }
    },
    async close() {
      for (const end of [...pendingEnds]) end();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await server.shutdown();
    },
  };
  return Promise.resolve(fake);
}

// ---------------------------------------------------------------------------------------------
// Fake embeddings

/** Size of the fake's vectors when the request names no `dimensions`. */
export const FAKE_EMBEDDING_DIMENSIONS = 256;

const STOPWORDS = new Set(
  ("the and for are but not you your with this that from have has was were can how what when " +
    "where which who why does did will would should could about into than then them they there " +
    "its our out all any use using used").split(" "),
);

/**
 * The fake's embedding: counts of the text's words (lower case, 3+ letters, a few stopwords
 * dropped, a plural "s" removed) hashed (FNV-1a) into `dims` buckets, L2-normalised. Texts
 * sharing words are close, so retrieval tests can pass or fail on merit; hash collisions add
 * the kind of noise a real model has.
 */
export function fakeEmbedding(text: string, dims = FAKE_EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const raw of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (raw.length < 3 || STOPWORDS.has(raw)) continue;
    const word = raw.length > 4 && raw.endsWith("s") && !raw.endsWith("ss")
      ? raw.slice(0, -1)
      : raw;
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    v[(h >>> 0) % dims] += 1;
  }
  const norm = Math.hypot(...v);
  // An empty text gets a fixed unit vector rather than zeros (cosine of zeros is undefined).
  if (!norm) return v.map((_, i) => (i === 0 ? 1 : 0));
  return v.map((x) => x / norm);
}

// ---------------------------------------------------------------------------------------------
// Reply encoding

interface Plan {
  id: string;
  terminal?: "incomplete" | "failed";
  model: string;
  messages: string[];
  chunks: string[][];
  toolCalls: Required<FakeToolCall>[];
  citations: FakeCitation[];
}

interface Frame {
  bytes: Uint8Array;
  /** A text-delta frame (the unit for delays, stalls and drops). */
  delta?: boolean;
  waited?: boolean;
}

/** Splits text into `count` pieces, or one piece per word (keeping the spaces). */
export function splitText(text: string, count?: number): string[] {
  if (!text) return [];
  if (count && count > 0) {
    const size = Math.ceil(text.length / count);
    const out: string[] = [];
    for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
    return out;
  }
  const parts = text.match(/\s*\S+/g);
  if (!parts) return [text];
  const tail = text.match(/\s+$/);
  if (tail) parts[parts.length - 1] += tail[0];
  return parts;
}

const USAGE_RESPONSES = {
  input_tokens: 5,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 6,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 11,
};
const USAGE_CHAT = { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 };

function responseAnnotations(plan: Plan, messageIndex: number) {
  if (messageIndex !== plan.messages.length - 1) return [];
  const text = plan.messages[messageIndex];
  return plan.citations.map((c) => ({
    type: "url_citation",
    url: c.url,
    title: c.title,
    start_index: c.startIndex ?? 0,
    end_index: c.endIndex ?? text.length,
  }));
}

function responsesOutput(plan: Plan) {
  const output: unknown[] = plan.messages.map((text, m) => ({
    id: `msg_${plan.id}_${m}`,
    type: "message",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text, annotations: responseAnnotations(plan, m) }],
  }));
  for (const call of plan.toolCalls) {
    output.push({
      id: `fc_${call.callId}`,
      type: "function_call",
      status: "completed",
      call_id: call.callId,
      name: call.name,
      arguments: call.arguments,
    });
  }
  return output;
}

function responsesObject(plan: Plan, status = "completed") {
  return {
    id: `resp_${plan.id}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    model: plan.model,
    status,
    output: status === "completed" ? responsesOutput(plan) : [],
    usage: USAGE_RESPONSES,
  };
}

function responsesFrames(plan: Plan): Frame[] {
  const frames: Frame[] = [];
  let seq = 0;
  const add = (data: Record<string, unknown>, delta = false) => {
    data.sequence_number = seq++;
    frames.push({
      bytes: encoder.encode(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`),
      delta,
    });
  };
  const shell = responsesObject(plan, "in_progress");
  add({ type: "response.created", response: shell });
  add({ type: "response.in_progress", response: shell });
  let index = 0;
  plan.messages.forEach((text, m) => {
    const id = `msg_${plan.id}_${m}`;
    const output_index = index++;
    add({
      type: "response.output_item.added",
      output_index,
      item: { id, type: "message", status: "in_progress", role: "assistant", content: [] },
    });
    add({
      type: "response.content_part.added",
      item_id: id,
      output_index,
      content_index: 0,
      part: { type: "output_text", text: "", annotations: [] },
    });
    for (const chunk of plan.chunks[m]) {
      add({
        type: "response.output_text.delta",
        item_id: id,
        output_index,
        content_index: 0,
        delta: chunk,
        logprobs: [],
      }, true);
    }
    const annotations = responseAnnotations(plan, m);
    annotations.forEach((annotation, annotation_index) =>
      add({
        type: "response.output_text.annotation.added",
        item_id: id,
        output_index,
        content_index: 0,
        annotation_index,
        annotation,
      })
    );
    add({
      type: "response.output_text.done",
      item_id: id,
      output_index,
      content_index: 0,
      text,
      logprobs: [],
    });
    const part = { type: "output_text", text, annotations };
    add({ type: "response.content_part.done", item_id: id, output_index, content_index: 0, part });
    add({
      type: "response.output_item.done",
      output_index,
      item: { id, type: "message", status: "completed", role: "assistant", content: [part] },
    });
  });
  for (const call of plan.toolCalls) {
    const output_index = index++;
    const item = {
      id: `fc_${call.callId}`,
      type: "function_call",
      call_id: call.callId,
      name: call.name,
    };
    add({
      type: "response.output_item.added",
      output_index,
      item: { ...item, status: "in_progress", arguments: "" },
    });
    add({
      type: "response.function_call_arguments.delta",
      item_id: item.id,
      output_index,
      delta: call.arguments,
    });
    add({
      type: "response.function_call_arguments.done",
      item_id: item.id,
      output_index,
      arguments: call.arguments,
    });
    add({
      type: "response.output_item.done",
      output_index,
      item: { ...item, status: "completed", arguments: call.arguments },
    });
  }
  if (plan.terminal) {
    add({
      type: `response.${plan.terminal}`,
      response: { ...responsesObject(plan), status: plan.terminal },
    });
  } else {
    add({ type: "response.completed", response: responsesObject(plan) });
  }
  return frames;
}

function chatCitations(plan: Plan) {
  const text = plan.messages.join("");
  return plan.citations.map((c) => ({
    type: "url_citation",
    url_citation: {
      url: c.url,
      title: c.title,
      start_index: c.startIndex ?? 0,
      end_index: c.endIndex ?? text.length,
    },
  }));
}

function chatCompletionObject(plan: Plan) {
  const text = plan.messages.join("");
  const message: Record<string, unknown> = { role: "assistant", content: text || null };
  if (plan.citations.length) message.annotations = chatCitations(plan);
  if (plan.toolCalls.length) {
    message.tool_calls = plan.toolCalls.map((c) => ({
      id: c.callId,
      type: "function",
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    id: `chatcmpl-${plan.id}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
    choices: [{
      index: 0,
      message,
      finish_reason: plan.toolCalls.length ? "tool_calls" : "stop",
      logprobs: null,
    }],
    usage: USAGE_CHAT,
  };
}

function chatFrames(plan: Plan): Frame[] {
  const frames: Frame[] = [];
  const base = {
    id: `chatcmpl-${plan.id}`,
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: plan.model,
  };
  const add = (choices: unknown[], extra: Record<string, unknown> = {}, delta = false) =>
    frames.push({
      bytes: encoder.encode(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`),
      delta,
    });
  const choice = (delta: Record<string, unknown>, finish_reason: string | null = null) => ({
    index: 0,
    delta,
    finish_reason,
  });
  add([choice({ role: "assistant", content: "" })]);
  // Chat Completions has one message per completion: several scripted messages are concatenated.
  for (const chunks of plan.chunks) {
    for (const chunk of chunks) add([choice({ content: chunk })], {}, true);
  }
  if (plan.citations.length) add([choice({ annotations: chatCitations(plan) })]);
  plan.toolCalls.forEach((c, index) =>
    add([choice({
      tool_calls: [{
        index,
        id: c.callId,
        type: "function",
        function: { name: c.name, arguments: c.arguments },
      }],
    })])
  );
  add([choice(
    {},
    plan.terminal === "incomplete" ? "length" : plan.toolCalls.length ? "tool_calls" : "stop",
  )]);
  add([], { usage: USAGE_CHAT });
  frames.push({ bytes: encoder.encode("data: [DONE]\n\n") });
  return frames;
}

// ---------------------------------------------------------------------------------------------
// Request inspection

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : ""))
    .join("");
}

/** The system text of a request: `instructions` plus system/developer messages. */
export function systemText(body: unknown): string {
  if (!isRecord(body)) return "";
  const parts: string[] = [];
  if (typeof body.instructions === "string") parts.push(body.instructions);
  const list = Array.isArray(body.messages)
    ? body.messages
    : Array.isArray(body.input)
    ? body.input
    : [];
  for (const m of list) {
    if (isRecord(m) && (m.role === "system" || m.role === "developer")) {
      parts.push(contentText(m.content));
    }
  }
  return parts.join("\n");
}

/** The messages of a request as `{role, text}` (Responses `input` or Chat `messages`). */
export function requestMessages(body: unknown): { role: string; text: string }[] {
  if (!isRecord(body)) return [];
  if (typeof body.input === "string") return [{ role: "user", text: body.input }];
  const list = Array.isArray(body.messages)
    ? body.messages
    : Array.isArray(body.input)
    ? body.input
    : [];
  const out: { role: string; text: string }[] = [];
  for (const m of list) {
    if (isRecord(m) && typeof m.role === "string") {
      out.push({ role: m.role, text: contentText(m.content) });
    }
  }
  return out;
}

function lastUserText(body: unknown): string {
  const users = requestMessages(body).filter((m) => m.role === "user");
  return users.length ? users[users.length - 1].text : "";
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

// -- attachments (issue 13): the parts of user messages, the same for both APIs ---------------

/** One content part of a user message as the fake received it. */
export interface FakeUserPart {
  kind: "text" | "image" | "file";
  /** Text parts. */
  text?: string;
  /** Image parts: the URL (a `data:` URL for attachments). */
  url?: string;
  /** File parts: the `data:` URL and file name. */
  data?: string;
  filename?: string;
}

/**
 * The content parts of every user message of a request, oldest message first: Responses
 * `input_text`/`input_image`/`input_file`, Chat Completions `text`/`image_url`/`file`.
 */
export function userParts(body: unknown): FakeUserPart[][] {
  if (!isRecord(body)) return [];
  const list = Array.isArray(body.messages)
    ? body.messages
    : Array.isArray(body.input)
    ? body.input
    : [];
  const out: FakeUserPart[][] = [];
  for (const m of list) {
    if (!isRecord(m) || m.role !== "user") continue;
    if (typeof m.content === "string") {
      out.push([{ kind: "text", text: m.content }]);
      continue;
    }
    const parts: FakeUserPart[] = [];
    for (const p of Array.isArray(m.content) ? m.content : []) {
      if (!isRecord(p)) continue;
      if ((p.type === "input_text" || p.type === "text") && typeof p.text === "string") {
        parts.push({ kind: "text", text: p.text });
      } else if (p.type === "input_image") {
        parts.push({ kind: "image", url: String(p.image_url ?? "") });
      } else if (p.type === "image_url" && isRecord(p.image_url)) {
        parts.push({ kind: "image", url: String(p.image_url.url ?? "") });
      } else if (p.type === "input_file") {
        parts.push({
          kind: "file",
          data: String(p.file_data ?? ""),
          filename: String(p.filename ?? ""),
        });
      } else if (p.type === "file" && isRecord(p.file)) {
        parts.push({
          kind: "file",
          data: String(p.file.file_data ?? ""),
          filename: String(p.file.filename ?? ""),
        });
      }
    }
    out.push(parts);
  }
  return out;
}
