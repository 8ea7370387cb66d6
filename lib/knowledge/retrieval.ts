/**
 * Knowledge in a turn. In `"always"` mode a pre-model step searches the knowledge base with the
 * user's message — and, for follow-ups ("and how do I reset it?"), with the previous question
 * too, the two rankings fused — and hands the passages to the model as numbered sources with
 * instructions to cite them as `[n]`. In `"tool"` mode the same search is a `search_knowledge`
 * tool instead. Either way the passages given are remembered for the turn (keyed by its agent
 * context), so the answer's markers can become annotations (`citations.ts`).
 * No documents ingested → nothing is added and the assistant behaves as without knowledge.
 * @module
 */
import { type AgentInputItem, tool } from "@openai/agents";
import { z } from "zod";
import type { UserMessageItem } from "../chatkit/types.ts";
import type { AgentContext, PreModelResult, PreModelStep } from "../agent/context.ts";
import { userMessageText } from "../agent/input.ts";
import { type KnowledgeSearch, type Passage, RRF_K } from "./search.ts";
import type { KnowledgeSettings } from "./settings.ts";

/** The passages given to the model in one turn, in source-number order. */
const turnPassages = new WeakMap<object, Passage[]>();

/** The sources of a turn (numbered from 1 in this order), for annotations. */
export function sourcesOfTurn(context: object): Passage[] {
  return turnPassages.get(context) ?? [];
}

/** Adds passages to a turn's sources; returns the number of the first one added. */
function remember(context: object, passages: Passage[]): Passage[] {
  const list = turnPassages.get(context) ?? [];
  const numbered: Passage[] = [];
  for (const p of passages) {
    // The same passage found twice keeps its first number.
    if (!list.some((q) => q.chunkId === p.chunkId)) list.push(p);
    numbered.push(p);
  }
  turnPassages.set(context, list);
  return numbered;
}

/** How a passage is shown to the model. */
export function formatSources(passages: Passage[], all: Passage[]): string {
  return passages.map((p) => {
    const n = all.findIndex((q) => q.chunkId === p.chunkId) + 1;
    return `SOURCE [${n}] (${p.headingPath}) ${p.url}\n${p.text}`;
  }).join("\n\n");
}

/** The instructions that come with the sources. */
export function sourcesInstructions(
  passages: Passage[],
  all: Passage[],
  settings: Pick<KnowledgeSettings, "answerOnlyFromSources">,
): string {
  if (!passages.length) {
    return settings.answerOnlyFromSources
      ? "Nothing in this site's documentation matches the user's question. Say that you do not " +
        "know or that the documentation does not cover it, and do not answer from general " +
        "knowledge. Files the user attached to the conversation may still be used."
      : "Nothing in this site's documentation matches the user's question; answer from general " +
        "knowledge and say that the documentation does not cover it.";
  }
  const rule = settings.answerOnlyFromSources
    ? "Answer only from these sources (and from files the user attached to the conversation). " +
      "If they do not contain the answer, say that you do not know; do not guess or use " +
      "general knowledge."
    : "Prefer these sources; when they do not cover the question you may use general " +
      "knowledge, and say so.";
  return "The following numbered sources come from this site's documentation. " + rule +
    " Cite the sources you use by their number in square brackets right after the sentence, " +
    "like [1] or [2][3]. Do not list the sources at the end; they are shown to the user.\n\n" +
    formatSources(passages, all);
}

/** Optional hook: the URL of the page the user is on (embedded widget), for ranking. */
export type PageUrlOf = (
  context: AgentContext,
  input: UserMessageItem | null,
) => string | undefined;

/** The pre-model step of `"always"` mode. */
export class KnowledgeRetrieval implements PreModelStep {
  readonly name = "knowledge";

  constructor(
    readonly search: KnowledgeSearch,
    readonly settings: Pick<KnowledgeSettings, "answerOnlyFromSources" | "topK">,
    readonly pageUrlOf?: PageUrlOf,
  ) {}

