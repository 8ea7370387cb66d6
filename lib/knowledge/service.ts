/**
 * The knowledge base as the app uses it, built once at boot: the store (also behind the
 * ingestion endpoint), the search, and what the assistant gets from it — the retrieval step
 * (`mode: "always"`) or the `search_knowledge` tool (`mode: "tool"`) — plus the post-processing
 * that turns the answer's `[n]` markers into annotations.
 * @module
 */
import type { Tool } from "@openai/agents";
import type { AgentContext, PreModelStep } from "../agent/context.ts";
import type { Annotation } from "../chatkit/types.ts";
import type { Config } from "../config.ts";
import type { Sql } from "../db/mod.ts";
import { annotate } from "./citations.ts";
import { EmbeddingClient, resolveEmbeddings } from "./embeddings.ts";
import {
  KnowledgeRetrieval,
  knowledgeTool,
  type PageUrlOf,
  sourcesOfTurn,
  toolModeInstructions,
} from "./retrieval.ts";
import { KnowledgeSearch } from "./search.ts";
import type { KnowledgeSettings } from "./settings.ts";
import { KnowledgeStore } from "./store.ts";

/** The app's knowledge service. */
export interface KnowledgeService {
  settings: KnowledgeSettings;
  store: KnowledgeStore;
  search: KnowledgeSearch;
  /** Pre-model steps for the responder (the retrieval, in `"always"` mode). */
  steps: PreModelStep[];
  /** Agent tools (`search_knowledge`, in `"tool"` mode). */
  tools: Tool[];
  /** Extra agent instructions (in `"tool"` mode). */
  instructions?: string;
  /** The answer's text without markers and its annotations, for the turn of `context`. */
  annotate(context: AgentContext, text: string): { text: string; annotations: Annotation[] };
  /** Set while the app publishes its ingestion endpoint (embedded database only). */
  ingestToken: string | null;
}

/** Builds the service from the environment and the `knowledge` settings. */
export function createKnowledge(
  config: Pick<Config, "embedding" | "llm">,
  settings: KnowledgeSettings,
  sql: Sql,
  options: { pageUrlOf?: PageUrlOf; sideBySide?: boolean } = {},
): KnowledgeService {
  const store = new KnowledgeStore(sql, settings.language);
  const embedding = resolveEmbeddings(config.embedding, config.llm);
  // Questions are embedded one at a time: retry quickly, the turn falls back to full text.
  const embeddings = embedding
    ? new EmbeddingClient(embedding, { maxRetries: 1, backoffMs: 200, timeoutMs: 10_000 })
    : null;
  const search = new KnowledgeSearch(store, settings, embeddings, {
    sideBySide: options.sideBySide,
  });
  return {
    settings,
    store,
    search,
    steps: settings.mode === "always"
      ? [
        new KnowledgeRetrieval(
          search,
          settings,
          options.pageUrlOf ?? ((context) => context.page?.url),
        ),
      ]
      : [],
    tools: settings.mode === "tool" ? [knowledgeTool(search, settings)] : [],
    instructions: settings.mode === "tool" ? toolModeInstructions(settings) : undefined,
    annotate: (context, text) => annotate(text, sourcesOfTurn(context)),
    ingestToken: null,
  };
}
