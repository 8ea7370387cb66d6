/**
 * The production entry as an operator runs it: start, serve, stop on SIGTERM within 10 s, and
 * find the embedded database's data again after the restart.
 */
import { equal, ok } from "node:assert/strict";
import { ROOT } from "../lib/app.ts";
import { TEST_SECRET } from "./support/app.ts";

interface Started {
  process: Deno.ChildProcess;
  url: string;
  output: () => string;
}

async function startMain(dataDir: string): Promise<Started> {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}main.ts`],
    env: { DATA_DIR: dataDir, PORT: "0", HOSTNAME: "127.0.0.1", BETTER_AUTH_SECRET: TEST_SECRET },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line in 60 s:\n${text}`)),
      60_000,
    );
    (async () => {
      for await (const chunk of process.stdout) {
        text += decoder.decode(chunk);
        const match = text.match(/"msg":"listening","url":"([^"]+)"/);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      }
    })();
    (async () => {
      for await (const chunk of process.stderr) text += decoder.decode(chunk);
    })();
  });
  return { process, url, output: () => text };
}

Deno.test({
  name: "main.ts - SIGTERM stops within 10 s and embedded data survives the restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-restart-" });
    try {
      const first = await startMain(dataDir);
      equal((await fetch(`${first.url}/health`)).status, 200);
      // A request sent just before SIGTERM is still answered.
      const inFlight = fetch(`${first.url}/health`);
      const stoppedAt = performance.now();
      first.process.kill("SIGTERM");
      equal((await inFlight).status, 200);
      const status = await first.process.status;
      const took = performance.now() - stoppedAt;
      equal(status.code, 0, first.output());
      ok(took < 10_000, `shutdown took ${took} ms`);
      ok(first.output().includes("migrations applied"));

      const second = await startMain(dataDir);
      try {
        equal((await fetch(`${second.url}/health`)).status, 200);
        // schema_migrations rows written by the first run were flushed and read back.
        ok(!second.output().includes("migrations applied"), "migrations are not applied twice");
      } finally {
        second.process.kill("SIGTERM");
        equal((await second.process.status).code, 0);
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "embedded database - rows written before close are there after reopening",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { openDatabase } = await import("../lib/db/mod.ts");
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-persist-" });
    try {
      const config = { dataDir, databasePoolSize: 1 };
      const first = await openDatabase(config);
      await first.sql`create table notes (body text)`;
      await first.sql`insert into notes values ('kept across restarts')`;
      await first.close();
      const second = await openDatabase(config);
      try {
        const rows = await second.sql`select body from notes`;
        equal(rows[0]?.body, "kept across restarts");
      } finally {
        await second.close();
      }
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
