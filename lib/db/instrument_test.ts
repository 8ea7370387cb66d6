import { equal } from "node:assert/strict";
import { dbTest } from "../../tests/support/db.ts";
import { metrics } from "../metrics/mod.ts";
import { instrument } from "./instrument.ts";

const inFlight = () => metrics.dbQueriesInFlight.snapshot().series[0]?.value ?? 0;
const done = (outcome: string) =>
  metrics.dbQueries.snapshot().series.find((s) => s.labels.outcome === outcome)?.value ?? 0;

dbTest("instrument - queries are in flight until answered, then counted", async (db) => {
  const sql = instrument(db.sql);
  const before = done("ok");
  const slow = sql`select pg_sleep(0.2)`;
  const pending = slow.then(() => inFlight());
  // Handed to a connection on a later tick; it sleeps 200 ms there.
  const deadline = Date.now() + 5_000;
  while (inFlight() !== 1) {
    if (Date.now() > deadline) throw new Error("the query was never counted as in flight");
    await new Promise((r) => setTimeout(r, 5));
  }
  equal(await pending, 0);
  equal(done("ok"), before + 1);
});

dbTest("instrument - transactions, unsafe, reserved connections and errors count", async (db) => {
  const sql = instrument(db.sql);
  const ok = done("ok");
  const failed = done("error");
  await sql.begin(async (tx) => {
    await tx`select 1`;
    await tx.unsafe("select 2");
  });
  const reserved = await sql.reserve();
  await reserved`select 3`;
  reserved.release();
  await sql`select * from no_such_table`.catch(() => {});
  // A fragment inside another query is not a query of its own.
  await sql`select ${sql`1`} as one`;
  equal(done("ok") - ok, 4);
  equal(done("error") - failed, 1);
  equal(inFlight(), 0);
});
