/**
 * `deno run -A bench/knowledge.ts [--quick] [--chunks=N]`: the knowledge base's costs on the
 * embedded database (PGlite), or on DATABASE_URL (its knowledge base is replaced: use a
 * throwaway database). `deno task bench` measures the same on its PostgreSQL cluster, and the
 * time to first token through the app (bench/knowledge_phase.ts); this script is for the
 * embedded case, which that run does not load (PGlite ingests about 3× slower).
 * Reports ingestion throughput in chunks/s with the vectors made in-process (no embedding
 * wait), the searches' own p50/p99 (full-text and hybrid) and planted-question recall@5 over
 * 100 000 chunks (10 000 with --quick).
 * @module
 */
import postgres from "postgres";
import { startEmbeddedPostgres } from "../lib/db/embedded.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../lib/db/migrate.ts";
import { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { loadCorpus, localEmbeddings, plantedRecall, timeSearches } from "./knowledge_load.ts";
import { loadAverage } from "./procs.ts";
import { fmt } from "./stats.ts";

const QUICK = Deno.args.includes("--quick");
const given = Deno.args.find((a) => a.startsWith("--chunks="));
const CHUNKS = given ? Number(given.split("=")[1]) : QUICK ? 10_000 : 100_000;
const QUERIES = QUICK ? 50 : 200;

async function main() {
  const load = loadAverage();
  const url = Deno.env.get("DATABASE_URL");
  const embedded = url ? null : await startEmbeddedPostgres();
  // As the app connects (lib/db/mod.ts): every statement planned with its values.
  const options = {
    onnotice: () => {},
    connection: { plan_cache_mode: "force_custom_plan" },
  };
  const sql = url
    ? postgres(url, { ...options, max: 4 })
    : postgres({ ...embedded!.client, ...options, max: 1 });
  try {
    await runMigrations(sql, await readMigrations(MIGRATIONS_DIR));
    const ingest = await loadCorpus(sql, CHUNKS, {
      // One connection to PGlite: its writes are serialised anyway.
      writers: url ? undefined : 1,
      onProgress: (done) => {
        if (done % 10_000 === 0) console.error(`ingested ${done}/${CHUNKS} chunks`);
      },
    });
    const store = new KnowledgeStore(sql);
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, localEmbeddings, {
      sideBySide: Boolean(url), // as the app: side by side on a server, one statement embedded
    });
    const methods = ingest.vectors ? ["fulltext", "hybrid"] as const : ["fulltext"] as const;
    const times = await timeSearches(search, QUERIES, [...methods]);
    const recall = await plantedRecall(sql, search, QUERIES, [...methods]);
    console.log(
      `\n## Knowledge base (${url ? "PostgreSQL" : "embedded PGlite"}, ${ingest.chunks} chunks${
        ingest.vectors ? ", 256-dimension HNSW" : ", no pgvector"
      }; load average ${fmt(load, 2)} → ${fmt(loadAverage(), 2)})\n`,
    );
    console.log(
      `Ingestion: ${fmt(ingest.chunksPerSecond)} chunks/s written by ${ingest.writers} ` +
        `writer(s); word counts and statistics after the sync ${fmt(ingest.analyzeMs, 0)} ms\n`,
    );
    console.log(
      "| search | queries | p50 ms | p99 ms | max ms | planted recall@5 |\n" +
        "| --- | --- | --- | --- | --- | --- |",
    );
    for (const method of methods) {
      const s = times[method]!;
      console.log(
        `| ${method} | ${s.n} | ${fmt(s.p50, 2)} | ${fmt(s.p99, 2)} | ${fmt(s.max, 2)} | ${
          fmt(recall[method], 2)
        } |`,
      );
    }
  } finally {
    await sql.end();
    await embedded?.close();
  }
}

await main();
