/**
 * Helpers for the knowledge tests: a migrated database of the test's own (the knowledge base is
 * site-wide, so tests cannot share one), the fake embeddings client, and a one-call ingest.
 * @module
 */
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../../lib/db/migrate.ts";
import { EmbeddingClient } from "../../lib/knowledge/embeddings.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../../lib/knowledge/store.ts";
import { type SyncOptions, type SyncReport, syncSource } from "../../lib/knowledge/sync.ts";
import type { KnowledgeSourceSetting } from "../../lib/knowledge/settings.ts";
import {
  type DatabaseKind,
  emptyDatabase,
  type ScratchDatabase,
  SERVER_MISSING_REASON,
  SERVER_URL,
} from "./db.ts";
import type { FakeOpenAI } from "./fake_openai.ts";

/** The model name the knowledge tests embed with. */
export const TEST_EMBEDDING_MODEL = "fake-embedding-model";

/** A migrated scratch database (close it at the end). */
export async function knowledgeDatabase(kind: DatabaseKind): Promise<ScratchDatabase> {
  const db = await emptyDatabase(kind);
  await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
  return db;
}

/** An embeddings client against the fake, with quick retries. */
export function fakeEmbeddings(fake: FakeOpenAI, dimensions?: number): EmbeddingClient {
  return new EmbeddingClient(
    { model: TEST_EMBEDDING_MODEL, baseUrl: fake.baseUrl, apiKey: "sk-test", dimensions },
    { backoffMs: 5, maxRetries: 2 },
  );
}

/** Syncs one source into `store` with default settings. */
export function ingest(
  store: KnowledgeStore,
  source: KnowledgeSourceSetting,
  embeddings: EmbeddingClient | null,
  extra: Partial<SyncOptions> = {},
): Promise<SyncReport> {
  return syncSource(source, {
    writer: store,
    embeddings,
    settings: DEFAULT_KNOWLEDGE_SETTINGS,
    ...extra,
  });
}

/** Registers a test per database kind, each with a scratch database of its own. */
export function knowledgeTest(
  name: string,
  fn: (db: ScratchDatabase) => Promise<void>,
  kinds: DatabaseKind[] = ["pglite", "postgres"],
): void {
  for (const kind of kinds) {
    const ignore = kind === "postgres" && !SERVER_URL;
    Deno.test({
      name: `[${kind}] ${name}${ignore ? ` (ignored: ${SERVER_MISSING_REASON})` : ""}`,
      ignore,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const db = await knowledgeDatabase(kind);
        try {
          await fn(db);
        } finally {
          await db.close();
        }
      },
    });
  }
}
