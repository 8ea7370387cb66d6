import { getDefaultModel } from "@openai/agents";
import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { describeProvider, GEMINI_BASE_URL, resolveProvider } from "./provider.ts";
import { DEFAULT_AGENT_SETTINGS, resolveAgentSettings } from "./settings.ts";

const llm = (env: Record<string, string>) => loadConfig(env, "development").llm;

Deno.test("resolveProvider - nothing configured gives null", () => {
  assertEquals(resolveProvider(llm({})), null);
});

Deno.test("resolveProvider - OPENAI_API_KEY alone is OpenAI's Responses API with the SDK default model", () => {
  const p = resolveProvider(llm({ OPENAI_API_KEY: "sk-1" }))!;
  assertEquals(p.kind, "openai");
  assertEquals(p.api, "responses");
  assertEquals(p.baseUrl, undefined);
  assertEquals(p.model, getDefaultModel());
  assertEquals(p.titleModel, p.model);
  assertEquals(describeProvider(p), "api.openai.com (Responses API)");
});

Deno.test("resolveProvider - a base URL without a key works (local servers)", () => {
  const p = resolveProvider(llm({
    OPENAI_BASE_URL: "http://127.0.0.1:11434/v1",
    OPENAI_API: "chat_completions",
    MODEL: "llama3.2",
    TITLE_MODEL: "llama3.2:1b",
  }))!;
  assertEquals(p.api, "chat_completions");
  assertEquals(p.model, "llama3.2");
  assertEquals(p.titleModel, "llama3.2:1b");
  assert(p.apiKey.length > 0);
  assertEquals(describeProvider(p), "127.0.0.1:11434 (Chat Completions)");
});

Deno.test("resolveProvider - GEMINI_API_KEY is Gemini's endpoint over Chat Completions", () => {
  const p = resolveProvider(llm({ GEMINI_API_KEY: "g-1" }))!;
  assertEquals(p.kind, "gemini");
  assertEquals(p.baseUrl, GEMINI_BASE_URL);
  assertEquals(p.api, "chat_completions");
  assertEquals(p.keyVariable, "GEMINI_API_KEY");
  assert(p.model.startsWith("gemini"));
  // An explicit OpenAI-compatible setting wins over the shortcut.
  assertEquals(resolveProvider(llm({ GEMINI_API_KEY: "g", OPENAI_API_KEY: "o" }))!.kind, "openai");
});

Deno.test("loadConfig - provider variables are validated and tracing is opt-in", () => {
  assertEquals(llm({}).tracing, false);
  assertEquals(llm({ OPENAI_AGENTS_TRACING: "true" }).tracing, true);
  for (
    const [name, value] of [["OPENAI_API", "chat"], ["OPENAI_BASE_URL", "localhost:1234"], [
      "OPENAI_AGENTS_TRACING",
      "maybe",
    ]]
  ) {
    throws(() => llm({ [name]: value }), (e: Error) => {
      assert(e.message.startsWith(`${name}:`), e.message);
      return true;
    }, `${name}=${value} accepted`);
  }
});

Deno.test("resolveAgentSettings - fills defaults and names a bad value", () => {
  const s = resolveAgentSettings({ history: { maxTurns: 3 }, timeouts: { idleMs: undefined } });
  assertEquals(s.history, { maxTurns: 3, maxChars: DEFAULT_AGENT_SETTINGS.history.maxChars });
  assertEquals(s.timeouts, DEFAULT_AGENT_SETTINGS.timeouts);
  assertEquals(s.name, DEFAULT_AGENT_SETTINGS.name);
  throws(() => resolveAgentSettings({ timeouts: { idleMs: 0 } }), /agent\.timeouts\.idleMs/);
});
