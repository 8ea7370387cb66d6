/**
 * Hybrid retrieval over the knowledge base: a full-text ranking (Postgres `tsvector`, any of
 * the question's words, ranked by `ts_rank`) and, when vectors exist for the configured model, a
 * vector ranking (pgvector cosine distance over the HNSW index, passages under `minSimilarity`
 * left out), fused by reciprocal rank fusion: score = Σ 1 / (60 + rank). RRF needs no score
 * calibration between the two rankings, which is why it is the usual way to fuse them.
 * Passages of the page the user is on (when known) come first.
 * @module
 */
import { metrics } from "../metrics/mod.ts";
import type postgres from "postgres";
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import type { EmbeddingClient } from "./embeddings.ts";
import type { KnowledgeSettings } from "./settings.ts";
import { type KnowledgeStore, vectorLiteral, type VectorState } from "./store.ts";
import { pageKey } from "./urls.ts";

/** RRF's constant: damps the weight of the very first ranks (60 in the original paper). */
export const RRF_K = 60;
/** Candidates each ranking contributes (HNSW's default ef_search is 40). */
const CANDIDATES = 40;
/** A word in more than this share of the chunks is too common to search for... */
const COMMON_SHARE = 0.05;
/** ...unless it is in fewer chunks than this (small knowledge bases keep every word). */
const MIN_COMMON = 200;
/** Up to this many chunks, every passage with any of the question's words is scored. */
const SMALL_BASE = 2000;
/** Beyond it, the question's rarest words whose pairs pick the passages scored first... */
const PAIR_WORDS = 6;
/** ...and then passages with one of its rarest words, while these are in fewer chunks. */
const CANDIDATE_BUDGET = 300;

/** One retrieved passage. */
export interface Passage {
  chunkId: string;
  documentId: string;
  /** The document's title. */
  title: string;
  /** "Page › Section". */
  headingPath: string;
  /** Deep link to the section. */
  url: string;
  /** The document's URL (no anchor). */
  documentUrl: string;
  text: string;
  /** The fused score. */
  score: number;
  /** 1-based rank in the full-text ranking, when it was there. */
  textRank?: number;
  /** 1-based rank in the vector ranking, when it was there. */
  vectorRank?: number;
}

/** What a search found and how. */
export interface SearchResult {
  passages: Passage[];
  /** `hybrid` when the vector ranking took part, `fulltext` otherwise. */
  method: "hybrid" | "fulltext";
}

/** Options of one search. */
export interface SearchOptions {
  /** Passages wanted (default: settings.topK). */
  topK?: number;
  /** The page the user is on: its passages rank first. */
  pageUrl?: string;
  /** `fulltext` skips the vector ranking (benchmarks and recall tables compare both). */
  method?: "hybrid" | "fulltext";
  /** Character budget for all passages (default: settings.maxChars; 0 = none). */
  maxChars?: number;
  signal?: AbortSignal;
}

/** A chunk's place in one ranking. */
type Rank = { id: string; r: number };

/** The question's vector as a literal of the stored column's type. */
type QueryVector = { literal: string; type: "vector" | "halfvec" };

type Row = {
  id: string;
  document_id: string;
  title: string;
  heading_path: string;
  url: string;
  doc_url: string;
  text: string;
  score: number;
  text_rank: number | null;
  vector_rank: number | null;
};

/** Searches the site's knowledge base. */
export class KnowledgeSearch {
  #warned = false;
  /** Documents were seen by the last check (`hasDocuments`). */
  #seenDocuments = false;
  /** What the vector column held at the last search (undefined before the first). */
  #lastState: VectorState | null | undefined;

  /**
   * @param options.sideBySide hybrid search as two rankings on two connections at once (a
   *   server), instead of one statement (the embedded database's single connection)
   */
  constructor(
    readonly store: KnowledgeStore,
    readonly settings: Pick<KnowledgeSettings, "topK" | "maxChars" | "minSimilarity" | "language">,
    readonly embeddings: EmbeddingClient | null,
    readonly options: { sideBySide?: boolean } = {},
  ) {}

  get sql(): Sql {
    return this.store.sql;
  }

  /** Whether anything has been ingested (no knowledge base → the assistant is unchanged). */
  async hasDocuments(): Promise<boolean> {
    const [row] = await this.sql`select exists (select 1 from knowledge_chunks) as any`;
    this.#seenDocuments = Boolean(row?.any);
    return this.#seenDocuments;
  }

  /**
   * Whether a search can find anything: true once documents were seen (without a round trip;
   * a search that then finds nothing checks again with `hasDocuments`), else checked. So a
   * turn on an empty knowledge base costs one `exists` and no searches, and documents ingested
   * by another process are used from the next turn on.
   */
  async mayHaveDocuments(): Promise<boolean> {
    return this.#seenDocuments || await this.hasDocuments();
  }

  /** The passages best matching `query` (counted in `/metrics` by method and outcome). */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResult> {
    try {
      const result = await this.#search(query, options);
      metrics.retrievals.inc({
        method: result.method,
        outcome: result.passages.length > 0 ? "found" : "none",
      });
      return result;
    } catch (error) {
      metrics.retrievals.inc({ method: options.method ?? "hybrid", outcome: "error" });
      throw error;
    }
  }

