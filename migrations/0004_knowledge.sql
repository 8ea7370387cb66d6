-- The site's knowledge base (issue 11): the documents `deno task ingest` read, cut into chunks
-- for retrieval. Site-wide on purpose: never owner-scoped and never joined with threads.
-- Full-text search is always there (tsvector + GIN). The vector column depends on the embedding
-- model's size, so lib/knowledge/store.ts adds it (and its HNSW index) when the first embeddings
-- arrive, where the `vector` extension exists; `knowledge_settings` records which model it holds.

create table knowledge_sources (
  -- A folder or file path (relative to where ingest ran) or a page/sitemap URL, as given.
  id text primary key,
  kind text not null check (kind in ('folder', 'file', 'page', 'sitemap')),
  created_at timestamptz not null default now(),
  synced_at timestamptz not null default now()
);

create table knowledge_documents (
  id bigint generated always as identity primary key,
  source_id text not null references knowledge_sources (id) on delete cascade,
  -- The file's path inside its source, or the page's URL: what a re-ingest matches on.
  locator text not null,
  -- The public URL citations link to (see README, "Knowledge").
  url text not null,
  title text not null,
  -- sha256 of the parsed document (chunker version, URL, title, chunks): unchanged = skipped.
  content_hash text not null,
  -- "<model>@<dimensions>" of its chunks' vectors, '' when it has none.
  embedding_key text not null default '',
  updated_at timestamptz not null default now(),
  unique (source_id, locator)
);

create table knowledge_chunks (
  id bigint generated always as identity primary key,
  document_id bigint not null references knowledge_documents (id) on delete cascade,
  ord integer not null,
  -- "Page › Section › Subsection".
  heading_path text not null,
  -- The document URL with the section's anchor (url#anchor), or the document URL.
  url text not null,
  text text not null,
  -- Filled by the insert with the configured text-search configuration (weights: headings A,
  -- text B), so a language change needs no schema change.
  tsv tsvector not null,
  unique (document_id, ord)
);
create index knowledge_chunks_tsv on knowledge_chunks using gin (tsv);
create index knowledge_chunks_document on knowledge_chunks (document_id);

-- One row: what the vector column holds ("embedding" on knowledge_chunks, when it exists).
create table knowledge_settings (
  id boolean primary key default true check (id),
  embedding_model text,
  dimensions integer,
  -- 'vector' or 'halfvec' (over 2 000 dimensions HNSW needs halfvec).
  vector_type text,
  updated_at timestamptz not null default now()
);
