import { getGlobalTraceProvider, tool } from "@openai/agents";
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { z } from "zod";
import { CustomStreamError } from "../chatkit/errors.ts";
import { newItemId, nowIso } from "../chatkit/ids.ts";
import type { RespondContext } from "../chatkit/responder.ts";
import type {
  ThreadItem,
  ThreadMetadata,
  ThreadStreamEvent,
  UserMessageItem,
} from "../chatkit/types.ts";
import type { LlmConfig } from "../config.ts";
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import { PostgresStore } from "../store/mod.ts";
import { freshOwner, testDatabase } from "../../tests/support/db.ts";
import {
  type FakeOpenAI,
  requestMessages,
  startFakeOpenAI,
} from "../../tests/support/fake_openai.ts";
import { within } from "../../tests/support/wait.ts";
import type { AgentContext, PreModelStep } from "./context.ts";
import { createResponder } from "./mod.ts";
import { type AgentSettings, resolveAgentSettings } from "./settings.ts";

log.setLevel("error");

/** The embedded database of this file's tests: the store and the app-wide `sql` are real. */
const db = await testDatabase("pglite");
const APP_DB = { sql: db.sql as Sql };

function makeResponder(config: Parameters<typeof createResponder>[0], settings?: AgentSettings) {
  return createResponder(config, resolveAgentSettings(settings), APP_DB);
}

/**
 * A test sharing the file's database (its connection outlives one test on purpose, hence no
 * sanitizers).
 */
function responderTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

function thread(): ThreadMetadata {
  return {
    id: `thr_${crypto.randomUUID().slice(0, 8)}`,
    created_at: nowIso(),
    status: { type: "active" },
    metadata: {},
  };
}

function userMessage(threadId: string, text: string): UserMessageItem {
  return {
    id: newItemId("message"),
    thread_id: threadId,
    created_at: nowIso(),
    type: "user_message",
    content: [{ type: "input_text", text }],
    attachments: [],
    inference_options: {},
  };
}

interface Setup {
  fake: FakeOpenAI;
  llm: LlmConfig;
  close(): Promise<void>;
}

async function setup(api: "responses" | "chat_completions" = "responses"): Promise<Setup> {
  const fake = await startFakeOpenAI();
  return {
    fake,
    llm: { apiKey: "sk-test", baseUrl: fake.baseUrl, api, model: "fake-model", tracing: false },
    close: () => fake.close(),
  };
}

const FAST: AgentSettings = {
  name: "Test",
  instructions: "Be brief.",
  maxRetries: 0,
  timeouts: { firstEventMs: 2_000, idleMs: 1_000 },
};

/** Collects a turn's events; bounded, so that a turn that never ends fails the test. */
function collect(
  iterable: AsyncIterable<ThreadStreamEvent>,
  onEvent?: (e: ThreadStreamEvent) => void,
  what = "the responder's stream ended",
  ms?: number,
): Promise<ThreadStreamEvent[]> {
  const out: ThreadStreamEvent[] = [];
  return within(
    (async () => {
      for await (const e of iterable) {
        out.push(e);
        onEvent?.(e);
      }
      return out;
    })(),
    what,
    ms,
  );
}

/**
 * The turn's context on the real store (PGlite): the thread and `items` are saved first, for a
 * fresh owner, exactly as the server does before it calls the responder.
 */
async function context(
  thread: ThreadMetadata,
  items: ThreadItem[],
  signal = new AbortController().signal,
): Promise<RespondContext> {
  const owner = freshOwner();
  const store = new PostgresStore(db.sql).forOwner(owner);
  await store.createThread(thread);
  for (const item of items) assert(await store.addThreadItem(thread.id, item), "item stored");
  return { owner, requestId: "req_test", signal, store };
}

function shape(events: ThreadStreamEvent[]): string[] {
  return events.map((e) =>
    e.type === "thread.item.updated"
      ? e.update.type.split(".").pop()!
      : e.type === "thread.item.added" || e.type === "thread.item.done"
      ? `${e.type.slice(12)}:${e.item.type}`
      : e.type
  );
}