  async #search(query: string, options: SearchOptions): Promise<SearchResult> {
    const topK = options.topK ?? this.settings.topK;
    const text = query.trim().slice(0, 4000);
    if (!text) return { passages: [], method: "fulltext" };
    const hybrid = options.method !== "fulltext" && this.embeddings !== null;
    const lang = this.settings.language;
    const key = options.pageUrl ? pageKey(options.pageUrl).replace(/\/+$/, "") : "";
    const sql = this.sql;
    // Any word of the question may match (an AND of every word finds nothing for most
    // questions); ts_rank then favours passages with more of them, and headings (weight A).
    // On a large knowledge base, scoring every chunk that has any word of the question is what
    // made search slow (tens of thousands of ts_rank calls at 100 000 chunks: p50 42 ms, p99
    // 98 ms on a quiet 2-core machine), so what is scored is limited, using counts of the
    // chunks each word is in (`knowledge_terms`, rebuilt by each ingest; an unknown word counts
    // as rare):
    // - `tsq` ranks: words in more than COMMON_SHARE of the chunks (as common as stopwords,
    //   given the corpus) are left out while rarer ones remain (unless every word is that
    //   common); they barely rank and would make every chunk a match.
    // - `pairs` picks what is scored first: passages with at least two of the question's
    //   PAIR_WORDS rarest ranking words (GIN answers that from its posting lists, before any
    //   row is read). The passages ts_rank puts first have several of the words, so these are
    //   the ones that matter; a planted-question test at 100 000 chunks (BENCHMARKS.md) finds
    //   the same recall@5 as scoring everything.
    // - only when fewer than CANDIDATES passages have two words, `rarest` adds passages with
    //   one of the question's rarest words, taken rarest first while the chunks they are in
    //   add up to less than CANDIDATE_BUDGET (always at least one word; the vector ranking
    //   finds passages by meaning anyway). `b` is not run at all otherwise (a one-time
    //   filter on the count of `a`).
    // Up to SMALL_BASE chunks nothing is limited: every passage with a ranking word is scored.
    const fts = sql`
      terms as (
        select w.l, coalesce(t.chunks, 0) as n
        from unnest(tsvector_to_array(to_tsvector(${lang}::regconfig, ${text}))) w(l)
        left join knowledge_terms t on t.lexeme = w.l
      ),
      ranked as (
        select l, n, n < cap or not (min(n) over () < cap) as ranks, small,
          row_number() over (order by n, l) as k,
          coalesce(sum(n) over (order by n, l rows between unbounded preceding and 1 preceding),
            0) as before
        from terms, (
          select greatest(${MIN_COMMON}::float8, total * ${COMMON_SHARE}::float8) as cap,
            total <= ${SMALL_BASE} as small
          from (select coalesce((select chunks from knowledge_terms where lexeme = ''), 0)
            as total) t
        ) c
      ),
      q as (
        select
          (select string_agg(quote_literal(l), ' | ') from ranked where ranks)::tsquery as tsq,
          (select string_agg(quote_literal(a.l) || ' & ' || quote_literal(b.l), ' | ')
            from ranked a join ranked b on a.k < b.k
            where a.ranks and b.ranks and b.k <= ${PAIR_WORDS} and not a.small)::tsquery
            as pairs,
          (select string_agg(quote_literal(l), ' | ') from ranked
            where (small and ranks) or (not small and before < ${CANDIDATE_BUDGET}))::tsquery
            as rarest
      ),
      a as (
        select c.id, ts_rank(c.tsv, q.tsq, 1) as rank
        from knowledge_chunks c, q
        where c.tsv @@ q.pairs
        order by rank desc, c.id limit ${CANDIDATES}
      ),
      b as (
        select c.id, ts_rank(c.tsv, q.tsq, 1) as rank
        from knowledge_chunks c, q
        where (select count(*) from a) < ${CANDIDATES}
          and c.tsv @@ q.rarest and (q.pairs is null or not c.tsv @@ q.pairs)
        order by rank desc, c.id limit ${CANDIDATES}
      ),
      fts as (
        select id, row_number() over (order by tier, rank desc, id) as r from (
          select id, 0 as tier, rank from a union all select id, 1 as tier, rank from b
          order by tier, rank desc, id limit ${CANDIDATES}
        ) t
      )`;
    // With no page to favour, the best topK are picked before their text is read.
    const best = key
      ? sql`fused f`
      : sql`(select * from fused order by score desc, id limit ${topK}) f`;
    const passagesOf = (fused: postgres.PendingQuery<postgres.Row[]>) =>
      sql<Row[]>`
        with ${fused}
        select c.id, c.document_id, d.title, c.heading_path, c.url, d.url as doc_url, c.text,
          f.score::float8 as score, f.text_rank::int as text_rank,
          f.vector_rank::int as vector_rank
        from ${best}
        join knowledge_chunks c on c.id = f.id
        join knowledge_documents d on d.id = c.document_id
        order by ${key ? sql`(rtrim(d.url, '/') = ${key}) desc,` : sql``} f.score desc, c.id
        limit ${topK}`;
    // The vector ranking (needs the question's vector) and the fusion of both rankings (RRF).
    const vectorRanking = (vector: QueryVector) =>
      sql`
        select id, (row_number() over (order by distance, id))::int as r from (
          select c.id, c.embedding <=> ${vector.literal}::${
        vector.type === "halfvec" ? sql`halfvec` : sql`vector`
      } as distance
          from knowledge_chunks c
          order by distance limit ${CANDIDATES}
        ) t where 1 - distance >= ${this.settings.minSimilarity}`;
    const fusedBoth = sql`
      fused as (
        select coalesce(fts.id, vec.id) as id,
          coalesce(1.0 / (${RRF_K} + fts.r), 0) + coalesce(1.0 / (${RRF_K} + vec.r), 0) as score,
          fts.r as text_rank, vec.r as vector_rank
        from fts full join vec on vec.id = fts.id
      )`;
    let rows: Row[];
    let method: SearchResult["method"] = "fulltext";
    if (hybrid && this.options.sideBySide) {
      // On a server, the text ranking starts at once and the vector ranking as soon as the
      // question's vector is known (the stored vector state is read while it is made): side by
      // side on two connections, where one statement ran them one after the other; a third
      // statement fuses them and reads the passages (BENCHMARKS.md, 2026-12-04).
      const textRanks = sql<Rank[]>`with ${fts} select id, r::int as r from fts`.execute();
      textRanks.catch(() => {}); // awaited below; the vector may fail first
      const vector = await this.#queryVector(text, options);
      const vectorRanks = vector ? sql<Rank[]>`${vectorRanking(vector)}`.execute() : [];
      const [textList, vectorList] = await Promise.all([textRanks, vectorRanks]);
      if (vector) method = "hybrid";
      const ranks = (list: Rank[]) =>
        sql`select * from unnest(${list.map((x) => x.id)}::bigint[], ${
          list.map((x) => x.r)
        }::int[]) as t(id, r)`;
      rows = textList.length || vectorList.length
        ? await passagesOf(
          sql`fts as (${ranks(textList)}), vec as (${ranks(vectorList)}), ${fusedBoth}`,
        )
        : [];
    } else {
      // One statement ranks, fuses and reads the passages (on the embedded database's one
      // connection statements side by side would only wait for each other).
      const vector = hybrid ? await this.#queryVector(text, options) : null;
      if (vector) method = "hybrid";
      rows = await passagesOf(
        vector ? sql`${fts}, vec as (${vectorRanking(vector)}), ${fusedBoth}` : sql`${fts},
            fused as (
              select id, 1.0 / (${RRF_K} + r) as score, r as text_rank,
                null::bigint as vector_rank
              from fts
            )`,
      );
    }
    const budget = options.maxChars ?? this.settings.maxChars;
    const passages: Passage[] = [];
    let used = 0;
    for (const r of rows) {
      if (budget > 0 && passages.length && used + r.text.length > budget) break;
      used += r.text.length;
      passages.push({
        chunkId: String(r.id),
        documentId: String(r.document_id),
        title: r.title,
        headingPath: r.heading_path,
        url: r.url,
        documentUrl: r.doc_url,
        text: budget > 0 && r.text.length > budget ? r.text.slice(0, budget) : r.text,
        score: r.score,
        textRank: r.text_rank ?? undefined,
        vectorRank: r.vector_rank ?? undefined,
      });
    }
    return { passages, method };
  }

  /**
   * The query's vector, when vectors exist for the configured model; else null. When the last
   * search found them, the provider is asked for the vector while the state is read (one round
   * trip less before the model call); the state is still checked before the vector is used.
   */
  async #queryVector(
    text: string,
    options: SearchOptions,
  ): Promise<QueryVector | null> {
    if (!this.embeddings) return null;
    const { model, dimensions } = this.embeddings.config;
    const fits = (state: VectorState | null | undefined) =>
      state?.model === model && (!dimensions || dimensions === state.dimensions);
    let early = fits(this.#lastState) ? this.#embed(text, options) : undefined;
    // Settled here if the state says not to use it (an aborted turn's rejection included).
    early?.catch(() => {});
    const state = await this.store.vectorState();
    this.#lastState = state;
    if (!state) return null;
    if (!fits(state)) {
      if (!this.#warned) {
        this.#warned = true;
        log.warn(
          "knowledge: the stored vectors were made with another embedding model; " +
            "full-text search only until `deno task ingest` runs again",
          {
            stored: state.model,
            configured: model,
          },
        );
      }
      return null;
    }
    early ??= this.#embed(text, options);
    const v = await early;
    if (!v || v.length !== state.dimensions) return null;
    return { literal: vectorLiteral(v), type: state.type };
  }

  /** The question's vector from the provider; null (full-text only) when it fails. */
  async #embed(text: string, options: SearchOptions): Promise<number[] | null> {
    try {
      const [v] = await this.embeddings!.embed([text], options.signal);
      return v;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // The turn goes on with full-text results rather than failing.
      log.warn("knowledge: query embedding failed; full-text search only", { error });
      return null;
    }
  }
}
