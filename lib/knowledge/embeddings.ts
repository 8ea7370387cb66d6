/**
 * The embeddings client: `POST <base>/embeddings` of any OpenAI-compatible provider (OpenAI,
 * Gemini's and Cohere's compatibility endpoints, Ollama, LiteLLM), in batches, retried with
 * exponential backoff on 429/5xx and connection errors (honouring `retry-after`). Answers may
 * carry floats or base64 (little-endian float32), as the OpenAI client itself asks for.
 * @module
 */
import type { LlmConfig } from "../config.ts";
import { resolveProvider } from "../agent/provider.ts";

/** The `EMBEDDING_*` variables (see lib/config.ts). */
export interface EmbeddingEnv {
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  dimensions?: number;
}

/** A resolved embeddings provider. */
export interface EmbeddingConfig {
  model: string;
  baseUrl: string;
  apiKey: string;
  /** Asked for with the API's `dimensions` parameter; unset = the model's own size. */
  dimensions?: number;
}

const OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * `EMBEDDING_MODEL` unset → null (no vectors: full-text search only). The base URL and key
 * default to the chat provider's; the chat key is never sent to an `EMBEDDING_BASE_URL` of its
 * own (that host gets `EMBEDDING_API_KEY` or nothing).
 */
export function resolveEmbeddings(env: EmbeddingEnv, llm: LlmConfig): EmbeddingConfig | null {
  if (!env.model) return null;
  const chat = resolveProvider(llm);
  const baseUrl = env.baseUrl ?? chat?.baseUrl ?? OPENAI_BASE_URL;
  const apiKey = env.apiKey ?? (env.baseUrl ? undefined : chat?.apiKey) ?? "no-key";
  return { model: env.model, baseUrl, apiKey, dimensions: env.dimensions };
}

/** The provider refused or kept failing; `status` is its HTTP status (0: no answer). */
export class EmbeddingError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "EmbeddingError";
  }
}

/** Options of an {@link EmbeddingClient}. */
export interface EmbeddingClientOptions {
  /** Texts per request. */
  batchSize?: number;
  /** Retries of one request (so `maxRetries + 1` tries). */
  maxRetries?: number;
  /** First backoff in ms (doubled each retry, with jitter). */
  backoffMs?: number;
  /** One request's time limit. */
  timeoutMs?: number;
  /** Called after every answered batch with how many texts it embedded. */
  onBatch?: (count: number) => void;
}

/** Embeds texts with one configured model. */
export class EmbeddingClient {
  readonly config: EmbeddingConfig;
  #o: Required<Omit<EmbeddingClientOptions, "onBatch">> & Pick<EmbeddingClientOptions, "onBatch">;
  /** Requests sent (tests and progress read it). */
  requests = 0;

  constructor(config: EmbeddingConfig, options: EmbeddingClientOptions = {}) {
    this.config = config;
    this.#o = {
      batchSize: options.batchSize ?? 64,
      maxRetries: options.maxRetries ?? 4,
      backoffMs: options.backoffMs ?? 500,
      timeoutMs: options.timeoutMs ?? 60_000,
      onBatch: options.onBatch,
    };
  }

  /** One vector per text, in order. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.#o.batchSize) {
      const batch = texts.slice(i, i + this.#o.batchSize);
      out.push(...await this.#batch(batch, signal));
      this.#o.onBatch?.(batch.length);
    }
    return out;
  }

  async #batch(input: string[], signal?: AbortSignal): Promise<number[][]> {
    const url = `${this.config.baseUrl.replace(/\/+$/, "")}/embeddings`;
    const body = JSON.stringify({
      model: this.config.model,
      input,
      encoding_format: "float",
      ...(this.config.dimensions ? { dimensions: this.config.dimensions } : {}),
    });
    for (let attempt = 0;; attempt++) {
      let status = 0;
      let message: string;
      let retryAfterMs: number | undefined;
      try {
        this.requests++;
        const response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${this.config.apiKey}`,
          },
          body,
          signal: signal
            ? AbortSignal.any([signal, AbortSignal.timeout(this.#o.timeoutMs)])
            : AbortSignal.timeout(this.#o.timeoutMs),
        });
        status = response.status;
        if (response.ok) return decodeAnswer(await response.json(), input.length);
        message = await errorMessage(response);
        retryAfterMs = retryAfter(response.headers);
        if (status !== 429 && status !== 408 && status < 500) {
          throw new EmbeddingError(
            `embedding provider refused (HTTP ${status}): ${message}`,
            status,
          );
        }
      } catch (error) {
        if (error instanceof EmbeddingError) throw error;
        if (signal?.aborted) throw signal.reason;
        message = error instanceof Error ? error.message : String(error);
      }
      if (attempt >= this.#o.maxRetries) {
        throw new EmbeddingError(
          `embedding provider failed after ${attempt + 1} tries` +
            `${status ? ` (HTTP ${status})` : ""}: ${message}`,
          status,
        );
      }
      const backoff = this.#o.backoffMs * 2 ** attempt * (0.75 + Math.random() / 2);
      await sleep(Math.min(retryAfterMs ?? backoff, 30_000), signal);
    }
  }
}

/** Reads `{data: [{index, embedding}]}` with float arrays or base64 float32 strings. */
export function decodeAnswer(answer: unknown, expected: number): number[][] {
  const data = (answer as { data?: unknown })?.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw new EmbeddingError(
      `embedding provider answered ${Array.isArray(data) ? data.length : "no"} vectors for ` +
        `${expected} texts`,
      200,
    );
  }
  const vectors: number[][] = new Array(expected);
  data.forEach((item: { index?: number; embedding?: unknown }, i) => {
    const index = typeof item.index === "number" ? item.index : i;
    const e = item.embedding;
    if (typeof e === "string") {
      const bytes = Uint8Array.from(atob(e), (c) => c.charCodeAt(0));
      vectors[index] = Array.from(new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2));
    } else if (Array.isArray(e) && e.every((x) => typeof x === "number")) {
      vectors[index] = e;
    } else {
      throw new EmbeddingError("embedding provider answered a vector in an unknown form", 200);
    }
  });
  const size = vectors[0]?.length;
  if (!size || vectors.some((v) => !v || v.length !== size)) {
    throw new EmbeddingError("embedding provider answered vectors of different sizes", 200);
  }
  return vectors;
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(text);
    const message = parsed?.error?.message ?? parsed?.message;
    if (typeof message === "string") return message.slice(0, 300);
  } catch { /* not JSON */ }
  return text.slice(0, 300) || response.statusText;
}

function retryAfter(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (ms > 0) return ms;
  const s = Number(headers.get("retry-after"));
  return s > 0 ? s * 1000 : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}
