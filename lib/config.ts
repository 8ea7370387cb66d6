/**
 * `Config` is the environment — secrets and deployment — parsed once at boot into one typed
 * object; `Settings` is `fresh.config.ts` — behaviour (lib/settings.ts). A bad value stops
 * start-up with a message that names the variable and says what is expected.
 * @module
 */
import { z } from "zod";

/** How the app runs: `deno task dev` is development, `deno task start` production. */
export type Mode = "development" | "production";

/** The typed environment. */
export interface Config {
  mode: Mode;
  /** `PORT`: where the server listens. */
  port: number;
  /** `HOSTNAME`: the interface to listen on. */
  hostname: string;
  /** `DATABASE_URL`: a Postgres server; unset → embedded PGlite in `dataDir`. */
  databaseUrl?: string;
  /** `DATABASE_POOL_SIZE`: connections to a Postgres server. */
  databasePoolSize: number;
  /** `DATABASE_CA_CERT` (or libpq's `PGSSLROOTCERT`): PEM text or file of the server's CA. */
  databaseCaCert?: string;
  /** `METRICS_TOKEN`: the Bearer token `GET /metrics` requires (unset → not served). */
  metricsToken?: string;
  /** `DATA_DIR`: where the embedded database and generated development secrets live. */
  dataDir: string;
  /** `BETTER_AUTH_SECRET`: signs session and visitor cookies (generated in development). */
  secret?: string;
  /** The model provider (see `lib/agent/provider.ts` for how these combine). */
  llm: LlmConfig;
  /** Sign-in, origins and providers (see `lib/auth/`). */
  auth: AuthConfig;
  /** Overrides of `fresh.config.ts` → `rateLimit` (unset keys keep the settings' values). */
  rateLimit: RateLimitEnv;
  /** `CHATKIT_DOMAIN_KEY`: the domain key `<openai-chatkit>` is given (registered with OpenAI). */
  chatkitDomainKey?: string;
  /** The knowledge base's embedding model (see `lib/knowledge/embeddings.ts`). */
  embedding: EmbeddingEnvConfig;
  /**
   * `SHUTDOWN_DRAIN_SECONDS`: how long replies still streaming may run on after SIGTERM before
   * they are cancelled (their partial text saved); keep it under the platform's grace period.
   */
  shutdownDrainSeconds: number;
}

/** `EMBEDDING_*` variables: unset model = no vectors (full-text search only). */
export interface EmbeddingEnvConfig {
  /** `EMBEDDING_MODEL`, e.g. `text-embedding-3-small`. */
  model?: string;
  /** `EMBEDDING_BASE_URL` (default: the chat provider's). */
  baseUrl?: string;
  /** `EMBEDDING_API_KEY` (default: the chat provider's, unless EMBEDDING_BASE_URL is set). */
  apiKey?: string;
  /** `EMBEDDING_DIMENSIONS`: asked for with the API's `dimensions` parameter. */
  dimensions?: number;
}

/** Sign-in and cross-origin variables. */
export interface AuthConfig {
  /** `BETTER_AUTH_URL`: the app's public origin (unset → the origin each request was sent to). */
  baseUrl?: string;
  /** `ALLOWED_ORIGINS`: comma-separated origins allowed to call the app cross-site (CORS, CSRF). */
  allowedOrigins: string[];
  /** `GITHUB_CLIENT_ID` + `GITHUB_CLIENT_SECRET`: GitHub sign-in when both are set. */
  github?: { clientId: string; clientSecret: string };
  /** `GOOGLE_CLIENT_ID` + `GOOGLE_CLIENT_SECRET`: Google sign-in when both are set. */
  google?: { clientId: string; clientSecret: string };
  /** `TRUST_PROXY`: take the client address from the last `X-Forwarded-For` entry. */
  trustProxy: boolean;
}

/** Rate-limit overrides from the environment (`0` turns a limit off). */
export interface RateLimitEnv {
  /** `RATE_LIMIT_PER_MINUTE`: new messages per owner per minute. */
  perMinute?: number;
  /** `RATE_LIMIT_PER_DAY`: new messages per owner per day. */
  perDay?: number;
  /** `RATE_LIMIT_PER_ADDRESS_PER_MINUTE`: new messages per client address per minute. */
  perAddressPerMinute?: number;
  /** `RATE_LIMIT_PER_ADDRESS_PER_DAY`: new messages per client address per day. */
  perAddressPerDay?: number;
  /** `RATE_LIMIT_GLOBAL_PER_MINUTE`: model turns of the whole app per minute. */
  globalPerMinute?: number;
  /** `RATE_LIMIT_GLOBAL_PER_DAY`: model turns of the whole app per UTC day. */
  globalPerDay?: number;
}

