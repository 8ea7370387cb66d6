import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import {
  defaultTitleText,
  requestMessages,
  splitText,
  startFakeOpenAI,
  TITLE_REQUEST_MARKER,
} from "./fake_openai.ts";

async function post(url: string, body: unknown): Promise<Response> {
  return await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify(body),
  });
}

/** Reads an SSE body into its `data:` payloads (parsed when JSON), with arrival times. */
async function readSse(res: Response): Promise<{ data: unknown; at: number }[]> {
  const out: { data: unknown; at: number }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const line = frame.split("\n").find((l) => l.startsWith("data: "));
      if (!line) continue;
      const text = line.slice(6);
      out.push({ data: text === "[DONE]" ? text : JSON.parse(text), at: performance.now() });
    }
  }
  return out;
}

Deno.test("fake_openai - splitText keeps spaces and joins back to the text", () => {
  assertEquals(splitText("Hello there  world "), ["Hello", " there", "  world "]);
  assertEquals(splitText("abcdef", 3), ["ab", "cd", "ef"]);
  assertEquals(splitText(""), []);
});

Deno.test("fake_openai - streams a Responses reply derived from the last user text", async () => {
  const fake = await startFakeOpenAI();
  try {
    const res = await post(`${fake.baseUrl}/responses`, {
      model: "m",
      input: [{ role: "user", content: "first" }, { role: "user", content: "hi there" }],
      stream: true,
    });
    assertEquals(res.headers.get("content-type"), "text/event-stream");
    const events = (await readSse(res)).map((e) => e.data as Record<string, unknown>);
    const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) =>
      e.delta
    );
    assertEquals(deltas.join(""), "You said: hi there");
    assert(deltas.length > 1);
    const done = events.at(-1)!;
    assertEquals(done.type, "response.completed");
    const sequence = events.map((e) => e.sequence_number);
    assertEquals(sequence, sequence.map((_, i) => i));
    assertEquals(fake.requests[0].lastUserText, "hi there");
    assertEquals(fake.requests[0].headers.authorization, "Bearer sk-test");
    assertEquals(await fake.requests[0].finished, "completed");
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - streams Chat Completions chunks with usage and [DONE]", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ chunks: ["Hel", "lo"] });
    const res = await post(`${fake.baseUrl}/chat/completions`, {
      model: "m",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    const events = (await readSse(res)).map((e) => e.data);
    assertEquals(events.at(-1), "[DONE]");
    const chunks = events.slice(0, -1) as { choices: { delta: { content?: string } }[] }[];
    const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).join("");
    assertEquals(text, "Hello");
    assert("usage" in (chunks.at(-1) as object));
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - answers non-streamed requests in both APIs", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ text: "one" }, {
      text: "two",
      toolCalls: [{ name: "f", arguments: '{"a":1}' }],
    });
    const a = await (await post(`${fake.baseUrl}/responses`, { model: "m", input: "q" })).json();
    assertEquals(a.output[0].content[0].text, "one");
    const b = await (await post(`${fake.baseUrl}/chat/completions`, {
      model: "m",
      messages: [{ role: "user", content: "q" }],
    })).json();
    assertEquals(b.choices[0].message.content, "two");
    assertEquals(b.choices[0].message.tool_calls[0].function.name, "f");
    assertEquals(b.choices[0].finish_reason, "tool_calls");
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - title requests use their own queue and default", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ text: "reply" });
    const titleBody = (text: string) => ({
      model: "m",
      messages: [
        { role: "system", content: `Write a short ${TITLE_REQUEST_MARKER}.` },
        { role: "user", content: text },
      ],
    });
    const first = await (await post(
      `${fake.baseUrl}/chat/completions`,
      titleBody("What is the weather like in Paris today"),
    )).json();
    assertEquals(first.choices[0].message.content, '"What is the weather like"');
    assertEquals(defaultTitleText({ lastUserText: "" }), '"New chat"');
    fake.enqueueTitle({ text: "Scripted" });
    const second = await (await post(`${fake.baseUrl}/chat/completions`, titleBody("x"))).json();
    assertEquals(second.choices[0].message.content, "Scripted");
    assertEquals(fake.titleRequests().length, 2);
    assertEquals(fake.replyRequests().length, 0);
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - HTTP errors carry an OpenAI-style body and extra headers", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ status: 429, errorMessage: "slow down", headers: { "retry-after-ms": "5" } });
    const res = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
    assertEquals(res.status, 429);
    assertEquals(res.headers.get("retry-after-ms"), "5");
    assertEquals((await res.json()).error.message, "slow down");
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - chunk delays space the deltas out", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ chunks: ["a", "b", "c"], chunkDelayMs: 40, firstChunkDelayMs: 10 });
    const started = performance.now();
    const res = await post(`${fake.baseUrl}/chat/completions`, {
      model: "m",
      messages: [],
      stream: true,
    });
    const events = await readSse(res);
    const deltaTimes = events
      .filter((e) => typeof e.data === "object" && JSON.stringify(e.data).includes('"content":"'))
      .map((e) => e.at)
      .filter((_, i) => i > 0); // skip the role chunk (content "")
    assertEquals(deltaTimes.length, 3);
    // A lower bound only (load can make it later, never earlier): the last delta cannot arrive
    // before the first delay and two chunk delays have passed. Gaps between arrivals are not
    // compared: a busy client may read two frames at once.
    assert(
      deltaTimes[2] - started >= 10 + 2 * 40,
      `last delta after ${deltaTimes[2] - started} ms`,
    );
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - a dropped stream breaks the client's body read", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ text: "a b c d", dropAfterChunks: 2 });
    const res = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
    await assertRejects(() => res.text());
    assertEquals(await fake.requests[0].finished, "dropped");
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - records a client that leaves a stalled stream", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({ text: "a b c d", stallAfterChunks: 1 });
    const controller = new AbortController();
    const res = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel();
    assertEquals(await fake.requests[0].finished, "aborted");
    assertEquals(fake.closedConnections, 1);
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - close() ends hung requests", async () => {
  const fake = await startFakeOpenAI();
  fake.enqueue({ hang: "before_headers" }, { hang: "after_headers" });
  const pending = post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true })
    .then((r) => r.text()).catch((e) => `error: ${e}`);
  const res2 = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
  const body2 = res2.text().catch((e) => `error: ${e}`);
  await fake.waitForRequest((r) => r.index === 1);
  await fake.close();
  // Before the headers: a 504 answer; after them: the body breaks off.
  assertMatch(await pending, /fake server closed/);
  assertMatch(await body2, /^error: /);
  assertEquals(fake.requests.map((r) => r.outcome), ["closed", "closed"]);
});

