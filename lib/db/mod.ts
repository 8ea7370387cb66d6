/**
 * The one database client of the app: postgres.js, against a Postgres server when
 * `DATABASE_URL` is set (a pool; TLS and transaction poolers per `./connection.ts`) and
 * otherwise against the embedded PGlite in `DATA_DIR` (one connection). PGlite is imported only
 * on that branch, so a production start on a server never loads it.
 * @module
 */
import { join } from "node:path";
import postgres from "postgres";
import { type Config, ConfigError } from "../config.ts";
import { makePrivateDir } from "../private_files.ts";
import { serverConnection } from "./connection.ts";
import { lockDataDir } from "./lock.ts";
import { beginOnReserved, POOLER_OPTIONS } from "./pooler.ts";

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
 * postgres.js prepares every statement, and after five runs Postgres may switch a prepared
 * statement to a generic plan; for the keyset queries on a long thread that plan sorts every
 * item (42 ms worst against 0.6 ms, measured by `deno task bench --custom-plans`), so
 * statements are always planned with their values. Behind a transaction pooler nothing is
 * prepared (each statement is parsed and planned with its values anyway), and the setting is
 * not sent: PgBouncer refuses start-up parameters it does not know.
 */
const PLANNED_WITH_VALUES = { plan_cache_mode: "force_custom_plan" };

const clientOptions = {
  onnotice: () => {},
  connection: { application_name: "deno-chatkit" },
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
  config: Pick<Config, "databaseUrl" | "dataDir" | "databasePoolSize" | "databaseCaCert">,
): Promise<Database> {
  if (config.databaseUrl) {
    const { url, ssl, transactionPooler } = serverConnection(
      config.databaseUrl,
      config.databaseCaCert,
    );
    const sql = postgres(url, {
      ...clientOptions,
      ssl,
      // Behind a transaction pooler: nothing prepared, nothing pipelined (./pooler.ts).
      ...(transactionPooler ? POOLER_OPTIONS : {}),
      connection: {
        ...clientOptions.connection,
        ...(transactionPooler ? {} : PLANNED_WITH_VALUES),
      },
      max: config.databasePoolSize,
      idle_timeout: 60,
      connect_timeout: 10,
    });
    if (transactionPooler) sql.begin = beginOnReserved(sql);
    return wrap(sql, "postgres", () => sql.end({ timeout: 5 }));
  }
  await assertWritable(config.dataDir);
  // One process per data directory: a second one gets DataDirLockedError (lock.ts).
  const lock = await lockDataDir(config.dataDir);
  let embedded;
  try {
    const { startEmbeddedPostgres } = await import("./embedded.ts");
    embedded = await startEmbeddedPostgres(join(config.dataDir, "pglite"));
  } catch (error) {
    lock.release();
    throw error;
  }
  const sql = postgres({
    ...embedded.client,
    ...clientOptions,
    connection: { ...clientOptions.connection, ...PLANNED_WITH_VALUES },
    max: 1,
    connect_timeout: 10,
  });
  return wrap(sql, "embedded", async () => {
    try {
      await sql.end({ timeout: 5 });
      await embedded.close();
    } finally {
      lock.release();
    }
  });
}

/**
 * The embedded database lives in DATA_DIR; where that cannot be written (Deno Deploy, a
 * read-only container) the only way to run is a Postgres server, and start-up says so.
 */
async function assertWritable(dataDir: string): Promise<void> {
  let reason: string | undefined;
  const permission = await Deno.permissions.query({ name: "write", path: dataDir });
  if (permission.state !== "granted") reason = "no permission to write there";
  else {
    try {
      await makePrivateDir(dataDir);
      const probe = join(dataDir, `.write-check-${crypto.randomUUID()}`);
      await Deno.writeTextFile(probe, "");
      await Deno.remove(probe);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
  }
  if (reason) {
    throw new ConfigError(
      "DATABASE_URL",
      `not set, and the embedded database cannot run because DATA_DIR (${dataDir}) is not ` +
        `writable (${reason}): set DATABASE_URL to a Postgres connection string, e.g. ` +
        "postgres://user:password@host/db?sslmode=require",
    );
  }
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
