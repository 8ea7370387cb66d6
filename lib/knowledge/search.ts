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
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import type { EmbeddingClient } from "./embeddings.ts";
import type { KnowledgeSettings } from "./settings.ts";
import { type KnowledgeStore, vectorLiteral } from "./store.ts";
import { pageKey } from "./urls.ts";

/** RRF's constant: damps the weight of the very first ranks (60 in the original paper). */
export const RRF_K = 60;
/** Candidates each ranking contributes (HNSW's default ef_search is 40). */
const CANDIDATES = 40;
/** A word in more than this share of the chunks is too common to search for... */
const COMMON_SHARE = 0.05;
/** ...unless it is in fewer chunks than this (small knowledge bases keep every word). */
const MIN_COMMON = 200;

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

  constructor(
    readonly store: KnowledgeStore,
    readonly settings: Pick<KnowledgeSettings, "topK" | "maxChars" | "minSimilarity" | "language">,
    readonly embeddings: EmbeddingClient | null,
  ) {}

  get sql(): Sql {
    return this.store.sql;
  }

  /** Whether anything has been ingested (no knowledge base → the assistant is unchanged). */
  async hasDocuments(): Promise<boolean> {
    const [row] = await this.sql`select exists (select 1 from knowledge_chunks) as any`;
    return Boolean(row?.any);
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
    const vector = options.method === "fulltext" ? null : await this.#queryVector(text, options);
    const lang = this.settings.language;
    const key = options.pageUrl ? pageKey(options.pageUrl).replace(/\/+$/, "") : "";
    const sql = this.sql;
    // Any word of the question may match (an AND of every word finds nothing for most
    // questions); ts_rank then favours passages with more of them, and headings (weight A).
    // Words found in more than COMMON_SHARE of the chunks (as common as stopwords, given the
    // corpus) are left out of the query while rarer ones remain: they barely rank and would
    // make every chunk a match to score (counts from `knowledge_terms`, made by each ingest).
    const fts = sql`
      words as (
        select l from unnest(tsvector_to_array(to_tsvector(${lang}::regconfig, ${text}))) l
      ),
      cap as (
        select greatest(${MIN_COMMON}::float8, coalesce((select chunks from knowledge_terms
          where lexeme = ''), 0) * ${COMMON_SHARE}::float8)::int as n
      ),
      df as (
        select w.l, coalesce(t.chunks, 0) as n
        from words w left join knowledge_terms t on t.lexeme = w.l
      ),
      q as (
        select (select string_agg(quote_literal(l), ' | ') from df
                where n < (select n from cap)
                   or not exists (select 1 from df d where d.n < (select n from cap))
               )::tsquery as tsq
      ),
      fts as (
        select id, row_number() over (order by rank desc, id) as r from (
          select c.id, ts_rank(c.tsv, q.tsq, 1) as rank
          from knowledge_chunks c, q
          where q.tsq is not null and c.tsv @@ q.tsq
          order by rank desc, c.id limit ${CANDIDATES}
        ) t
      )`;
    const vec = vector
      ? sql`,
      vec as (
        select id, row_number() over (order by distance, id) as r from (
          select c.id, c.embedding <=> ${vector.literal}::${
        vector.type === "halfvec" ? sql`halfvec` : sql`vector`
      } as distance
          from knowledge_chunks c
          order by distance limit ${CANDIDATES}
        ) t where 1 - distance >= ${this.settings.minSimilarity}
      ),
      fused as (
        select coalesce(fts.id, vec.id) as id,
          coalesce(1.0 / (${RRF_K} + fts.r), 0) + coalesce(1.0 / (${RRF_K} + vec.r), 0) as score,
          fts.r as text_rank, vec.r as vector_rank
        from fts full join vec on vec.id = fts.id
      )`
      : sql`,
      fused as (
        select id, 1.0 / (${RRF_K} + r) as score, r as text_rank, null::bigint as vector_rank
        from fts
      )`;
    const rows = await sql<Row[]>`
      with ${fts} ${vec}
      select c.id, c.document_id, d.title, c.heading_path, c.url, d.url as doc_url, c.text,
        f.score::float8 as score, f.text_rank::int as text_rank, f.vector_rank::int as vector_rank
      from fused f
      join knowledge_chunks c on c.id = f.id
      join knowledge_documents d on d.id = c.document_id
      order by (${key} <> '' and rtrim(d.url, '/') = ${key}) desc, f.score desc, c.id
      limit ${topK}`;
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
    return { passages, method: vector ? "hybrid" : "fulltext" };
  }

  /** The query's vector, when vectors exist for the configured model; else null. */
  async #queryVector(
    text: string,
    options: SearchOptions,
  ): Promise<{ literal: string; type: "vector" | "halfvec" } | null> {
    if (!this.embeddings) return null;
    const state = await this.store.vectorState();
    if (!state) return null;
    const { model, dimensions } = this.embeddings.config;
    if (state.model !== model || (dimensions && dimensions !== state.dimensions)) {
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
    try {
      const [v] = await this.embeddings.embed([text], options.signal);
      if (v.length !== state.dimensions) return null;
      return { literal: vectorLiteral(v), type: state.type };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // The turn goes on with full-text results rather than failing.
      log.warn("knowledge: query embedding failed; full-text search only", { error });
      return null;
    }
  }
}
