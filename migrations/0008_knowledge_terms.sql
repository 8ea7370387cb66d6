-- Per word (lexeme), how many knowledge chunks contain it; rebuilt after each ingest. Retrieval
-- leaves words as common as stopwords out of the full-text query. A fixed shape, so it is made
-- here rather than at run time (0004 predates it). Site-wide like the rest of the knowledge base.
create table if not exists knowledge_terms (
  lexeme text primary key,
  chunks integer not null
);