for (const api of ["responses", "chat_completions"] as const) {
  responderTest(`AgentResponder - streams text as ChatKit events (${api})`, async () => {
    const s = await setup(api);
    try {
      s.fake.enqueue({ chunks: ["Hel", "lo ", "world"], chunkDelayMs: 5 });
      const responder = makeResponder({ llm: s.llm }, FAST);
      const t = thread();
      const input = userMessage(t.id, "Say hello");
      const events = await collect(responder.respond(t, input, await context(t, [input])));
      assertEquals(shape(events), [
        "added:assistant_message",
        "added",
        "text_delta",
        "text_delta",
        "text_delta",
        "done",
        "done:assistant_message",
      ]);
      const done = events.at(-1) as { item: ThreadItem };
      assert(done.item.type === "assistant_message");
      assertEquals(done.item.content, [{
        type: "output_text",
        text: "Hello world",
        annotations: [],
      }]);
      assertEquals(done.item.thread_id, t.id);
      assertEquals((events[0] as { item: ThreadItem }).item.id, done.item.id);
      // Title: the fake's default is the first words of the message, quoted; quotes are trimmed.
      assertEquals(t.title, "Say hello");
      const reply = s.fake.replyRequests()[0];
      assertEquals(reply.stream, true);
      assertEquals(reply.headers.authorization, "Bearer sk-test");
      assertEquals((reply.body as { model: string }).model, "fake-model");
    } finally {
      await s.close();
    }
  });
}

responderTest("AgentResponder - sends the thread history, oldest first", async () => {
  const s = await setup("chat_completions");
  try {
    const responder = makeResponder({ llm: s.llm }, FAST);
    const t = thread();
    t.title = "Already titled";
    const items: ThreadItem[] = [
      userMessage(t.id, "first question"),
      {
        id: newItemId("message"),
        thread_id: t.id,
        created_at: nowIso(),
        type: "assistant_message",
        content: [{ type: "output_text", text: "first answer", annotations: [] }],
      },
      {
        id: newItemId("sdk_hidden_context"),
        thread_id: t.id,
        created_at: nowIso(),
        type: "sdk_hidden_context",
        content: "The user cancelled.",
      },
    ];
    const input = userMessage(t.id, "second question");
    items.push(input);
    await collect(responder.respond(t, input, await context(t, items)));
    const messages = requestMessages(s.fake.replyRequests()[0].body);
    assertEquals(messages.map((m) => m.role), ["system", "user", "assistant", "user", "user"]);
    assertEquals(messages[1].text, "first question");
    assertEquals(messages[2].text, "first answer");
    assert(messages[3].text.includes("The user cancelled."));
    assertEquals(messages[4].text, "second question");
    assertEquals(s.fake.titleRequests().length, 0, "no title request for a titled thread");
    assertEquals(t.title, "Already titled");
  } finally {
    await s.close();
  }
});

responderTest(
  "AgentResponder - a pre-model step's input reaches the model before the new message; tools read the agent context",
  async () => {
    const s = await setup("chat_completions");
    try {
      const seen: { step?: AgentContext; tool?: AgentContext } = {};
      const step: PreModelStep = {
        name: "notes",
        run(context, input) {
          seen.step = context;
          assert(input?.type === "user_message");
          return Promise.resolve({
            input: [{ role: "user", content: "[Sources] Oslo is in Norway." }],
          });
        },
      };
      const where = tool({
        name: "whoami",
        description: "Who is asking",
        parameters: z.object({}),
        execute: (_args, runContext) => {
          seen.tool = (runContext as { context: AgentContext }).context;
          return "ok";
        },
      });
      s.fake.enqueue(
        { text: "", toolCalls: [{ name: "whoami", arguments: "{}" }] },
        { text: "Norway." },
      );
      const responder = createResponder(
        { llm: s.llm },
        resolveAgentSettings({
          ...FAST,
          tools: [where],
          title: { enabled: false },
        }),
        { ...APP_DB, steps: [step] },
      );
      const t = thread();
      const input = userMessage(t.id, "Where is Oslo?");
      const turn = await context(t, [input]);
      await collect(responder.respond(t, input, turn));
      const messages = requestMessages(s.fake.replyRequests()[0].body);
      assertEquals(messages.map((m) => m.text).slice(1), [
        "[Sources] Oslo is in Norway.",
        "Where is Oslo?",
      ]);
      for (const ctx of [seen.step, seen.tool]) {
        assert(ctx, "the step and the tool both ran");
        assertEquals([ctx.owner, ctx.threadId, ctx.requestId], [turn.owner, t.id, "req_test"]);
        assertEquals(ctx.sql, APP_DB.sql, "the app-wide database");
        assert(
          typeof ctx.store.loadThreadItems === "function" && ctx.signal instanceof AbortSignal,
        );
      }
    } finally {
      await s.close();
    }
  },
);

