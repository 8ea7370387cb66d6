/**
 * Where `deno task ingest` writes: DATABASE_URL, or the embedded database in DATA_DIR — opened
 * by the CLI itself when no app holds it (migrations applied, so a fresh DATA_DIR works), and
 * through the running app's ingestion endpoint when one does (`remote.ts`).
 * @module
 */
import type { Config } from "../config.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../db/migrate.ts";
import { DataDirLockedError } from "../db/lock.ts";
import { openDatabase } from "../db/mod.ts";
import { readIngestEndpoint, RemoteKnowledgeWriter } from "./remote.ts";
import type { KnowledgeSettings } from "./settings.ts";
import { KnowledgeStore, type KnowledgeWriter } from "./store.ts";

/** A writer to close when done. */
export interface ClosableWriter extends KnowledgeWriter {
  close(): Promise<void>;
}

/** Opens the knowledge base for ingestion. */
export async function openKnowledgeWriter(
  config: Config,
  settings: Pick<KnowledgeSettings, "language">,
): Promise<ClosableWriter> {
  let db;
  try {
    db = await openDatabase(config);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    // The app holds the embedded database: write through it, if it is one that accepts that.
    const endpoint = await readIngestEndpoint(config.dataDir);
    if (endpoint && (!error.pid || endpoint.pid === error.pid)) {
      return new RemoteKnowledgeWriter(endpoint);
    }
    throw error;
  }
  try {
    await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
  } catch (error) {
    await db.close();
    throw error;
  }
  return new OwnedStore(db.sql, settings.language, () => db.close());
}

/** A store that owns its database connection. */
class OwnedStore extends KnowledgeStore implements ClosableWriter {
  constructor(sql: KnowledgeStore["sql"], language: string, readonly close: () => Promise<void>) {
    super(sql, language);
  }
}
