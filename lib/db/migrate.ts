/**
 * Applies `migrations/*.sql` in name order, each in its own transaction, recorded in
 * `schema_migrations`. A transaction-scoped advisory lock serialises instances that start at
 * once: each re-checks, under the lock, whether the file is already applied. A failing file
 * rolls back whole and stops start-up with the file name and the database's message.
 * @module
 */
import { join } from "node:path";
import type { Sql } from "./mod.ts";

/** Any 64-bit number of our own; it names the lock that migrations take. */
const MIGRATION_LOCK = 7_284_310_551;

/** A migration that failed, naming the file. */
export class MigrationError extends Error {
  constructor(readonly file: string, readonly databaseMessage: string) {
    super(`migration ${file} failed: ${databaseMessage}`);
    this.name = "MigrationError";
  }
}

/** A migration file. */
export interface Migration {
  name: string;
  sql: string;
}

/** Reads the `.sql` files of a folder, sorted by name. */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const files: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) {
      files.push({ name: entry.name, sql: await Deno.readTextFile(join(dir, entry.name)) });
    }
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** The project's own migrations folder. */
export const MIGRATIONS_DIR = new URL("../../migrations/", import.meta.url).pathname;

/**
 * Applies every migration not yet recorded. Returns the names it applied.
 * @example
 * ```ts
 * const applied = await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
 * ```
 */
export async function runMigrations(sql: Sql, migrations: Migration[]): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await tx.unsafe(
        `create table if not exists schema_migrations (
           name text primary key,
           applied_at timestamptz not null default now())`,
      );
      const [done] = await tx`select 1 from schema_migrations where name = ${migration.name}`;
      if (done) return false;
      try {
        await tx.unsafe(migration.sql);
      } catch (error) {
        throw new MigrationError(
          migration.name,
          error instanceof Error ? error.message : String(error),
        );
      }
      await tx`insert into schema_migrations (name) values (${migration.name})`;
      return true;
    });
    if (ran) applied.push(migration.name);
  }
  return applied;
}
