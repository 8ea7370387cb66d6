/**
 * The client behind a transaction pooler (`?pgbouncer=true`). postgres.js sends statements on a
 * busy connection without waiting for the one before (up to 100 of them); a statement without
 * parameters lets the next one follow it at once. PgBouncer (1.18, Debian's) hands the server
 * connection back to its pool as soon as the first one ends and drops the answer to the one sent
 * behind it ("got packet … from server when not linked"), which then never arrives: the app
 * waited forever (`tests/pooler_test.ts`). So behind a pooler the client sends one statement per
 * connection at a time (`max_pipeline: 0`), and the pool size is the concurrency.
 *
 * postgres.js's own `begin` cannot run on such a client: it claims the connection for the
 * transaction on the code path that pipelining takes, and otherwise refuses the `begin`
 * ("UNSAFE_TRANSACTION"). {@link beginOnReserved} runs the transaction on a reserved connection.
 * @module
 */
import type postgres from "postgres";

/** The client options of a connection through a transaction pooler. */
export const POOLER_OPTIONS = { prepare: false, max_pipeline: 0 } as const;

/**
 * `sql.begin` on a reserved connection: `begin`, the callback's statements, `commit` (or
 * `rollback` when it throws), then the connection goes back to the pool.
 */
export function beginOnReserved(sql: postgres.Sql): postgres.Sql["begin"] {
  return (async (...args: unknown[]) => {
    const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
    // Only the words of a mode ("isolation level serializable", "read only") are kept.
    const mode = typeof args[0] === "string" ? args[0].replace(/[^a-z ]/gi, "") : "";
    const tx = await sql.reserve();
    try {
      await tx.unsafe(`begin ${mode}`);
      const out = fn(tx as unknown as postgres.TransactionSql);
      const result = await (Array.isArray(out) ? Promise.all(out) : out);
      await tx`commit`;
      return result;
    } catch (error) {
      await tx`rollback`.catch(() => {});
      throw error;
    } finally {
      tx.release();
    }
  }) as postgres.Sql["begin"];
}
