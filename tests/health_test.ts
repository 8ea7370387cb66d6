import { deepEqual, equal, match } from "node:assert/strict";
import { startTestApp } from "./support/app.ts";
import { dbTest, emptyDatabase } from "./support/db.ts";

dbTest("GET /health - 200 ok while the database answers", async (db) => {
  const app = await startTestApp({ db });
  try {
    const res = await app.fetch("/health");
    equal(res.status, 200);
    equal(res.headers.get("content-type"), "application/json");
    deepEqual(await res.json(), { status: "ok" });
  } finally {
    await app.close();
  }
});

Deno.test({
  name: "GET /health - 503 with the reason once the database is gone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("pglite");
    const app = await startTestApp({ db });
    try {
      equal((await app.fetch("/health")).status, 200);
      await db.close();
      const res = await app.fetch("/health");
      equal(res.status, 503);
      const body = await res.json();
      equal(body.status, "unavailable");
      match(body.reason, /^database did not answer: /);
    } finally {
      await app.close();
    }
  },
});
