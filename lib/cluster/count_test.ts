import { equal, throws } from "node:assert/strict";
import { planWorkers, WorkerCountError } from "./count.ts";

const PG = { DATABASE_URL: "postgres://db/app" };

Deno.test("worker count - auto is one per core on PostgreSQL", () => {
  equal(planWorkers({ env: PG, setting: "auto", cores: 4 }).count, 4);
  equal(planWorkers({ env: PG, setting: undefined, cores: 2 }).count, 2);
});

Deno.test("worker count - WORKERS wins over the setting", () => {
  equal(planWorkers({ env: { ...PG, WORKERS: "3" }, setting: 1, cores: 2 }).count, 3);
  equal(planWorkers({ env: { ...PG, WORKERS: "auto" }, setting: 1, cores: 2 }).count, 2);
  equal(planWorkers({ env: { ...PG, WORKERS: "" }, setting: 1, cores: 2 }).count, 1);
});

Deno.test("worker count - the embedded database and Deno Deploy run one, saying why", () => {
  const embedded = planWorkers({ env: { WORKERS: "4" }, setting: "auto", cores: 4 });
  equal(embedded.count, 1);
  equal(embedded.reason, "the embedded database (no DATABASE_URL) is one process's");
  equal(planWorkers({ env: { ...PG, DENO_DEPLOYMENT_ID: "x" }, setting: 4, cores: 4 }).count, 1);
});

Deno.test("worker count - a bad value names where it came from", () => {
  throws(
    () => planWorkers({ env: { ...PG, WORKERS: "two" }, setting: "auto", cores: 2 }),
    (e: Error) => e instanceof WorkerCountError && e.message.startsWith("WORKERS: expected"),
  );
  throws(
    () => planWorkers({ env: PG, setting: 0, cores: 2 }),
    (e: Error) => e instanceof WorkerCountError && e.message.startsWith("server.workers"),
  );
});