/** Model-provider variables, as given (resolved by `lib/agent/provider.ts`). */
export interface LlmConfig {
  /** `OPENAI_API_KEY`: key of any OpenAI-compatible provider. */
  apiKey?: string;
  /** `OPENAI_BASE_URL`: an OpenAI-compatible server, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl?: string;
  /** `OPENAI_API`: `responses` or `chat_completions` (unset → responses, or chat for Gemini). */
  api?: "responses" | "chat_completions";
  /** `MODEL`: the model answering messages. */
  model?: string;
  /** `TITLE_MODEL`: the model writing thread titles (default: `MODEL`). */
  titleModel?: string;
  /** `GEMINI_API_KEY`: shortcut for Gemini's OpenAI-compatible endpoint (chat completions). */
  geminiApiKey?: string;
  /** `OPENAI_AGENTS_TRACING`: send Agents SDK traces to OpenAI (off unless set to true/1). */
  tracing: boolean;
}

/** A configuration problem, with the variable it concerns. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

// Empty strings count as unset, so `FOO=` in a .env file does not become a bad value.
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

const integer = (min: number, max: number) =>
  z.coerce.number({ error: "expected a whole number" }).int("expected a whole number").min(
    min,
    `expected at least ${min}`,
  ).max(max, `expected at most ${max}`);

const postgresUrl = z.string().refine((value) => {
  try {
    return ["postgres:", "postgresql:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "expected a postgres:// or postgresql:// URL");

const httpUrl = z.string().refine((value) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, "expected an http:// or https:// URL");

const originList = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const entry of value.split(",").map((e) => e.trim()).filter(Boolean)) {
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch { /* reported below */ }
    if (!url || !["http:", "https:"].includes(url.protocol) || entry === "*") {
      ctx.addIssue({
        code: "custom",
        message:
          `expected comma-separated http(s) origins such as https://example.com, got "${entry}"`,
      });
      return z.NEVER;
    }
    origins.push(url.origin);
  }
  return origins;
});

const flag = z.string().trim().toLowerCase().transform((value, ctx) => {
  if (["1", "true", "yes", "on"].includes(value)) return true;
  if (["0", "false", "no", "off"].includes(value)) return false;
  ctx.addIssue({ code: "custom", message: "expected true or false" });
  return z.NEVER;
});

/** Variable name → schema. Each later feature adds its variables here. */
const schema = {
  PORT: optional(integer(0, 65535)),
  HOSTNAME: optional(z.string().min(1)),
  DATABASE_URL: optional(postgresUrl),
  DATABASE_POOL_SIZE: optional(integer(1, 100)),
  DATABASE_CA_CERT: optional(z.string().min(1)),
  PGSSLROOTCERT: optional(z.string().min(1)),
  METRICS_TOKEN: optional(z.string().min(16, "expected at least 16 characters")),
  DATA_DIR: optional(z.string().min(1)),
  BETTER_AUTH_SECRET: optional(z.string().min(32, "expected at least 32 characters")),
  OPENAI_API_KEY: optional(z.string().trim().min(1)),
  OPENAI_BASE_URL: optional(httpUrl),
  OPENAI_API: optional(
    z.enum(["responses", "chat_completions"], {
      error: 'expected "responses" or "chat_completions"',
    }),
  ),
  MODEL: optional(z.string().trim().min(1)),
  TITLE_MODEL: optional(z.string().trim().min(1)),
  GEMINI_API_KEY: optional(z.string().trim().min(1)),
  OPENAI_AGENTS_TRACING: optional(flag),
  CHATKIT_DOMAIN_KEY: optional(z.string().trim().min(1)),
  BETTER_AUTH_URL: optional(httpUrl),
  ALLOWED_ORIGINS: optional(originList),
  GITHUB_CLIENT_ID: optional(z.string().trim().min(1)),
  GITHUB_CLIENT_SECRET: optional(z.string().trim().min(1)),
  GOOGLE_CLIENT_ID: optional(z.string().trim().min(1)),
  GOOGLE_CLIENT_SECRET: optional(z.string().trim().min(1)),
  TRUST_PROXY: optional(flag),
  RATE_LIMIT_PER_MINUTE: optional(integer(0, 1_000_000)),
  RATE_LIMIT_PER_DAY: optional(integer(0, 100_000_000)),
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: optional(integer(0, 1_000_000)),
  RATE_LIMIT_PER_ADDRESS_PER_DAY: optional(integer(0, 100_000_000)),
  RATE_LIMIT_GLOBAL_PER_MINUTE: optional(integer(0, 1_000_000)),
  RATE_LIMIT_GLOBAL_PER_DAY: optional(integer(0, 100_000_000)),
  SHUTDOWN_DRAIN_SECONDS: optional(integer(0, 3600)),
  // Knowledge base embeddings (issue 11).
  EMBEDDING_MODEL: optional(z.string().trim().min(1)),
  EMBEDDING_BASE_URL: optional(httpUrl),
  EMBEDDING_API_KEY: optional(z.string().trim().min(1)),
  EMBEDDING_DIMENSIONS: optional(integer(1, 16_000)),
};

