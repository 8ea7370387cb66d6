/**
 * `deno task bench`'s knowledge phase: what a site's knowledge base costs, on the benchmark's
 * PostgreSQL cluster (with pgvector when it is installed: hybrid search, else full-text only).
 *
 * 1. A database of its own gets the synthetic corpus (100 000 chunks; 10 000 with `--quick`)
 *    through the ingest's write path, vectors made in-process: ingestion throughput in chunks/s
 *    with no embedding wait.
 * 2. The searches a turn runs, timed in this process on a connection set up as the app's
 *    (`lib/db/mod.ts`), vectors made in-process: the searches' own p50/p99, which the target
 *    "p50 ≤ 5 ms at 100 000 chunks" is about; and planted-question recall@5, so that speed is
 *    not bought with quality.
 * 3. A second app (production mode) on that database, with `EMBEDDING_MODEL` set and the fake
 *    model's `/embeddings`, answers sequential turns interleaved with the benchmark's main app
 *    (same cluster, no knowledge base): the added time to first token with knowledge, p50/p99,
 *    beside the fake's own embeddings call (the provider's share of it).
 * @module
 */
import { openDatabase } from "../lib/db/mod.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../lib/db/migrate.ts";
import { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { createDatabase } from "../tests/support/postgres_server.ts";
import { CORPUS_MODEL, CorpusRandom } from "./knowledge_corpus.ts";
import {
  type IngestReport,
  loadCorpus,
  localEmbeddings,
  plantedRecall,
  type SearchTimes,
  timeSearches,
} from "./knowledge_load.ts";
import { CHATKIT_FRAMES, streamTurn } from "./load.ts";
import type { Service } from "./procs.ts";
import { fmt, ms, summarize, type Summary } from "./stats.ts";

/** Sizes of the phase. */
export interface KnowledgeMode {
  chunks: number;
  searches: number;
  recallQuestions: number;
  ttftSamples: number;
  ttftWarmup: number;
}

export const KNOWLEDGE_MODES: Record<"quick" | "full", KnowledgeMode> = {
  quick: { chunks: 10_000, searches: 50, recallQuestions: 50, ttftSamples: 30, ttftWarmup: 8 },
  full: { chunks: 100_000, searches: 200, recallQuestions: 200, ttftSamples: 100, ttftWarmup: 20 },
};

/** The target's corpus size and time. */
export const KNOWLEDGE_TARGET = { chunks: 100_000, searchP50: 5 };

/** What the phase needs from the benchmark's stack. */
export interface KnowledgeStack {
  adminUrl: string;
  fakeUrl: string;
  /** The main app (no knowledge base), for the interleaved turns. */
  appUrl: string;
  cookie: string;
  /** Seeds one titled thread per owner in the main app's database. */
  seedMainThreads(owners: string[]): Promise<string[]>;
  owner: string;
  /** Starts an app in production mode with these extra environment variables. */
  startApp(name: string, env: Record<string, string>): Promise<{ service: Service; url: string }>;
  progress(message: string): void;
}

export interface KnowledgeReport {
  database: "PostgreSQL";
  ingest: IngestReport;
  search: SearchTimes;
  recall: Partial<Record<"fulltext" | "hybrid", number>>;
  ttft: {
    without: Summary;
    with: Summary;
    addedP50: number;
    addedP99: number;
    /** The fake's `/v1/embeddings` for one question, called directly. */
    embeddingsCall: Summary;
    errors: number;
    firstError?: string;
  };
}

function userInput(text: string) {
  return { content: [{ type: "input_text", text }], attachments: [], inference_options: {} };
}

function turn(url: string, cookie: string, threadId: string, text: string) {
  return streamTurn(
    `${url}/chatkit`,
    JSON.stringify({
      type: "threads.add_user_message",
      params: { thread_id: threadId, input: userInput(text) },
    }),
    CHATKIT_FRAMES,
    { headers: { cookie } },
  );
}

async function embeddingsCall(fakeUrl: string, text: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${fakeUrl}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: CORPUS_MODEL, input: [text], encoding_format: "float" }),
  });
  await res.arrayBuffer();
  return performance.now() - t0;
}

