/**
 * The knowledge base in Postgres: sources, documents and chunks (migration 0004), plus the
 * vector column, added when the first embeddings arrive where the `vector` extension exists
 * (its size is the model's). Site-wide: these tables hold no owner's data.
 *
 * Ingestion writes through {@link KnowledgeWriter}, which is either this store or, while the
 * app holds the embedded database, the app's internal endpoint (same methods over HTTP).
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import type { PreparedDocument } from "./types.ts";

/** What the vector column holds. */
export interface VectorState {
  model: string;
  dimensions: number;
  type: "vector" | "halfvec";
}

/** The knowledge base's state as ingestion needs it. */
export interface KnowledgeState {
  /** Whether vectors can be stored here (pgvector installed or installable). */
  vectorsAvailable: boolean;
  /** The vector column, once it exists. */
  vectors: VectorState | null;
}

/** A stored document, as a re-ingest compares it. */
export interface StoredDocument {
  locator: string;
  contentHash: string;
  embeddingKey: string;
}

/** One source in `deno task ingest --list`. */
export interface SourceSummary {
  id: string;
  kind: SourceKind;
  documents: number;
  chunks: number;
  syncedAt: string;
}

export type SourceKind = "folder" | "file" | "page" | "sitemap";

/** The writes ingestion makes. */
export interface KnowledgeWriter {
  state(): Promise<KnowledgeState>;
  /** Makes the vector column fit `model`/`dimensions`; `changed` when it had to be rebuilt. */
  prepareVectors(model: string, dimensions: number): Promise<{ changed: boolean }>;
  documents(sourceId: string): Promise<StoredDocument[]>;
  upsertSource(sourceId: string, kind: SourceKind): Promise<void>;
  /** Replaces one document and all its chunks in one transaction. */
  replaceDocument(
    sourceId: string,
    doc: PreparedDocument,
    embeddingKey: string,
    vectors?: number[][],
  ): Promise<void>;
  removeDocuments(sourceId: string, locators: string[]): Promise<number>;
  removeSource(sourceId: string): Promise<{ documents: number } | null>;
  list(): Promise<SourceSummary[]>;
  /** Refreshes the planner's statistics after a sync changed chunks (search reads them). */
  analyze(): Promise<void>;
}

/** Largest size HNSW indexes for `vector`, and for `halfvec` (pgvector's limits). */
const HNSW_VECTOR_MAX = 2000;
const HNSW_HALFVEC_MAX = 4000;
/** Names the advisory lock that serialises changes to the vector column. */
const VECTOR_DDL_LOCK = 7_284_310_611;

/** The `<model>@<dimensions>` a document's vectors were made with. */
export function embeddingKey(vectors: VectorState | null): string {
  return vectors ? `${vectors.model}@${vectors.dimensions}` : "";
}

/** A vector as pgvector's text form. */
export function vectorLiteral(v: number[]): string {
  return `[${v.map((x) => Number.isFinite(x) ? x : 0).join(",")}]`;
}

/** A heading path without the document title in front. */
function sectionHeadings(path: string, title: string): string {
  return path.startsWith(title) ? path.slice(title.length).replace(/^\s*›\s*/, "") : path;
}

/** The knowledge base on a Postgres connection (`language`: text-search configuration). */
export class KnowledgeStore implements KnowledgeWriter {
  #vectorsAvailable: Promise<boolean> | undefined;

  constructor(readonly sql: Sql, readonly language = "english") {}

