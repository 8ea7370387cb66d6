/**
 * Which model provider answers, from the environment.
 *
 * - `OPENAI_API_KEY` and/or `OPENAI_BASE_URL` → an OpenAI-compatible provider (OpenAI itself when no
 *   base URL is given). `OPENAI_API` picks the Responses API (default) or Chat Completions.
 * - Otherwise `GEMINI_API_KEY` → Gemini's OpenAI-compatible endpoint, over Chat Completions.
 * - Neither → no provider: the app runs, and every message gets an error saying what to set.
 *
 * `MODEL` names the model (default: the Agents SDK's default model for OpenAI, `gemini-2.5-flash`
 * for Gemini); `TITLE_MODEL` the model that writes thread titles (default: `MODEL`).
 * @module
 */
import {
  getDefaultModel,
  type Model,
  OpenAIChatCompletionsModel,
  OpenAIResponsesModel,
} from "@openai/agents";
import OpenAI from "openai";
import type { LlmConfig } from "../config.ts";
import { withLightStreams } from "./sse_reader.ts";

/** Gemini's OpenAI-compatible endpoint. */
export const GEMINI_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai/";
/** The model used with `GEMINI_API_KEY` when `MODEL` is unset. */
export const GEMINI_DEFAULT_MODEL = "gemini-2.5-flash";

/** A resolved provider. */
export interface Provider {
  /** `openai` (any OpenAI-compatible server) or `gemini` (the shortcut). */
  kind: "openai" | "gemini";
  api: "responses" | "chat_completions";
  /** Undefined = the OpenAI client's default (OpenAI's own API). */
  baseUrl?: string;
  apiKey: string;
  model: string;
  titleModel: string;
  /** The variable that holds the key (for error messages). */
  keyVariable: "OPENAI_API_KEY" | "GEMINI_API_KEY";
}

/** What to tell the operator when nothing is configured. */
export const NO_PROVIDER_MESSAGE = "No model provider is configured on the server. Set " +
  "OPENAI_API_KEY (plus OPENAI_BASE_URL for a provider other than OpenAI, OPENAI_API=" +
  "chat_completions if it lacks the Responses API, and MODEL), or GEMINI_API_KEY, then restart " +
  "the server.";

/** Resolves the provider from the environment, or `null` when none is configured. */
export function resolveProvider(llm: LlmConfig): Provider | null {
  if (llm.apiKey || llm.baseUrl) {
    const model = llm.model ?? getDefaultModel();
    return {
      kind: "openai",
      api: llm.api ?? "responses",
      baseUrl: llm.baseUrl,
      // Local servers (Ollama, vLLM) often need no key, but the client insists on one.
      apiKey: llm.apiKey ?? "no-key",
      model,
      titleModel: llm.titleModel ?? model,
      keyVariable: "OPENAI_API_KEY",
    };
  }
  if (llm.geminiApiKey) {
    const model = llm.model ?? GEMINI_DEFAULT_MODEL;
    return {
      kind: "gemini",
      api: llm.api ?? "chat_completions",
      baseUrl: GEMINI_BASE_URL,
      apiKey: llm.geminiApiKey,
      model,
      titleModel: llm.titleModel ?? model,
      keyVariable: "GEMINI_API_KEY",
    };
  }
  return null;
}

/** A short human description of where requests go, for logs and error messages. */
export function describeProvider(provider: Provider): string {
  let host = "api.openai.com";
  if (provider.baseUrl) {
    try {
      host = new URL(provider.baseUrl).host;
    } catch {
      host = provider.baseUrl;
    }
  }
  return `${host} (${provider.api === "responses" ? "Responses API" : "Chat Completions"})`;
}

/** The HTTP client and models for a provider, built once. */
export interface ProviderModels {
  client: OpenAI;
  model: Model;
  titleModel: Model;
}

/** Builds the OpenAI client and the SDK models for the provider. */
export function createModels(provider: Provider, options: { maxRetries: number }): ProviderModels {
  const client = new OpenAI({
    apiKey: provider.apiKey,
    baseURL: provider.baseUrl,
    maxRetries: options.maxRetries,
  });
  // Streamed answers are decoded by the app's own reader (sse_reader.ts), the rest is the client's.
  const light = withLightStreams(client);
  const make = (name: string): Model =>
    provider.api === "responses"
      ? new OpenAIResponsesModel(light, name)
      : new OpenAIChatCompletionsModel(client, name);
  const model = make(provider.model);
  const titleModel = provider.titleModel === provider.model ? model : make(provider.titleModel);
  return { client, model, titleModel };
}
