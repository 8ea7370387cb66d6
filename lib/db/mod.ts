/**
 * The one database client of the app: postgres.js, against a Postgres server when
 * `DATABASE_URL` is set (a pool; Neon's `sslmode=require` URLs work) and otherwise against
 * the embedded PGlite in `DATA_DIR` (one connection).
 * @module
 */
import { join } from "node:path";
import postgres from "postgres";
import type { Config } from "../config.ts";
import { startEmbeddedPostgres } from "./embedded.ts";
import { lockDataDir } from "./lock.ts";

export type Sql = postgres.Sql;

/** The app's database. */
export interface Database {
  sql: Sql;
  kind: "embedded" | "postgres";
  /** Resolves when the database answers a trivial query, rejects otherwise. */
  ping(timeoutMs?: number): Promise<void>;
  /** Ends every connection (and flushes the embedded database to disk). */
  close(): Promise<void>;
}

/**
 * Options shared by both kinds. postgres.js prepares every statement, and after five runs
 * Postgres may switch a prepared statement to a generic plan; for the keyset queries on a long
 * thread that plan sorts every item (42 ms worst against 0.6 ms, measured by `deno task bench
 * --custom-plans`), so statements are always planned with their values.
 */
const clientOptions = {
  onnotice: () => {},
  connection: { application_name: "deno-chatkit", plan_cache_mode: "force_custom_plan" },
} satisfies postgres.Options<Record<string, never>>;

/**
 * Opens the database the config names.
 * @example
 * ```ts
 * const db = await openDatabase(config);
 * await db.sql`select 1`;
 * ```
 */
export async function openDatabase(
  config: Pick<Config, "databaseUrl" | "dataDir" | "databasePoolSize">,
): Promise<Database> {
  if (config.databaseUrl) {
    const sql = postgres(serverUrl(config.databaseUrl), {
      ...clientOptions,
      max: config.databasePoolSize,
      idle_timeout: 60,
      connect_timeout: 10,
    });
    return wrap(sql, "postgres", () => sql.end({ timeout: 5 }));
  }
  // One process per data directory: a second one gets DataDirLockedError (lock.ts).
  const lock = await lockDataDir(config.dataDir);
  let embedded;
  try {
    embedded = await startEmbeddedPostgres(join(config.dataDir, "pglite"));
  } catch (error) {
    lock.release();
    throw error;
  }
  const sql = postgres(embedded.url, { ...clientOptions, max: 1, connect_timeout: 10 });
  return wrap(sql, "embedded", async () => {
    try {
      await sql.end({ timeout: 5 });
      await embedded.close();
    } finally {
      lock.release();
    }
  });
}

function wrap(sql: Sql, kind: Database["kind"], end: () => Promise<void>): Database {
  let closing: Promise<void> | undefined;
  return {
    sql,
    kind,
    async ping(timeoutMs = 2000) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([sql`select 1`.execute(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closing ??= end();
      return closing;
    },
  };
}

/**
 * Drops URL parameters that postgres.js would otherwise send to the server as settings it
 * does not know (Neon's connection strings carry `channel_binding=require`, for instance).
 */
export function serverUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("channel_binding");
  return parsed.toString();
}