/**
 * Parses the environment.
 * @example
 * ```ts
 * const config = loadConfig(Deno.env.toObject(), "production");
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>, mode: Mode): Config {
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(schema)) {
    const result = variable.safeParse(env[name]);
    if (!result.success) {
      throw new ConfigError(name, result.error.issues.map((i) => i.message).join("; "));
    }
    values[name] = result.data;
  }
  const v = values as { [K in keyof typeof schema]: z.output<(typeof schema)[K]> };
  if (mode === "production" && !v.BETTER_AUTH_SECRET) {
    throw new ConfigError(
      "BETTER_AUTH_SECRET",
      "required in production: set it to a random string of at least 32 characters " +
        "(for example the output of `openssl rand -base64 32`)",
    );
  }
  const weakness = v.BETTER_AUTH_SECRET && mode === "production"
    ? secretWeakness(v.BETTER_AUTH_SECRET)
    : undefined;
  if (weakness) {
    throw new ConfigError(
      "BETTER_AUTH_SECRET",
      `too easy to guess (${weakness}): set it to a random string of at least 32 characters ` +
        "(for example the output of `openssl rand -base64 32`)",
    );
  }
  return {
    mode,
    port: v.PORT ?? 8000,
    hostname: v.HOSTNAME ?? (mode === "development" ? "127.0.0.1" : "0.0.0.0"),
    databaseUrl: v.DATABASE_URL,
    databasePoolSize: v.DATABASE_POOL_SIZE ?? 10,
    databaseCaCert: v.DATABASE_CA_CERT ?? v.PGSSLROOTCERT,
    metricsToken: v.METRICS_TOKEN,
    dataDir: v.DATA_DIR ?? ".data",
    secret: v.BETTER_AUTH_SECRET,
    llm: {
      apiKey: v.OPENAI_API_KEY,
      baseUrl: v.OPENAI_BASE_URL,
      api: v.OPENAI_API,
      model: v.MODEL,
      titleModel: v.TITLE_MODEL,
      geminiApiKey: v.GEMINI_API_KEY,
      tracing: v.OPENAI_AGENTS_TRACING ?? false,
    },
    chatkitDomainKey: v.CHATKIT_DOMAIN_KEY,
    auth: {
      baseUrl: v.BETTER_AUTH_URL ? new URL(v.BETTER_AUTH_URL).origin : undefined,
      allowedOrigins: v.ALLOWED_ORIGINS ?? [],
      github: v.GITHUB_CLIENT_ID && v.GITHUB_CLIENT_SECRET
        ? { clientId: v.GITHUB_CLIENT_ID, clientSecret: v.GITHUB_CLIENT_SECRET }
        : undefined,
      google: v.GOOGLE_CLIENT_ID && v.GOOGLE_CLIENT_SECRET
        ? { clientId: v.GOOGLE_CLIENT_ID, clientSecret: v.GOOGLE_CLIENT_SECRET }
        : undefined,
      trustProxy: v.TRUST_PROXY ?? false,
    },
    shutdownDrainSeconds: v.SHUTDOWN_DRAIN_SECONDS ?? 8,
    rateLimit: {
      perMinute: v.RATE_LIMIT_PER_MINUTE,
      perDay: v.RATE_LIMIT_PER_DAY,
      perAddressPerMinute: v.RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
      perAddressPerDay: v.RATE_LIMIT_PER_ADDRESS_PER_DAY,
      globalPerMinute: v.RATE_LIMIT_GLOBAL_PER_MINUTE,
      globalPerDay: v.RATE_LIMIT_GLOBAL_PER_DAY,
    },
    embedding: {
      model: v.EMBEDDING_MODEL,
      baseUrl: v.EMBEDDING_BASE_URL,
      apiKey: v.EMBEDDING_API_KEY,
      dimensions: v.EMBEDDING_DIMENSIONS,
    },
  };
}

/**
 * Least estimated entropy of a production secret, in bits. The estimate of a random 32-digit hex
 * secret (128 real bits) is about 112 and falls below 96 once in ~10 000 draws; below 80 not once in 500 000.
 */
const MIN_SECRET_BITS = 80;

/**
 * Why a secret looks guessable, or undefined. Length alone is no measure (`"a" * 32` is 32
 * characters): the estimate is the text's Shannon entropy (bits per character × length), and a
 * secret built by repeating a word (`"password" * 4`) is refused by the share of its
 * three-character pieces that occur more than once.
 */
export function secretWeakness(secret: string): string | undefined {
  const chars = [...secret];
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / chars.length) * Math.log2(n / chars.length);
  const bits = Math.round(perChar * chars.length);
  if (bits < MIN_SECRET_BITS) {
    return `about ${bits} bits of entropy, at least ${MIN_SECRET_BITS} are needed`;
  }
  const pieces = chars.length - 2;
  const seen = new Set<string>();
  let repeated = 0;
  for (let i = 0; i < pieces; i++) {
    const piece = chars.slice(i, i + 3).join("");
    if (seen.has(piece)) repeated++;
    seen.add(piece);
  }
  if (repeated / pieces > 0.25) return "it repeats the same characters";
  return undefined;
}
