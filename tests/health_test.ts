import { deepEqual, equal, ok } from "node:assert/strict";
import { log } from "../lib/log.ts";
import { captureConsole } from "./auth_helpers.ts";
import { startTestApp } from "./support/app.ts";
import { dbTest, emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";

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

for (const kind of ["pglite", "postgres"] as const) {
  const ignore = kind === "postgres" && !SERVER_URL;
  Deno.test({
    name:
      `[${kind}] GET /health - 503 with a generic reason once the database is gone, the detail logged${
        ignore ? ` (ignored: ${SERVER_MISSING_REASON})` : ""
      }`,
    ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const db = await emptyDatabase(kind);
      const app = await startTestApp({ db });
      try {
        equal((await app.fetch("/health")).status, 200);
        await db.close();
        let res: Response | undefined;
        const logs = await captureConsole(async () => {
          log.setLevel("warn");
          try {
            res = await app.fetch("/health");
          } finally {
            log.setLevel("error");
          }
        });
        equal(res!.status, 503);
        // Anyone may ask: the database's own error text stays in the log.
        deepEqual(await res!.json(), { status: "unavailable", reason: "database unavailable" });
        const line = logs.split("\n").find((l) => l.includes("health: database did not answer"));
        ok(line && JSON.parse(line).error, `the detail is logged:\n${logs}`);
      } finally {
        await app.close();
      }
    },
  });
}
