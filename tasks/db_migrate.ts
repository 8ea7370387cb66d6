/**
 * `deno task migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
 * in DATA_DIR when it is unset, and says what it applied.
 */
import { ConfigError, loadConfig } from "../lib/config.ts";
import {
  MigrationError,
  MIGRATIONS_DIR,
  readMigrations,
  runMigrations,
} from "../lib/db/migrate.ts";
import { openDatabase } from "../lib/db/mod.ts";

try {
  const config = loadConfig(Deno.env.toObject(), "development");
  const db = await openDatabase(config);
  try {
    const applied = await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
    console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
  } finally {
    await db.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof MigrationError) {
    console.error(error.message);
    Deno.exit(1);
  }
  throw error;
}