responderTest(
  "AgentResponder - several messages in one response become several items",
  async () => {
    const s = await setup("responses");
    try {
      s.fake.enqueue({
        messages: ["First part.", "Second part."],
        citations: [{ url: "https://example.test/doc", title: "Doc" }],
      });
      const responder = makeResponder({ llm: s.llm }, {
        ...FAST,
        title: { enabled: false },
      });
      const t = thread();
      const input = userMessage(t.id, "two please");
      const events = await collect(responder.respond(t, input, await context(t, [input])));
      const done = events.filter((e) => e.type === "thread.item.done").map((e) =>
        (e as { item: ThreadItem }).item
      );
      assertEquals(done.length, 2);
      assert(done[0].type === "assistant_message" && done[1].type === "assistant_message");
      assertEquals(done[0].content[0].text, "First part.");
      assertEquals(done[1].content[0].text, "Second part.");
      assertEquals(done[1].content[0].annotations, [{
        type: "annotation",
        source: { type: "url", url: "https://example.test/doc", title: "Doc" },
        index: "Second part.".length,
      }]);
      assert(done[0].id !== done[1].id);
      assertEquals(s.fake.titleRequests().length, 0, "titles disabled");
    } finally {
      await s.close();
    }
  },
);

for (const api of ["responses", "chat_completions"] as const) {
  responderTest(`AgentResponder - tool calls show as a workflow (${api})`, async () => {
    const s = await setup(api);
    try {
      const weather = tool({
        name: "get_weather",
        description: "Weather for a city",
        parameters: z.object({ city: z.string() }),
        execute: ({ city }) => `Sunny in ${city}`,
      });
      s.fake.enqueue(
        {
          text: "Let me check.",
          toolCalls: [{ name: "get_weather", arguments: '{"city":"Oslo"}' }],
        },
        { text: "It is sunny in Oslo." },
      );
      const responder = makeResponder({ llm: s.llm }, {
        ...FAST,
        tools: [weather],
        title: { enabled: false },
      });
      const t = thread();
      const input = userMessage(t.id, "Weather in Oslo?");
      const events = await collect(responder.respond(t, input, await context(t, [input])));
      const kinds = shape(events);
      const wfAdded = kinds.indexOf("added:workflow");
      const wfDone = kinds.indexOf("done:workflow");
      assert(wfAdded > kinds.indexOf("done:assistant_message"), kinds.join(","));
      assert(kinds.slice(wfAdded, wfDone).includes("added"), "task added");
      assert(wfDone < kinds.lastIndexOf("added:assistant_message"), kinds.join(","));
      const workflow = events.find((e) =>
        e.type === "thread.item.done" && e.item.type === "workflow"
      );
      assert(workflow && workflow.type === "thread.item.done" && workflow.item.type === "workflow");
      assertEquals(workflow.item.workflow.tasks, [{
        type: "custom",
        title: "Using get_weather",
        status_indicator: "complete",
      }]);
      const second = s.fake.replyRequests()[1];
      assert(JSON.stringify(second.body).includes("Sunny in Oslo"), "tool output sent back");
    } finally {
      await s.close();
    }
  });
}

responderTest("AgentResponder - provider HTTP errors become retryable stream errors", async () => {
  const s = await setup("responses");
  try {
    const responder = makeResponder({ llm: s.llm }, {
      ...FAST,
      title: { enabled: false },
    });
    const t = thread();
    const input = userMessage(t.id, "hi");
    const ctx = await context(t, [input]);
    s.fake.enqueue({ status: 500 });
    await rejects(collect(responder.respond(t, input, ctx)), (e: unknown) => {
      assert(e instanceof CustomStreamError);
      assert(e.allowRetry);
      assert(e.message.includes("HTTP 500"), e.message);
      return true;
    });
    s.fake.enqueue({ status: 401, errorMessage: "Incorrect API key provided: sk-te***st" });
    await rejects(collect(responder.respond(t, input, ctx)), (e: unknown) => {
      assert(e instanceof CustomStreamError);
      assert(!e.allowRetry);
      assert(e.message.includes("OPENAI_API_KEY"), e.message);
      assert(!e.message.includes("sk-"), "provider text not echoed");
      return true;
    });
  } finally {
    await s.close();
  }
});

responderTest("AgentResponder - retries a 500 before anything streamed", async () => {
  const s = await setup("chat_completions");
  try {
    const responder = makeResponder({ llm: s.llm }, {
      ...FAST,
      maxRetries: 1,
      title: { enabled: false },
    });
    s.fake.enqueue({ status: 503, headers: { "retry-after-ms": "1" } }, { text: "Recovered" });
    const t = thread();
    const input = userMessage(t.id, "hi");
    const events = await collect(responder.respond(t, input, await context(t, [input])));
    const done = events.at(-1)!;
    assert(done.type === "thread.item.done" && done.item.type === "assistant_message");
    assertEquals(done.item.content[0].text, "Recovered");
    assertEquals(s.fake.replyRequests().length, 2);
  } finally {
    await s.close();
  }
});

