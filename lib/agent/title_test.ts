import { Runner } from "@openai/agents";
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  startFakeOpenAI,
  systemText,
  TITLE_REQUEST_MARKER,
} from "../../tests/support/fake_openai.ts";
import { createModels, resolveProvider } from "./provider.ts";
import { cleanTitle, TITLE_INSTRUCTIONS, TitleWriter } from "./title.ts";
import { within } from "../../tests/support/wait.ts";

Deno.test("cleanTitle - trims quotes, prefixes, Markdown and final punctuation", () => {
  assertEquals(cleanTitle('"Trip to Lisbon"', 60), "Trip to Lisbon");
  assertEquals(cleanTitle("“Trip to Lisbon.”", 60), "Trip to Lisbon");
  assertEquals(cleanTitle("Title: 'Budget  planning'", 60), "Budget planning");
  assertEquals(cleanTitle("**Title:** Budget planning", 60), "Budget planning");
  assertEquals(cleanTitle("## Rust lifetimes explained:", 60), "Rust lifetimes explained");
  assertEquals(cleanTitle("`Deno tips`", 60), "Deno tips");
  assertEquals(cleanTitle("What is Deno?", 60), "What is Deno?");
});

Deno.test("cleanTitle - keeps the first non-empty line and drops reasoning blocks", () => {
  assertEquals(
    cleanTitle("\n\nGarden ideas\nBecause the user asked about plants", 60),
    "Garden ideas",
  );
  assertEquals(cleanTitle("<think>user wants a title</think>\nGarden ideas", 60), "Garden ideas");
});

Deno.test("cleanTitle - bounds the length at a word boundary", () => {
  const long = "An unusually long title that keeps going well past any sensible limit";
  const cut = cleanTitle(long, 30)!;
  assert(cut.length <= 30, cut);
  assertEquals(cut, "An unusually long title that");
  assertEquals(cleanTitle("Supercalifragilisticexpialidocious", 10), "Supercalif");
  assertEquals([...cleanTitle("日本語のタイトルです", 4)!].length, 4);
});

Deno.test("cleanTitle - nothing usable gives undefined", () => {
  assertEquals(cleanTitle("", 60), undefined);
  assertEquals(cleanTitle('  ""  ', 60), undefined);
  assertEquals(cleanTitle("<think>only thoughts", 60), undefined);
});

Deno.test("TitleWriter - asks with the title instructions and returns a clean title", async () => {
  const fake = await startFakeOpenAI();
  try {
    assert(TITLE_INSTRUCTIONS.includes(TITLE_REQUEST_MARKER));
    const provider = resolveProvider({
      apiKey: "k",
      baseUrl: fake.baseUrl,
      api: "chat_completions",
      model: "main",
      titleModel: "small",
      tracing: false,
    })!;
    const models = createModels(provider, { maxRetries: 0 });
    const writer = new TitleWriter(models.titleModel, new Runner({ tracingDisabled: true }), {
      enabled: true,
      maxLength: 20,
      timeoutMs: 500,
    });
    fake.enqueueTitle({ text: "'Planning a very long journey across Europe'" });
    assertEquals(
      await writer.write("Help me plan a trip", new AbortController().signal),
      "Planning a very long",
    );
    const req = fake.titleRequests()[0];
    assertEquals((req.body as { model: string }).model, "small");
    assert(systemText(req.body).includes(TITLE_REQUEST_MARKER));
    assertEquals(req.lastUserText, "Help me plan a trip");

    fake.enqueueTitle({ status: 500 });
    assertEquals(await writer.write("x", new AbortController().signal), undefined);
    // The fake never answers this one: only the 500 ms time-out can end the wait (bounded at
    // 40× it, so that a broken time-out fails instead of hanging).
    fake.enqueueTitle({ hang: "before_headers" });
    const started = performance.now();
    assertEquals(
      await within(
        writer.write("x", new AbortController().signal),
        "the title time-out ended a silent request",
        20_000,
      ),
      undefined,
    );
    // A lower bound holds on any machine: the time-out did not fire early.
    assert(performance.now() - started >= 450, "gave up before the 500 ms time-out");
    const aborted = new AbortController();
    aborted.abort();
    assertEquals(await writer.write("x", aborted.signal), undefined);
    assertEquals(await writer.write("   ", new AbortController().signal), undefined);
  } finally {
    await fake.close();
  }
});