  async run(
    context: AgentContext,
    input: UserMessageItem | null,
  ): Promise<PreModelResult | undefined> {
    if (!input) return undefined;
    const question = userMessageText(input).trim();
    if (!question) return undefined;
    let passages: Passage[];
    try {
      // Nothing ingested (a new site, or knowledge not used): one cheap check, no searches.
      if (!await this.search.mayHaveDocuments()) return undefined;
      const pageUrl = this.pageUrlOf?.(context, input);
      // The previous question is read while the question alone is searched.
      const previous = previousQuestion(context, input);
      previous.catch(() => {}); // awaited in find (a failed alone-search may end it first)
      passages = await this.find(question, previous, pageUrl, context.signal);
      if (!passages.length && !await this.search.hasDocuments()) return undefined;
    } catch (error) {
      if (context.signal.aborted) throw error;
      // A failed search must not fail the turn: the model answers without sources.
      context.log.warn("knowledge: retrieval failed", { error });
      return undefined;
    }
    const numbered = remember(context, passages);
    const text = sourcesInstructions(numbered, sourcesOfTurn(context), this.settings);
    context.log.debug("knowledge: retrieved", { passages: passages.length });
    return { input: [{ role: "system", content: text } as AgentInputItem] };
  }

  /**
   * The question alone, and with the previous question when there is one, fused by rank: a
   * follow-up finds what its topic needs, a new topic is not drowned by the old one.
   */
  async find(
    question: string,
    previous: string | undefined | Promise<string | undefined>,
    pageUrl?: string,
    signal?: AbortSignal,
  ) {
    const options = { pageUrl, signal };
    const [alone, together] = await Promise.all([
      this.search.search(question, options),
      Promise.resolve(previous).then((p) =>
        p ? this.search.search(`${p}\n${question}`, options) : null
      ),
    ]);
    if (!together) return alone.passages;
    return fuse([alone.passages, together.passages], this.settings.topK, pageUrl);
  }
}

/** Reciprocal rank fusion of several passage lists (the page's passages kept first). */
export function fuse(lists: Passage[][], topK: number, pageUrl?: string): Passage[] {
  const scores = new Map<string, { p: Passage; score: number }>();
  for (const list of lists) {
    list.forEach((p, rank) => {
      const entry = scores.get(p.chunkId) ?? { p, score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      scores.set(p.chunkId, entry);
    });
  }
  const page = pageUrl?.replace(/#.*$/, "").replace(/\/+$/, "");
  const onPage = (p: Passage) => page !== undefined && p.documentUrl.replace(/\/+$/, "") === page;
  return [...scores.values()]
    .sort((a, b) => Number(onPage(b.p)) - Number(onPage(a.p)) || b.score - a.score)
    .slice(0, topK)
    .map((e) => e.p);
}

/** The user's previous message in the thread (before `input`), when there is one. */
async function previousQuestion(context: AgentContext, input: UserMessageItem) {
  const page = await context.history.loadThreadItems(context.threadId, undefined, 8, "desc");
  const earlier = page.data.filter((item) => item.id !== input.id);
  const user = earlier.find((item) => item.type === "user_message") as UserMessageItem | undefined;
  const text = user ? userMessageText(user).trim() : "";
  return text ? text.slice(0, 1000) : undefined;
}

/** The `search_knowledge` tool of `"tool"` mode. */
export function knowledgeTool(
  search: KnowledgeSearch,
  settings: Pick<KnowledgeSettings, "answerOnlyFromSources">,
) {
  return tool({
    name: "search_knowledge",
    description: "Search this site's documentation. Returns numbered sources; cite the ones you " +
      "use as [n] right after the sentence.",
    parameters: z.object({ query: z.string().describe("What to look for, in the user's words") }),
    execute: async ({ query }, runContext) => {
      const context = (runContext as { context: AgentContext } | undefined)?.context;
      const { passages } = await search.search(query, { signal: context?.signal });
      if (!context) return formatSources(passages, passages) || "No matching documentation.";
      const numbered = remember(context, passages);
      return sourcesInstructions(numbered, sourcesOfTurn(context), settings);
    },
  });
}

/** The instructions added in `"tool"` mode. */
export function toolModeInstructions(settings: Pick<KnowledgeSettings, "answerOnlyFromSources">) {
  return "Use the search_knowledge tool to look up this site's documentation before answering " +
    "questions about it, and cite what you use as [n]." +
    (settings.answerOnlyFromSources
      ? " If the documentation does not contain the answer, say that you do not know."
      : "");
}