for (const hang of ["before_headers", "after_headers", "stall"] as const) {
  responderTest(`AgentResponder - a silent provider times out (${hang})`, async () => {
    const s = await setup("responses");
    try {
      const responder = makeResponder({ llm: s.llm }, {
        ...FAST,
        timeouts: { firstEventMs: 300, idleMs: 200 },
        title: { enabled: false },
      });
      s.fake.enqueue(
        hang === "stall" ? { text: "a b c d", stallAfterChunks: 2 } : { hang },
      );
      const t = thread();
      const input = userMessage(t.id, "hi");
      const seen: ThreadStreamEvent[] = [];
      const ctx = await context(t, [input]);
      const started = performance.now();
      // Bounded relative to the configured time-outs (50×), never compared with a speed.
      await rejects(
        collect(responder.respond(t, input, ctx), (e) => seen.push(e), "time-out", 15_000),
        (
          e: unknown,
        ) => {
          assert(e instanceof CustomStreamError, String(e));
          assert(e.allowRetry);
          assert(/did not answer|stopped sending/.test(e.message), e.message);
          return true;
        },
      );
      // A time-out never fires early (a lower bound holds on any machine, however loaded).
      const elapsed = performance.now() - started;
      assert(elapsed >= 200, `gave up after ${elapsed} ms, before the 200 ms idle time-out`);
      if (hang === "stall") {
        assertEquals(
          seen.filter((e) => e.type === "thread.item.updated" && e.update.type.endsWith("delta"))
            .length,
          2,
        );
        assertEquals(
          await within(s.fake.requests[0].finished, "the stalled request was closed"),
          "aborted",
        );
      }
      if (hang === "after_headers") {
        assertEquals(
          await within(s.fake.requests[0].finished, "the silent request was closed"),
          "aborted",
        );
      }
    } finally {
      await s.close();
    }
  });
}

responderTest(
  "AgentResponder - a stream dropped mid-way is a retryable error after the partial text",
  async () => {
    for (const api of ["responses", "chat_completions"] as const) {
      const s = await setup(api);
      try {
        const responder = makeResponder({ llm: s.llm }, {
          ...FAST,
          title: { enabled: false },
        });
        s.fake.enqueue({
          chunks: ["Partial ", "text ", "lost"],
          dropAfterChunks: 2,
          chunkDelayMs: 10,
        });
        const t = thread();
        const input = userMessage(t.id, "hi");
        const seen: ThreadStreamEvent[] = [];
        await rejects(
          collect(responder.respond(t, input, await context(t, [input])), (e) => seen.push(e)),
          (
            e: unknown,
          ) => {
            assert(e instanceof CustomStreamError, String(e));
            assert(e.allowRetry);
            assert(e.message.includes("broke off"), e.message);
            return true;
          },
        );
        const deltas = seen.flatMap((e) =>
          e.type === "thread.item.updated" && e.update.type.endsWith("text_delta")
            ? [(e.update as { delta: string }).delta]
            : []
        );
        assertEquals(deltas.join(""), "Partial text ", api);
      } finally {
        await s.close();
      }
    }
  },
);

responderTest(
  "AgentResponder - aborting the context closes the upstream request and ends quietly",
  async () => {
    for (const api of ["responses", "chat_completions"] as const) {
      const s = await setup(api);
      try {
        const responder = makeResponder({ llm: s.llm }, FAST);
        s.fake.enqueue({ text: "a b c d e f", stallAfterChunks: 2 });
        s.fake.enqueueTitle({ text: "Slow title", hang: "after_headers" });
        const t = thread();
        const input = userMessage(t.id, "hi");
        const controller = new AbortController();
        let deltas = 0;
        // The model stalls after two chunks: only the abort can end this turn.
        const events = await collect(
          responder.respond(t, input, await context(t, [input], controller.signal)),
          (e) => {
            if (e.type === "thread.item.updated" && e.update.type.endsWith("text_delta")) {
              if (++deltas === 2) controller.abort();
            }
          },
          "the turn ended after the abort",
        );
        assert(!events.some((e) => e.type === "thread.item.done"), "nothing finished");
        const reply = s.fake.replyRequests()[0];
        assertEquals(
          await within(reply.finished, "the upstream request was closed"),
          "aborted",
          api,
        );
        assertEquals(t.title, undefined);
      } finally {
        await s.close();
      }
    }
  },
);

