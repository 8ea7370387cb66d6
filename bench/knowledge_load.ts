/**
 * The knowledge benchmarks' measurements on one database: ingesting the synthetic corpus
 * (bench/knowledge_corpus.ts) through the ingest's own write path with the vectors already made
 * (no embedding wait: what the database and the chunk writes cost), timing the searches the
 * app runs per turn, and a planted-question recall check that shows whether faster search lost
 * quality. Used by `deno task bench` (bench/knowledge_phase.ts) and bench/knowledge.ts.
 * @module
 */
import type { Sql } from "../lib/db/mod.ts";
import type { EmbeddingClient } from "../lib/knowledge/embeddings.ts";
import type { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { embeddingInput } from "../lib/knowledge/sync.ts";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../tests/support/fake_openai.ts";
import { CORPUS_MODEL, corpusDocument, CorpusRandom, PER_DOCUMENT } from "./knowledge_corpus.ts";
import { summarize, type Summary } from "./stats.ts";

/** Vectors computed in-process (the fake's), so no provider latency is measured. */
export const localEmbeddings = {
  config: { model: CORPUS_MODEL, baseUrl: "local", apiKey: "" },
  embed: (texts: string[]) => Promise.resolve(texts.map((t) => fakeEmbedding(t))),
} as unknown as EmbeddingClient;

/** What loading the corpus cost. */
export interface IngestReport {
  chunks: number;
  documents: number;
  /** Writers at once (the ingest's own concurrency, `knowledge.fetch.concurrency`). */
  writers: number;
  /** Whether the chunks carry vectors (pgvector present) and so feed the HNSW index. */
  vectors: boolean;
  seconds: number;
  chunksPerSecond: number;
  /** `KnowledgeStore.analyze` (word counts and planner statistics), run once after a sync. */
  analyzeMs: number;
}

/**
 * Replaces the database's knowledge base with `chunks` chunks of the corpus, `writers`
 * documents at a time (each in its own transaction, as `deno task ingest` writes them).
 */
export async function loadCorpus(
  sql: Sql,
  chunks: number,
  options: { writers?: number; onProgress?: (done: number) => void } = {},
): Promise<IngestReport> {
  const writers = options.writers ?? DEFAULT_KNOWLEDGE_SETTINGS.fetch.concurrency;
  await sql`truncate knowledge_sources cascade`;
  const store = new KnowledgeStore(sql);
  const vectors = await store.vectorsAvailable();
  if (vectors) await store.prepareVectors(CORPUS_MODEL, FAKE_EMBEDDING_DIMENSIONS);
  await store.upsertSource("bench", "folder");
  const random = new CorpusRandom();
  const documents = Math.ceil(chunks / PER_DOCUMENT);
  // The texts and vectors are made first: their time is not the database's.
  const prepared = Array.from({ length: documents }, (_, d) => {
    const doc = corpusDocument(d, random);
    return {
      doc,
      vectors: vectors ? doc.chunks.map((c) => fakeEmbedding(embeddingInput(c))) : undefined,
    };
  });
  const key = vectors ? `${CORPUS_MODEL}@${FAKE_EMBEDDING_DIMENSIONS}` : "";
  let next = 0;
  let done = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (next < documents) {
      const { doc, vectors } = prepared[next++];
      await store.replaceDocument("bench", doc, key, vectors);
      done += doc.chunks.length;
      options.onProgress?.(done);
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const t0 = performance.now();
  await store.analyze();
  return {
    chunks: documents * PER_DOCUMENT,
    documents,
    writers,
    vectors,
    seconds,
    chunksPerSecond: documents * PER_DOCUMENT / seconds,
    analyzeMs: performance.now() - t0,
  };
}

/** Per search method: the time of one search (statement and round trips, no provider call). */
export type SearchTimes = Partial<Record<"fulltext" | "hybrid", Summary>>;

/** Times `queries` corpus questions per method, sequentially, after 10 unmeasured ones. */
export async function timeSearches(
  search: KnowledgeSearch,
  queries: number,
  methods: ("fulltext" | "hybrid")[],
): Promise<SearchTimes> {
  const out: SearchTimes = {};
  for (const method of methods) {
    const random = new CorpusRandom(7);
    const samples: number[] = [];
    for (let q = 0; q < queries + 10; q++) {
      const question = random.question();
      const t0 = performance.now();
      await search.search(question, { method });
      if (q >= 10) samples.push(performance.now() - t0);
    }
    out[method] = summarize(samples);
  }
  return out;
}

/**
 * Recall@5 of planted questions: four distinct words of a random chunk plus two random words
 * of the vocabulary (as a user's question has words the passage lacks); the planted chunk is
 * the right answer. Measures whether a change to search kept its quality at scale.
 */
export async function plantedRecall(
  sql: Sql,
  search: KnowledgeSearch,
  questions: number,
  methods: ("fulltext" | "hybrid")[],
): Promise<Partial<Record<"fulltext" | "hybrid", number>>> {
  const random = new CorpusRandom(99);
  const [range] = await sql<{ min: number; max: number }[]>`
    select min(id)::float8 as min, max(id)::float8 as max from knowledge_chunks`;
  const planted: { id: string; question: string }[] = [];
  for (let tries = 0; planted.length < questions && tries < questions * 10; tries++) {
    const id = range.min + Math.floor(random.next() * (range.max - range.min + 1));
    const [row] = await sql<{ id: string; text: string }[]>`
      select id::text, text from knowledge_chunks where id = ${id}`;
    if (!row) continue;
    const words = [...new Set(row.text.replace(/\./g, "").split(" "))];
    const pick = Array.from({ length: 4 }, () => words[Math.floor(random.next() * words.length)]);
    planted.push({ id: row.id, question: [...pick, random.word(), random.word()].join(" ") });
  }
  const out: Partial<Record<"fulltext" | "hybrid", number>> = {};
  for (const method of methods) {
    let hits = 0;
    for (const p of planted) {
      const { passages } = await search.search(p.question, { method });
      if (passages.some((x) => x.chunkId === p.id)) hits++;
    }
    out[method] = planted.length ? hits / planted.length : NaN;
  }
  return out;
}