Deno.test("fake_openai - a held stream goes on only once released", async () => {
  const fake = await startFakeOpenAI();
  try {
    let release!: () => void;
    const released = new Promise<void>((r) => release = r);
    fake.enqueue({ text: "a b c d", holdAfterChunks: 2, release: released });
    const res = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes('"delta":" b"')) text += (await reader.read()).value ?? "";
    // Held: a round trip to the fake (a second request) completes while nothing more comes.
    const next = reader.read();
    let more = false;
    next.then(() => more = true);
    const probe = await post(`${fake.baseUrl}/chat/completions`, { model: "m", messages: [] });
    assertEquals(probe.status, 200);
    await probe.body?.cancel();
    assertEquals(fake.requests[0].outcome, undefined, "still held");
    assert(!more, "nothing more arrived while held");
    release();
    text += (await next).value ?? "";
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      text += part.value;
    }
    assert(text.includes('"delta":" c"') && text.includes("response.completed"), text);
    assertEquals(await fake.requests[0].finished, "completed");
  } finally {
    await fake.close();
  }
});

Deno.test("fake_openai - scripted messages, tool calls and citations in the Responses stream", async () => {
  const fake = await startFakeOpenAI();
  try {
    fake.enqueue({
      messages: ["One.", "Two."],
      toolCalls: [{ name: "lookup", arguments: "{}" }],
      citations: [{ url: "https://example.test/a", title: "A" }],
    });
    const res = await post(`${fake.baseUrl}/responses`, { model: "m", input: "q", stream: true });
    const events = (await readSse(res)).map((e) => e.data as Record<string, unknown>);
    const items = events.filter((e) => e.type === "response.output_item.done")
      .map((e) => (e.item as { type: string }).type);
    assertEquals(items, ["message", "message", "function_call"]);
    assert(events.some((e) => e.type === "response.output_text.annotation.added"));
    assertEquals(requestMessages({ input: "q" }), [{ role: "user", text: "q" }]);
  } finally {
    await fake.close();
  }
});