responderTest("AgentResponder - a failing title request leaves the title unset", async () => {
  const s = await setup("responses");
  try {
    const responder = makeResponder({ llm: s.llm }, FAST);
    s.fake.enqueueTitle({ status: 500 });
    const t = thread();
    const input = userMessage(t.id, "hello");
    const events = await collect(responder.respond(t, input, await context(t, [input])));
    assertEquals(events.at(-1)?.type, "thread.item.done");
    assertEquals(t.title, undefined);
    assertEquals(s.fake.titleRequests().length, 1);
  } finally {
    await s.close();
  }
});

responderTest(
  "AgentResponder - the title request goes out alongside and never delays the first token",
  async () => {
    const s = await setup("chat_completions");
    try {
      const responder = makeResponder({ llm: s.llm }, FAST);
      // The title answer is held until the first delta reached the caller: if the reply waited
      // for the title, this turn could never end.
      let firstDelta!: () => void;
      const firstDeltaSeen = new Promise<void>((resolve) => firstDelta = resolve);
      s.fake.enqueueTitle({ text: '"Scripted Title."', release: firstDeltaSeen });
      // The reply is held after its first chunk until the title request arrived: if the title
      // went out only after the reply, this turn could never end either.
      let titleWhileReplyOpen = false;
      const titleArrived = s.fake.waitForRequest((r) => r.kind === "title", 60_000).then(() => {
        titleWhileReplyOpen = s.fake.replyRequests()[0]?.outcome === undefined;
      });
      s.fake.enqueue({ chunks: ["quick", " reply"], holdAfterChunks: 1, release: titleArrived });
      const t = thread();
      const input = userMessage(t.id, "hello");
      let titleOutcomeAtFirstDelta: string | undefined = "none yet";
      await collect(responder.respond(t, input, await context(t, [input])), (e) => {
        if (e.type === "thread.item.updated" && e.update.type.endsWith("text_delta")) {
          if (titleOutcomeAtFirstDelta === "none yet") {
            titleOutcomeAtFirstDelta = s.fake.titleRequests()[0]?.outcome;
          }
          firstDelta();
        }
      }, "the turn ended (a deadlock here means title and reply were sequential)");
      assertEquals(titleOutcomeAtFirstDelta, undefined, "the title was still pending at token one");
      assert(titleWhileReplyOpen, "the title request arrived while the reply was streaming");
      // respond() waited for the title before it returned.
      assertEquals(t.title, "Scripted Title");
    } finally {
      await s.close();
    }
  },
);

responderTest("createResponder - without a provider every turn explains what to set", async () => {
  const responder = makeResponder({ llm: { tracing: false } }, undefined);
  const t = thread();
  const input = userMessage(t.id, "hi");
  await rejects(collect(responder.respond(t, input, await context(t, [input]))), (e: unknown) => {
    assert(e instanceof CustomStreamError);
    assert(!e.allowRetry);
    for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "MODEL"]) {
      assert(e.message.includes(name), `${name} in ${e.message}`);
    }
    return true;
  });
});

responderTest("createResponder - with tracing off, only the provider is contacted", async () => {
  const s = await setup("responses");
  const realFetch = globalThis.fetch;
  const urls: string[] = [];
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return realFetch(input, init);
  };
  try {
    const responder = makeResponder({ llm: s.llm }, FAST);
    const t = thread();
    const input = userMessage(t.id, "hello");
    await collect(responder.respond(t, input, await context(t, [input])));
    await getGlobalTraceProvider().forceFlush();
    assert(urls.length >= 2, "reply and title requests seen");
    for (const url of urls) assert(url.startsWith(s.fake.baseUrl), url);
  } finally {
    globalThis.fetch = realFetch;
    await s.close();
  }
});

responderTest(
  "AgentResponder - an incomplete Responses answer keeps its text and says why it stopped",
  async () => {
    const s = await setup("responses");
    try {
      const responder = makeResponder({ llm: s.llm }, {
        ...FAST,
        title: { enabled: false },
      });
      s.fake.enqueue({ chunks: ["Cut ", "short"], terminal: "incomplete" });
      const t = thread();
      const input = userMessage(t.id, "hi");
      const seen: ThreadStreamEvent[] = [];
      await rejects(
        collect(responder.respond(t, input, await context(t, [input])), (e) => seen.push(e)),
        (
          e: unknown,
        ) => {
          assert(e instanceof CustomStreamError, String(e));
          assert(e.message.includes("stopped early"), e.message);
          return true;
        },
      );
      assert(seen.some((e) => e.type === "thread.item.updated"), "the text streamed before");
    } finally {
      await s.close();
    }
  },
);