  /** Whether pgvector is installed, installing it when this role may (once per store). */
  vectorsAvailable(): Promise<boolean> {
    this.#vectorsAvailable ??= (async () => {
      const [installed] = await this.sql`select 1 from pg_extension where extname = 'vector'`;
      if (installed) return true;
      const [available] = await this.sql`
        select 1 from pg_available_extensions where name = 'vector'`;
      if (!available) return false;
      try {
        await this.sql`create extension if not exists vector`;
        return true;
      } catch {
        // Not allowed for this role (or a race lost): full-text search only.
        const [now] = await this.sql`select 1 from pg_extension where extname = 'vector'`;
        return Boolean(now);
      }
    })();
    return this.#vectorsAvailable;
  }

  async vectorState(): Promise<VectorState | null> {
    const [row] = await this.sql<{ m: string | null; d: number | null; t: string | null }[]>`
      select embedding_model as m, dimensions as d, vector_type as t from knowledge_settings`;
    return row?.m && row.d
      ? { model: row.m, dimensions: row.d, type: row.t === "halfvec" ? "halfvec" : "vector" }
      : null;
  }

  async state(): Promise<KnowledgeState> {
    const vectorsAvailable = await this.vectorsAvailable();
    return { vectorsAvailable, vectors: vectorsAvailable ? await this.vectorState() : null };
  }

  async prepareVectors(model: string, dimensions: number): Promise<{ changed: boolean }> {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 16_000) {
      throw new Error(`embeddings of ${dimensions} dimensions cannot be stored`);
    }
    if (!await this.vectorsAvailable()) throw new Error("the vector extension is not available");
    const current = await this.vectorState();
    if (current?.model === model && current.dimensions === dimensions) return { changed: false };
    return await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${VECTOR_DDL_LOCK})`;
      const [row] = await tx<{ m: string | null; d: number | null }[]>`
        select embedding_model as m, dimensions as d from knowledge_settings`;
      if (row?.m === model && row.d === dimensions) return { changed: false };
      const type = dimensions > HNSW_VECTOR_MAX && dimensions <= HNSW_HALFVEC_MAX
        ? "halfvec"
        : "vector";
      // DDL cannot take parameters; `dimensions` is a checked integer and `type` one of two words.
      await tx.unsafe(`alter table knowledge_chunks drop column if exists embedding`);
      await tx.unsafe(`alter table knowledge_chunks add column embedding ${type}(${dimensions})`);
      if (dimensions <= HNSW_HALFVEC_MAX) {
        await tx.unsafe(
          `create index knowledge_chunks_embedding on knowledge_chunks
             using hnsw (embedding ${type}_cosine_ops)`,
        );
      }
      await tx`
        insert into knowledge_settings (id, embedding_model, dimensions, vector_type)
        values (true, ${model}, ${dimensions}, ${type})
        on conflict (id) do update set embedding_model = excluded.embedding_model,
          dimensions = excluded.dimensions, vector_type = excluded.vector_type,
          updated_at = now()`;
      // Every document lost its vectors: the next ingest embeds them again.
      await tx`update knowledge_documents set embedding_key = ''`;
      return { changed: true };
    });
  }

  async documents(sourceId: string): Promise<StoredDocument[]> {
    const rows = await this.sql<{ locator: string; hash: string; key: string }[]>`
      select locator, content_hash as hash, embedding_key as key
      from knowledge_documents where source_id = ${sourceId}`;
    return rows.map((r) => ({ locator: r.locator, contentHash: r.hash, embeddingKey: r.key }));
  }

  async upsertSource(sourceId: string, kind: SourceKind): Promise<void> {
    await this.sql`
      insert into knowledge_sources (id, kind) values (${sourceId}, ${kind})
      on conflict (id) do update set kind = excluded.kind, synced_at = now()`;
  }

  async replaceDocument(
    sourceId: string,
    doc: PreparedDocument,
    key: string,
    vectors?: number[][],
  ): Promise<void> {
    if (vectors && vectors.length !== doc.chunks.length) {
      throw new Error(`${doc.locator}: ${vectors.length} vectors for ${doc.chunks.length} chunks`);
    }
    const withVectors = Boolean(vectors?.length) && await this.vectorState();
    await this.sql.begin(async (tx) => {
      const [{ id }] = await tx<{ id: string }[]>`
        insert into knowledge_documents
          (source_id, locator, url, title, content_hash, embedding_key)
        values (${sourceId}, ${doc.locator}, ${doc.url}, ${doc.title}, ${doc.contentHash},
          ${withVectors ? key : ""})
        on conflict (source_id, locator) do update set url = excluded.url,
          title = excluded.title, content_hash = excluded.content_hash,
          embedding_key = excluded.embedding_key, updated_at = now()
        returning id`;
      await tx`delete from knowledge_chunks where document_id = ${id}`;
      if (!doc.chunks.length) return;
      const ords = doc.chunks.map((c) => c.ord);
      const paths = doc.chunks.map((c) => c.headingPath);
      const urls = doc.chunks.map((c) => c.url);
      const texts = doc.chunks.map((c) => c.text);
      // Section headings weigh most, then text, and the title (shared by every chunk of the
      // page, so it says little about which one answers) least.
      const heads = doc.chunks.map((c) => sectionHeadings(c.headingPath, doc.title));
      const lang = this.language;
      if (withVectors) {
        const literals = vectors!.map(vectorLiteral);
        const cast = withVectors.type === "halfvec" ? tx`halfvec` : tx`vector`;
        await tx`
          insert into knowledge_chunks (document_id, ord, heading_path, url, text, tsv, embedding)
          select ${id}, o, p, u, t,
            setweight(to_tsvector(${lang}::regconfig, ${doc.title}), 'D') ||
              setweight(to_tsvector(${lang}::regconfig, h), 'A') ||
              setweight(to_tsvector(${lang}::regconfig, t), 'B'),
            e::${cast}
          from unnest(${tx.array(ords)}::int[], ${tx.array(paths)}::text[], ${
          tx.array(urls)
        }::text[],
            ${tx.array(texts)}::text[], ${tx.array(literals)}::text[], ${tx.array(heads)}::text[])
            as x(o, p, u, t, e, h)`;
      } else {
        await tx`
          insert into knowledge_chunks (document_id, ord, heading_path, url, text, tsv)
          select ${id}, o, p, u, t,
            setweight(to_tsvector(${lang}::regconfig, ${doc.title}), 'D') ||
              setweight(to_tsvector(${lang}::regconfig, h), 'A') ||
              setweight(to_tsvector(${lang}::regconfig, t), 'B')
          from unnest(${tx.array(ords)}::int[], ${tx.array(paths)}::text[], ${
          tx.array(urls)
        }::text[],
            ${tx.array(texts)}::text[], ${tx.array(heads)}::text[])
            as x(o, p, u, t, h)`;
      }
    });
  }

  async removeDocuments(sourceId: string, locators: string[]): Promise<number> {
    if (!locators.length) return 0;
    const rows = await this.sql`
      delete from knowledge_documents
      where source_id = ${sourceId} and locator = any(${
      this.sql.array(locators)
    }::text[]) returning id`;
    return rows.length;
  }

  async removeSource(sourceId: string): Promise<{ documents: number } | null> {
    return await this.sql.begin(async (tx) => {
      const [source] = await tx`select 1 from knowledge_sources where id = ${sourceId}`;
      if (!source) return null;
      const [{ n }] = await tx<{ n: number }[]>`
        select count(*)::int as n from knowledge_documents where source_id = ${sourceId}`;
      await tx`delete from knowledge_sources where id = ${sourceId}`;
      return { documents: n };
    });
  }

  /**
   * Counts, per word, the chunks that have it (`knowledge_terms`; the row for '' holds the
   * number of chunks), so that search can leave out words as common as stopwords. Derived data,
   * rebuilt after each sync (the table is migration 0008's).
   */
  async analyze(): Promise<void> {
    await this.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${VECTOR_DDL_LOCK})`;
      await tx`delete from knowledge_terms`;
      await tx`insert into knowledge_terms (lexeme, chunks)
        select word, ndoc from ts_stat('select tsv from knowledge_chunks')
        union all select '', count(*)::int from knowledge_chunks`;
    });
    // New chunks wait in the full-text index's pending list (GIN fastupdate) until a vacuum
    // merges them; PGlite runs no autovacuum, and until then every search reads the whole list
    // and the planner, costing it, preferred reading the table (measured: 10 000 chunks on
    // PGlite, 457 pending pages, 4× slower searches). Merging needs the index's owner (the role
    // that ran the migrations); without that right autovacuum does it on a server later.
    try {
      await this.sql`select gin_clean_pending_list('knowledge_chunks_tsv'::regclass)`;
    } catch (error) {
      log.debug("knowledge: the full-text index's pending list was left to autovacuum", {
        error,
      });
    }
    // PGlite runs no autovacuum: keep the planner's row counts current too.
    await this.sql`analyze knowledge_chunks`;
  }

  async list(): Promise<SourceSummary[]> {
    const rows = await this.sql<
      { id: string; kind: SourceKind; documents: number; chunks: number; synced_at: Date }[]
    >`
      select s.id, s.kind, s.synced_at,
        (select count(*)::int from knowledge_documents d where d.source_id = s.id) as documents,
        (select count(*)::int from knowledge_chunks c join knowledge_documents d
           on d.id = c.document_id where d.source_id = s.id) as chunks
      from knowledge_sources s order by s.id`;
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      documents: r.documents,
      chunks: r.chunks,
      syncedAt: r.synced_at.toISOString(),
    }));
  }
}
