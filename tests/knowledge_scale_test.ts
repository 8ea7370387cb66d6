/**
 * Retrieval on a knowledge base beyond a few thousand chunks (issues 11, 16): full-text search
 * scores only the passages with at least two of the question's rarest words, not every passage
 * with any of its words (what made search take tens of milliseconds at 100 000 chunks; the
 * timing itself is `deno task bench`'s), and still finds the passage the question is about.
 */
import { equal, ok } from "node:assert/strict";
import { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { corpusDocument, CorpusRandom, PER_DOCUMENT } from "../bench/knowledge_corpus.ts";
import { knowledgeTest } from "./support/knowledge.ts";

/** Above the size up to which every matching passage is scored (search.ts SMALL_BASE). */
const CHUNKS = 3000;

type PlanNode = {
  "Sort Key"?: string[];
  "Actual Rows"?: number;
  Plans?: PlanNode[];
};

/** Rows that reached a sort by ts_rank (what was scored), from an EXPLAIN ANALYZE plan. */
function scoredRows(node: PlanNode): number {
  const own = node["Sort Key"]?.some((k) => k.includes("ts_rank"))
    ? (node.Plans ?? []).reduce((n, p) => n + (p["Actual Rows"] ?? 0), 0)
    : 0;
  return own + (node.Plans ?? []).reduce((n, p) => n + scoredRows(p), 0);
}

knowledgeTest(
  "search - on a large knowledge base only passages with two of the question's rarest words are scored, and the right one is found",
  async (db) => {
    const store = new KnowledgeStore(db.sql);
    await store.upsertSource("corpus", "folder");
    const random = new CorpusRandom();
    for (let d = 0; d < CHUNKS / PER_DOCUMENT; d++) {
      await store.replaceDocument("corpus", corpusDocument(d, random), "");
    }
    await store.analyze();
    // A question of five words of one passage and one it lacks, all in 3–7 % of the passages
    // (rare enough to rank, common enough that many passages have one of them).
    const df = async (word: string) => {
      const [row] = await db.sql<{ n: number }[]>`
        select coalesce(max(chunks), 0)::int as n from knowledge_terms
        where lexeme = any(tsvector_to_array(to_tsvector('english', ${word})))`;
      return row.n;
    };
    const fits = (n: number) => n >= CHUNKS * 0.03 && n < CHUNKS * 0.05;
    let target: { id: string; words: string[] } | undefined;
    for (let offset = 0; !target && offset < 200; offset++) {
      const [row] = await db.sql<{ id: string; text: string }[]>`
        select id::text, text from knowledge_chunks order by id offset ${offset * 7} limit 1`;
      const words: string[] = [];
      for (const w of new Set(row.text.replace(/\./g, "").split(" "))) {
        if (words.length < 5 && fits(await df(w))) words.push(w);
      }
      if (words.length === 5) target = { id: row.id, words };
    }
    ok(target, "a passage with five such words");
    let noise = random.word();
    while (target.words.includes(noise) || !fits(await df(noise))) noise = random.word();
    const question = [...target.words, noise].join(" ");

    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, null);
    let statement: [string, unknown[]] | undefined;
    const options = (db.sql as unknown as { options: { debug?: unknown } }).options;
    options.debug = (_: number, query: string, params: unknown[]) => {
      if (/\bfts as\b/.test(query)) statement = [query, params];
    };
    let found;
    try {
      found = await search.search(question, { method: "fulltext" });
    } finally {
      options.debug = undefined;
    }
    equal(found.passages[0]?.chunkId, target.id, `"${question}" finds its passage first`);

    ok(statement, "the search statement was seen");
    const [{ "QUERY PLAN": plan }] = await db.sql.unsafe(
      `explain (analyze, format json) ${statement[0]}`,
      statement[1] as never[],
    );
    const scored = scoredRows((plan as { Plan: PlanNode }[])[0].Plan);
    // What scoring every passage with any ranking word of the question would score.
    const [{ any }] = await db.sql<{ any: number }[]>`
      select count(*)::int as any from knowledge_chunks c, (
        select string_agg(quote_literal(t.lexeme), ' | ')::tsquery as q
        from unnest(tsvector_to_array(to_tsvector('english', ${question}))) w(l)
        join knowledge_terms t on t.lexeme = w.l
        where t.chunks < greatest(200, ${CHUNKS} * 0.05)
      ) q where c.tsv @@ q.q`;
    ok(scored > 0, "passages were scored");
    ok(scored * 4 < any, `scored ${scored} passages of the ${any} with any of the words`);
  },
);
