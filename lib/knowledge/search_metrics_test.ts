import { equal } from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { metrics } from "../metrics/mod.ts";
import { KnowledgeSearch } from "./search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "./settings.ts";
import { KnowledgeStore } from "./store.ts";

const count = (outcome: string) =>
  metrics.retrievals.snapshot().series.find((s) =>
    s.labels.outcome === outcome && s.labels.method === "fulltext"
  )?.value ?? 0;

dbTest("knowledge search - each retrieval is counted for /metrics by outcome", async (db) => {
  const search = new KnowledgeSearch(new KnowledgeStore(db.sql), DEFAULT_KNOWLEDGE_SETTINGS, null);
  const none = count("none");
  const result = await search.search(`a question nobody ingested ${crypto.randomUUID()}`);
  equal(result.passages.length, 0);
  equal(count("none"), none + 1);
});
