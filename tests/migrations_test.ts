/** Migrations: applied once, idempotent, safe under concurrent starts, all-or-nothing per file. */
import { deepEqual, equal, rejects } from "node:assert/strict";
import {
  MigrationError,
  MIGRATIONS_DIR,
  readMigrations,
  runMigrations,
} from "../lib/db/migrate.ts";
import { emptyDatabase, SERVER_IGNORED, SKIP_SERVER } from "./support/db.ts";

function migrationTest(name: string, fn: (kind: "pglite" | "postgres") => Promise<void>) {
  for (const kind of ["pglite", "postgres"] as const) {
    const ignore = kind === "postgres" && SKIP_SERVER;
    Deno.test({
      name: `[${kind}] ${name}${ignore ? SERVER_IGNORED : ""}`,
      ignore,
      fn: () => fn(kind),
    });
  }
}

migrationTest("migrations - apply once in order, then nothing on a second run", async (kind) => {
  const db = await emptyDatabase(kind);
  try {
    const files = await readMigrations(MIGRATIONS_DIR);
    const first = await runMigrations(db.sql, files);
    deepEqual(first, files.map((f) => f.name));
    deepEqual(await runMigrations(db.sql, files), []);
    const rows = await db.sql`select name from schema_migrations order by name`;
    deepEqual(rows.map((r) => r.name), files.map((f) => f.name));
    const [threads] = await db.sql`select to_regclass('threads') is not null as present`;
    equal(threads.present, true);
  } finally {
    await db.close();
  }
});

// Only a server has several connections to race on (the embedded database has one).
Deno.test({
  name: `[postgres] migrations - concurrent runners apply each file exactly once${SERVER_IGNORED}`,
  ignore: SKIP_SERVER,
  fn: async () => {
    const db = await emptyDatabase("postgres");
    try {
      const files = await readMigrations(MIGRATIONS_DIR);
      const results = await Promise.all([1, 2, 3, 4].map(() => runMigrations(db.sql, files)));
      deepEqual(results.flat().sort(), files.map((f) => f.name).sort());
    } finally {
      await db.close();
    }
  },
});

migrationTest(
  "migrations - a failing file leaves nothing half-applied and names itself",
  async (kind) => {
    const db = await emptyDatabase(kind);
    try {
      const broken = [
        { name: "0001_ok.sql", sql: "create table good (id int);" },
        {
          name: "0002_broken.sql",
          sql:
            "create table half (id int); insert into half values (1); select * from missing_table;",
        },
      ];
      await rejects(runMigrations(db.sql, broken), (error: unknown) => {
        equal(error instanceof MigrationError, true);
        equal((error as MigrationError).file, "0002_broken.sql");
        equal(/missing_table/.test((error as MigrationError).message), true);
        return true;
      });
      const [state] = await db.sql`
      select to_regclass('good') is not null as good, to_regclass('half') is not null as half`;
      deepEqual({ ...state }, { good: true, half: false });
      deepEqual((await db.sql`select name from schema_migrations`).map((r) => r.name), [
        "0001_ok.sql",
      ]);
    } finally {
      await db.close();
    }
  },
);
