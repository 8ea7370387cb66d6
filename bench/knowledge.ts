/**
 * `deno run -A bench/knowledge.ts [--quick]` (not part of `deno task bench` yet): the knowledge base's costs at scale, on the embedded
 * database (or DATABASE_URL): ingestion throughput in chunks/s with the vectors already computed
 * (no embedding wait: what the database and chunk writes cost), and retrieval latency — the time
 * the knowledge step adds before the model call — p50/p99 for full-text and hybrid search over
 * 100 000 chunks (10 000 with --quick). Vectors are the test fake's hashed word counts
 * (256 dimensions), computed in-process so the provider's latency is left out.
 * @module
 */
import postgres from "postgres";
import { startEmbeddedPostgres } from "../lib/db/embedded.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../lib/db/migrate.ts";
import type { EmbeddingClient } from "../lib/knowledge/embeddings.ts";
import { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { embeddingInput } from "../lib/knowledge/sync.ts";
import type { Chunk } from "../lib/knowledge/types.ts";
import { FAKE_EMBEDDING_DIMENSIONS, fakeEmbedding } from "../tests/support/fake_openai.ts";
import { fmt, summarize } from "./stats.ts";

const QUICK = Deno.args.includes("--quick");
const CHUNKS = QUICK ? 10_000 : 100_000;
const PER_DOCUMENT = 50;
const QUERIES = QUICK ? 50 : 200;
const MODEL = "bench-embedding";

// A vocabulary with a long tail, so that full-text matches range from common to rare words.
const WORDS = Array.from({ length: 5000 }, (_, i) => {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  let w = "";
  for (let n = i + 26 * 26; n > 0; n = Math.floor(n / 26)) w += letters[n % 26];
  return w;
});

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
/** A Zipf-like pick: low ranks are much more common. */
const word = () => WORDS[Math.floor(WORDS.length * random() ** 3)];
const sentence = (n: number) => Array.from({ length: n }, word).join(" ") + ".";

/** A fake embeddings client that computes the fake's vectors locally (no HTTP). */
const localEmbeddings = {
  config: { model: MODEL, baseUrl: "local", apiKey: "" },
  requests: 0,
  embed: (texts: string[]) => Promise.resolve(texts.map((t) => fakeEmbedding(t))),
} as unknown as EmbeddingClient;

async function main() {
  const url = Deno.env.get("DATABASE_URL");
  const embedded = url ? null : await startEmbeddedPostgres();
  const sql = url
    ? postgres(url, { max: 4, onnotice: () => {} })
    : postgres({ ...embedded!.client, max: 1, onnotice: () => {} });
  try {
    await runMigrations(sql, await readMigrations(MIGRATIONS_DIR));
    await sql`truncate knowledge_sources cascade`;
    const store = new KnowledgeStore(sql);
    const vectors = await store.vectorsAvailable();
    if (vectors) await store.prepareVectors(MODEL, FAKE_EMBEDDING_DIMENSIONS);
    await store.upsertSource("bench", "folder");

    // Ingestion: documents of PER_DOCUMENT chunks, replaced one transaction each.
    const documents = CHUNKS / PER_DOCUMENT;
    let writeMs = 0;
    const started = performance.now();
    for (let d = 0; d < documents; d++) {
      const chunks: Chunk[] = Array.from({ length: PER_DOCUMENT }, (_, ord) => ({
        ord,
        headingPath: `Document ${d} › Section ${ord}`,
        url: `https://bench.example/doc-${d}#s-${ord}`,
        text: Array.from({ length: 6 }, () => sentence(12)).join(" "),
      }));
      const embedded = vectors
        ? await localEmbeddings.embed(chunks.map(embeddingInput))
        : undefined;
      const t0 = performance.now();
      await store.replaceDocument(
        "bench",
        {
          locator: `doc-${d}.md`,
          url: `https://bench.example/doc-${d}`,
          title: `Document ${d}`,
          contentHash: String(d),
          chunks,
        },
        vectors ? `${MODEL}@${FAKE_EMBEDDING_DIMENSIONS}` : "",
        embedded,
      );
      writeMs += performance.now() - t0;
      if (d % 200 === 199) {
        console.error(`ingested ${(d + 1) * PER_DOCUMENT}/${CHUNKS} chunks`);
      }
    }
    const totalMs = performance.now() - started;

    // Retrieval: questions of 6–10 words drawn from the same vocabulary.
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, localEmbeddings);
    const rows: string[][] = [];
    for (const method of vectors ? ["fulltext", "hybrid"] as const : ["fulltext"] as const) {
      const samples: number[] = [];
      for (let q = 0; q < QUERIES + 10; q++) {
        const question = sentence(6 + Math.floor(random() * 5));
        const t0 = performance.now();
        await search.search(question, { method });
        if (q >= 10) samples.push(performance.now() - t0);
      }
      const s = summarize(samples);
      rows.push([method, String(s.n), fmt(s.p50), fmt(s.p99), fmt(s.max)]);
    }
    console.log(
      `\n## Knowledge base (${url ? "PostgreSQL" : "embedded PGlite"}, ${CHUNKS} chunks${
        vectors ? `, ${FAKE_EMBEDDING_DIMENSIONS}-dimension HNSW` : ", no pgvector"
      })\n`,
    );
    console.log(
      `Ingestion: ${fmt(CHUNKS / (writeMs / 1000))} chunks/s written ` +
        `(${
          fmt(CHUNKS / (totalMs / 1000))
        } chunks/s including text generation and local vectors)\n`,
    );
    console.log("| search | queries | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- | --- |");
    for (const r of rows) console.log(`| ${r.join(" | ")} |`);
    console.log(
      "\nRetrieval runs before the model call, concurrently with reading the history: " +
        "its p50/p99 is what it adds to the time to first token (plus the provider's embedding " +
        "call in hybrid mode, not measured here).",
    );
  } finally {
    await sql.end();
    await embedded?.close();
  }
}

await main();
