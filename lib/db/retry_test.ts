import { equal, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { findPostgresBin, startPostgresCluster } from "../../tests/support/postgres_server.ts";
import { log } from "../log.ts";
import { isTransientDatabaseError, withRetry } from "./retry.ts";

log.setLevel("error");
const ignore = !findPostgresBin();

/** Resolves once `check()` is true; fails with `what` after `ms`. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test({
  name: "withRetry - a write during a PostgreSQL restart lands once the server is back",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cluster = await startPostgresCluster();
    const sql = postgres(cluster.url, { max: 2, onnotice: () => {}, connect_timeout: 5 });
    try {
      await sql`create table notes (id text primary key, body text)`;
      await cluster.halt();
      let attempts = 0;
      const write = withRetry("note", () => {
        attempts++;
        return sql`insert into notes values ('n1', 'kept') on conflict (id) do nothing`;
      });
      await until("a second attempt after the first one failed", () => attempts >= 2);
      await cluster.resume();
      await write;
      // The same pool answers again: it reconnected by itself.
      equal((await sql`select body from notes where id = 'n1'`)[0].body, "kept");
    } finally {
      await sql.end({ timeout: 1 });
      await cluster.stop();
    }
  },
});

Deno.test({
  name: "withRetry - a statement error is thrown at once; an outage longer than the budget throws",
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const cluster = await startPostgresCluster();
    const sql = postgres(cluster.url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    try {
      await sql`create table notes (id text primary key)`;
      await sql`insert into notes values ('n1')`;
      let attempts = 0;
      await rejects(
        withRetry("duplicate", () => {
          attempts++;
          return sql`insert into notes values ('n1')`;
        }),
        (e: { code?: string }) => e.code === "23505",
      );
      equal(attempts, 1, "a unique violation is not retried");
      await cluster.halt();
      attempts = 0;
      await rejects(
        withRetry("during outage", () => {
          attempts++;
          return sql`insert into notes values ('n2')`;
        }, { budgetMs: 300, firstDelayMs: 50 }),
        (e: unknown) => isTransientDatabaseError(e),
      );
      ok(attempts >= 2, `retried within the budget (${attempts} attempts)`);
    } finally {
      await sql.end({ timeout: 1 });
      await cluster.stop();
    }
  },
});
