/**
 * The `knowledge` section of `fresh.config.ts`: which documents `deno task ingest` reads, how
 * they are cut into chunks, and how the assistant retrieves them on each turn.
 * Which embedding model is used comes from the environment (EMBEDDING_MODEL and friends).
 * @module
 */

/** A source to ingest: a folder or file path, or an http(s) URL of a page or a sitemap. */
export interface KnowledgeSourceSetting {
  /** A folder or a file, relative to the project (e.g. `docs/`). */
  path?: string;
  /** A page or a `sitemap.xml` (expanded to its pages). */
  url?: string;
  /**
   * For `path` sources: the public URL the folder is published at (e.g.
   * `https://docs.example.com/`), so citations link to the site rather than to a file path.
   */
  baseUrl?: string;
}

/** How documents are cut into chunks. */
export interface ChunkSettings {
  /** Most characters in one chunk (a section longer than this is split at paragraphs). */
  maxChars: number;
  /** Characters of the previous chunk repeated at the start of the next one in a long section. */
  overlapChars: number;
}

/** How URLs are fetched. */
export interface FetchSettings {
  /** Pages fetched at once. */
  concurrency: number;
  /** Give up on one page after this long. */
  timeoutMs: number;
  /** Largest page or file read, in bytes. */
  maxBytes: number;
  /** Hosts a sitemap may point to besides its own. */
  allowedHosts: string[];
}

/** The `knowledge` section, as written in `fresh.config.ts` (every key optional). */
export interface KnowledgeSettingsInput {
  /** What `deno task ingest` with no argument reads. */
  sources?: (string | KnowledgeSourceSetting)[];
  /**
   * `"always"`: search before every model call and give the passages as numbered sources.
   * `"tool"`: give the model a `search_knowledge` tool instead; `"off"`: no retrieval.
   */
  mode?: "always" | "tool" | "off";
  /** Passages given to the model per turn. */
  topK?: number;
  /** Most characters of passages per turn. */
  maxChars?: number;
  /**
   * Least cosine similarity for a passage found by vector search alone (0–1). Full-text
   * matches always qualify. Model-dependent: 0.3 suits OpenAI's text-embedding-3 models.
   */
  minSimilarity?: number;
  /** Tell the model to answer only from the sources and to say when they do not answer. */
  answerOnlyFromSources?: boolean;
  /** Postgres text-search configuration (`english`, `simple`, `german`, …). */
  language?: string;
  chunk?: Partial<ChunkSettings>;
  fetch?: Partial<FetchSettings>;
}

/** The section with every default filled in. */
export interface KnowledgeSettings {
  sources: KnowledgeSourceSetting[];
  mode: "always" | "tool" | "off";
  topK: number;
  maxChars: number;
  minSimilarity: number;
  answerOnlyFromSources: boolean;
  language: string;
  chunk: ChunkSettings;
  fetch: FetchSettings;
}

export const DEFAULT_KNOWLEDGE_SETTINGS: KnowledgeSettings = {
  sources: [],
  mode: "always",
  topK: 5,
  maxChars: 6000,
  minSimilarity: 0.3,
  answerOnlyFromSources: true,
  language: "english",
  chunk: { maxChars: 1200, overlapChars: 150 },
  fetch: { concurrency: 4, timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024, allowedHosts: [] },
};

/** A bad `knowledge` setting. */
export class KnowledgeSettingsError extends Error {
  constructor(message: string) {
    super(`fresh.config.ts → knowledge: ${message}`);
    this.name = "KnowledgeSettingsError";
  }
}

/** Fills in defaults and checks the values a typo would break. */
export function resolveKnowledgeSettings(input: KnowledgeSettingsInput = {}): KnowledgeSettings {
  const d = DEFAULT_KNOWLEDGE_SETTINGS;
  const s: KnowledgeSettings = {
    sources: (input.sources ?? []).map((s) => typeof s === "string" ? sourceFromString(s) : s),
    mode: input.mode ?? d.mode,
    topK: input.topK ?? d.topK,
    maxChars: input.maxChars ?? d.maxChars,
    minSimilarity: input.minSimilarity ?? d.minSimilarity,
    answerOnlyFromSources: input.answerOnlyFromSources ?? d.answerOnlyFromSources,
    language: input.language ?? d.language,
    chunk: { ...d.chunk, ...input.chunk },
    fetch: { ...d.fetch, ...input.fetch },
  };
  if (!["always", "tool", "off"].includes(s.mode)) {
    throw new KnowledgeSettingsError(`mode must be "always", "tool" or "off"`);
  }
  if (!Number.isInteger(s.topK) || s.topK < 1 || s.topK > 50) {
    throw new KnowledgeSettingsError("topK must be a whole number from 1 to 50");
  }
  if (!(s.minSimilarity >= 0 && s.minSimilarity <= 1)) {
    throw new KnowledgeSettingsError("minSimilarity must be between 0 and 1");
  }
  if (!/^[a-z_]+$/.test(s.language)) {
    throw new KnowledgeSettingsError("language must name a text-search configuration");
  }
  if (
    s.chunk.maxChars < 200 || s.chunk.overlapChars < 0 ||
    s.chunk.overlapChars * 2 > s.chunk.maxChars
  ) {
    throw new KnowledgeSettingsError(
      "chunk.maxChars must be at least 200 and chunk.overlapChars at most half of it",
    );
  }
  for (const source of s.sources) {
    if (!source.path === !source.url) {
      throw new KnowledgeSettingsError("each source needs exactly one of path or url");
    }
  }
  return s;
}

function sourceFromString(value: string): KnowledgeSourceSetting {
  return /^https?:\/\//i.test(value) ? { url: value } : { path: value };
}