/** Runs the phase (the caller configures the fake's reply first). */
export async function phaseKnowledge(
  s: KnowledgeStack,
  mode: KnowledgeMode,
): Promise<KnowledgeReport> {
  const url = await createDatabase(s.adminUrl, "chatkit_bench_knowledge");
  // The app's own connection settings (plans made with each statement's values).
  const db = await openDatabase({
    databaseUrl: url,
    dataDir: "",
    databasePoolSize: DEFAULT_KNOWLEDGE_SETTINGS.fetch.concurrency,
    databaseCaCert: undefined,
  });
  let app: { service: Service; url: string } | undefined;
  try {
    await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
    s.progress(`5/5 knowledge: ingesting ${mode.chunks} chunks (vectors made in-process)`);
    let last = 0;
    const ingest = await loadCorpus(db.sql, mode.chunks, {
      onProgress: (done) => {
        if (done - last >= mode.chunks / 5) {
          last = done;
          s.progress(`  ingested ${done}/${mode.chunks} chunks`);
        }
      },
    });
    const store = new KnowledgeStore(db.sql);
    // As the app searches on a server (lib/services.ts): the two rankings side by side.
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, localEmbeddings, {
      sideBySide: true,
    });
    const methods = ingest.vectors ? ["fulltext", "hybrid"] as const : ["fulltext"] as const;
    s.progress(`  timing ${mode.searches} searches per method (${methods.join(", ")})`);
    const times = await timeSearches(search, mode.searches, [...methods]);
    const recall = await plantedRecall(db.sql, search, mode.recallQuestions, [...methods]);

    s.progress("  starting an app on the knowledge base (EMBEDDING_MODEL, fake /embeddings)");
    app = await s.startApp("knowledge app", {
      DATABASE_URL: url,
      EMBEDDING_MODEL: CORPUS_MODEL,
    });
    const threads = Array.from(
      { length: 10 },
      () => `thr_${crypto.randomUUID().replaceAll("-", "")}`,
    );
    await db.sql`
      insert into threads (id, owner_id, title)
      select id, ${s.owner}, 'Benchmark conversation' from unnest(${threads}::text[]) as t(id)`;
    const mainThreads = await s.seedMainThreads(Array(10).fill(s.owner));
    const random = new CorpusRandom(11);
    const without: number[] = [];
    const withKnowledge: number[] = [];
    const embeddings: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    s.progress(`  ${mode.ttftWarmup + mode.ttftSamples} turns each, interleaved`);
    for (let i = 0; i < mode.ttftWarmup + mode.ttftSamples; i++) {
      // Each thread gets several turns: from its second one, retrieval also searches with
      // the previous question (follow-ups), as it does in a real conversation.
      const question = random.question();
      const a = await turn(s.appUrl, s.cookie, mainThreads[i % 10], question);
      const k = await turn(app.url, s.cookie, threads[i % 10], question);
      const e = await embeddingsCall(s.fakeUrl, question);
      if (!a.ok || !k.ok) {
        errors++;
        firstError ??= a.error ?? k.error;
      }
      if (i < mode.ttftWarmup) continue;
      if (a.ok) without.push(a.firstDelta);
      if (k.ok) withKnowledge.push(k.firstDelta);
      embeddings.push(e);
    }
    const sw = summarize(without);
    const sk = summarize(withKnowledge);
    return {
      database: "PostgreSQL",
      ingest,
      search: times,
      recall,
      ttft: {
        without: sw,
        with: sk,
        addedP50: sk.p50 - sw.p50,
        addedP99: sk.p99 - sw.p99,
        embeddingsCall: summarize(embeddings),
        errors,
        firstError,
      },
    };
  } finally {
    await app?.service.stop();
    await db.close();
  }
}

/** The phase's section of the Markdown report. */
export function knowledgeMarkdown(r: KnowledgeReport, scaled: boolean): string {
  const lines: string[] = [];
  const add = (x = "") => lines.push(x);
  const i = r.ingest;
  add(
    `### 5. Knowledge base: ${i.chunks} chunks${scaled ? " (quick: scaled down)" : ""}, ${
      i.vectors ? "pgvector (256-dimension HNSW): hybrid search" : "no pgvector: full-text only"
    }`,
  );
  add();
  add(
    `Ingestion (the ingest's write path, ${i.writers} documents at a time, vectors made ` +
      `in-process: no embedding wait): **${fmt(i.chunksPerSecond, 0)} chunks/s** ` +
      `(${fmt(i.seconds, 1)} s; word counts and statistics after the sync ${ms(i.analyzeMs)}).`,
  );
  add();
  add(
    "| search (one turn's, in-process, no provider call) | queries | p50 | p90 | p99 | max | planted recall@5 |",
  );
  add("|---|---:|---:|---:|---:|---:|---:|");
  for (const method of ["fulltext", "hybrid"] as const) {
    const x = r.search[method];
    if (!x) continue;
    add(
      `| ${method === "hybrid" ? "hybrid (vector + full-text, RRF)" : "full-text"} | ${x.n} | ${
        ms(x.p50)
      } | ${ms(x.p90)} | ${ms(x.p99)} | ${ms(x.max)} | ${fmt(r.recall[method], 2)} |`,
    );
  }
  add();
  const t = r.ttft;
  add(
    `Time to first token through the app, ${t.with.n} sequential turns interleaved (10 threads, ` +
      "so most turns are follow-ups and search twice):",
  );
  add();
  add("| path | p50 | p90 | p99 |");
  add("|---|---:|---:|---:|");
  add(
    `| app, no knowledge base | ${ms(t.without.p50)} | ${ms(t.without.p90)} | ${
      ms(t.without.p99)
    } |`,
  );
  add(
    `| app with the knowledge base (retrieval every turn) | ${ms(t.with.p50)} | ${
      ms(t.with.p90)
    } | ${ms(t.with.p99)} |`,
  );
  add(`| **added by knowledge** | **${ms(t.addedP50)}** | | **${ms(t.addedP99)}** |`);
  add(
    `| … of which the provider's: one \`/v1/embeddings\` call to the fake, direct | ${
      ms(t.embeddingsCall.p50)
    } | ${ms(t.embeddingsCall.p90)} | ${ms(t.embeddingsCall.p99)} |`,
  );
  if (t.errors) add(`\n${t.errors} turns failed; first: ${t.firstError}`);
  add();
  return lines.join("\n");
}

/** The phase's target, for the met/not list. */
export function knowledgeTarget(r: KnowledgeReport, scaled: boolean) {
  const p50s = Object.entries(r.search).map(([m, x]) => `${m} ${ms(x.p50)}`);
  const worst = Math.max(...Object.values(r.search).map((x) => x.p50));
  return {
    name: `knowledge search p50 ≤ ${KNOWLEDGE_TARGET.searchP50} ms at ${r.ingest.chunks} chunks${
      scaled ? ` (quick: scaled down from ${KNOWLEDGE_TARGET.chunks})` : ""
    }`,
    value: `${p50s.join(", ")}; added TTFT p50 ${ms(r.ttft.addedP50)} / p99 ${ms(r.ttft.addedP99)}`,
    met: worst <= KNOWLEDGE_TARGET.searchP50 && r.ttft.errors === 0,
  };
}
