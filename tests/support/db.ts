/**
 * The databases tests run against: embedded PGlite (always) and a PostgreSQL server (when
 * `TEST_DATABASE_URL` names one; `deno task test` starts a throwaway cluster when PostgreSQL is
 * installed). `dbTest` registers a test once per database. Each kind is one database per test
 * process, migrated once and shared: tests isolate themselves with fresh owner ids.
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import type { Database, Sql } from "../../lib/db/mod.ts";
import { startEmbeddedPostgres } from "../../lib/db/embedded.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../../lib/db/migrate.ts";
import { createDatabase, dropDatabase } from "./postgres_server.ts";

export type DatabaseKind = "pglite" | "postgres";

/** A migrated database shared by the tests of one process. */
export interface TestDatabase {
  sql: Sql;
  kind: DatabaseKind;
  url: string;
}

/** The server tests use, or undefined (then its tests are ignored, with the reason). */
export const SERVER_URL = Deno.env.get("TEST_DATABASE_URL") || undefined;
export const SERVER_MISSING_REASON =
  "no PostgreSQL server: run `deno task test` with PostgreSQL installed, or set TEST_DATABASE_URL";
/** Under CI=true a missing server or browser fails its tests instead of skipping them. */
export const CI = Deno.env.get("CI") === "true";
/**
 * Set by `tests/run.ts`; every database a test creates is named after it, so that the run drops
 * them all at its end, even those of a test process that was killed.
 */
/** Whether the [postgres] tests are skipped (no server, and not CI). */
export const SKIP_SERVER = !SERVER_URL && !CI;
/** The ignored-test suffix for a [postgres] test name, or "" when it runs. */
export const SERVER_IGNORED = SKIP_SERVER ? ` (ignored: ${SERVER_MISSING_REASON})` : "";
const RUN_ID = (Deno.env.get("TEST_RUN_ID") ?? "").replace(/[^a-z0-9]/g, "").slice(0, 12) ||
  "direct";

const shared = new Map<DatabaseKind, Promise<TestDatabase>>();

/** The shared, migrated database of a kind (started on first use). */
export function testDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  let db = shared.get(kind);
  if (!db) {
    db = (async () => {
      const empty = await emptyDatabase(kind);
      await runMigrations(empty.sql, await readMigrations(MIGRATIONS_DIR));
      return empty;
    })();
    shared.set(kind, db);
  }
  return db;
}

/** An empty database of its own (for tests of migrations or restarts); close it when done. */
export interface ScratchDatabase extends TestDatabase {
  close(): Promise<void>;
}

let pgliteTemplate: Promise<Blob> | undefined;

const OUTPUT_DIR = Deno.env.get("TEST_OUTPUT_DIR") || "test-output";
const TEMPLATE_FILE = `${OUTPUT_DIR}/pglite-empty.tar`;

/**
 * An initdb'd embedded data directory, copied for each new embedded database. It is kept in
 * test-output/ so that each test file (Deno runs each in its own isolate) skips initdb.
 */
function emptyPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    try {
      return new Blob([await Deno.readFile(TEMPLATE_FILE)]);
    } catch { /* not made yet */ }
    const db = await PGlite.create();
    try {
      const dump = await db.dumpDataDir("none");
      await Deno.mkdir(OUTPUT_DIR, { recursive: true });
      // Written aside and renamed, so a concurrent reader never sees half a file.
      const partial = `${TEMPLATE_FILE}.${crypto.randomUUID()}`;
      await Deno.writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
      await Deno.rename(partial, TEMPLATE_FILE);
      return dump;
    } finally {
      await db.close();
    }
  })();
  return pgliteTemplate;
}

/** A new, empty, unmigrated database of the given kind. */
export async function emptyDatabase(kind: DatabaseKind): Promise<ScratchDatabase> {
  if (kind === "pglite") {
    const embedded = await startEmbeddedPostgres(undefined, {
      template: await emptyPgliteTemplate(),
    });
    const sql = postgres({ ...embedded.client, max: 1, onnotice: () => {} });
    return {
      sql,
      kind,
      url: embedded.client.path,
      async close() {
        await sql.end();
        await embedded.close();
      },
    };
  }
  if (!SERVER_URL) throw new Error(SERVER_MISSING_REASON);
  const name = `chatkit_test_${RUN_ID}_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const url = await createDatabase(SERVER_URL, name);
  const sql = postgres(url, { max: 10, onnotice: () => {} });
  return {
    sql,
    kind,
    url,
    async close() {
      await sql.end();
      await dropDatabase(SERVER_URL!, name);
    },
  };
}

/** Adapts a test database to the app's `Database` (closing it is left to the test process). */
export function asAppDatabase(db: TestDatabase): Database {
  return {
    sql: db.sql,
    kind: db.kind === "pglite" ? "embedded" : "postgres",
    ping: async () => {
      await db.sql`select 1`;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Registers `fn` as one test per database kind: "[pglite] name" and "[postgres] name". Without a
 * server the [postgres] variant is ignored, or under CI=true fails saying why.
 */
export function dbTest(name: string, fn: (db: TestDatabase) => Promise<void>): void {
  for (const kind of ["pglite", "postgres"] as const) {
    const ignore = kind === "postgres" && SKIP_SERVER;
    Deno.test({
      name: `[${kind}] ${name}${ignore ? SERVER_IGNORED : ""}`,
      ignore,
      // The shared database and its connections outlive a single test on purpose.
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => await fn(await testDatabase(kind)),
    });
  }
}

/** A fresh owner id, so that a test sees only its own rows in the shared database. */
export function freshOwner(prefix = "test"): string {
  return `${prefix}:${crypto.randomUUID()}`;
}
