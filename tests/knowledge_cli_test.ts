/**
 * `deno task ingest` as a developer runs it (issue 11): into a fresh DATA_DIR (migrations
 * applied) or DATABASE_URL, progress on stderr and a summary, --list, --remove, clear errors,
 * and never two processes in one embedded database folder.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { lockDataDir } from "../lib/db/lock.ts";
import {
  type DatabaseKind,
  emptyDatabase,
  SERVER_MISSING_REASON,
  SERVER_URL,
} from "./support/db.ts";
import { type FakeOpenAI, startFakeOpenAI, systemText } from "./support/fake_openai.ts";
import { buildClientBundles, spawnMain } from "./support/main_process.ts";
import { makeCorpus } from "./support/knowledge_corpus.ts";

const TASK = new URL("../tasks/ingest.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TASK, ...args],
    env: { NO_COLOR: "1", LOG_LEVEL: "error", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

function providerEnv(fake: FakeOpenAI): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "",
    HOME: Deno.env.get("HOME") ?? "/tmp",
    DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: fake.baseUrl,
    EMBEDDING_MODEL: "fake-embedding-model",
  };
}

for (const kind of ["pglite", "postgres"] as DatabaseKind[]) {
  const ignore = kind === "postgres" && !SERVER_URL;
  Deno.test({
    name: `[${kind}] ingest task - syncs a folder with progress and a summary; --list, --remove${
      ignore ? ` (ignored: ${SERVER_MISSING_REASON})` : ""
    }`,
    ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const fake = await startFakeOpenAI();
      const corpus = await makeCorpus();
      const dataDir = await Deno.makeTempDir({ prefix: "ingest-data-" });
      const db = kind === "postgres" ? await emptyDatabase("postgres") : null;
      const env = {
        ...providerEnv(fake),
        ...(db ? { DATABASE_URL: db.url } : { DATA_DIR: dataDir }),
      };
      try {
        const first = await run([corpus.dir, "--base-url", "https://docs.lumen.example/"], env);
        equal(first.code, 0, first.stderr);
        match(first.stderr, /8\/8 documents, \d+ chunks, \d+ embedded/);
        match(first.stdout, /\(folder\): 8 added, 0 updated, 0 unchanged, 0 removed, 0 failed/);
        const calls = fake.embeddingRequests().length;
        ok(calls > 0);

        const second = await run([corpus.dir, "--base-url", "https://docs.lumen.example/"], env);
        equal(second.code, 0, second.stderr);
        match(second.stdout, /0 added, 0 updated, 8 unchanged/);
        equal(fake.embeddingRequests().length, calls, "an unchanged folder made embedding calls");

        const list = await run(["--list"], env);
        equal(list.code, 0, list.stderr);
        match(list.stdout, new RegExp(`${corpus.dir}\\tfolder\\t8 documents\\t\\d+ chunks`));

        const removed = await run(["--remove", corpus.dir], env);
        equal(removed.code, 0, removed.stderr);
        match(removed.stdout, /removed .*: 8 documents/);
        match((await run(["--list"], env)).stdout, /the knowledge base is empty/);
        const again = await run(["--remove", corpus.dir], env);
        equal(again.code, 1);
        match(again.stderr, /no source .* in the knowledge base/);
      } finally {
        await db?.close();
        await Deno.remove(dataDir, { recursive: true });
        await corpus.close();
        await fake.close();
      }
    },
  });
}

Deno.test({
  name: "ingest task - clear errors: missing path, unreachable URL, provider refusing, bad option",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    const dataDir = await Deno.makeTempDir({ prefix: "ingest-data-" });
    const env = { ...providerEnv(fake), DATA_DIR: dataDir };
    try {
      const missing = await run([join(corpus.dir, "nope"), "http://127.0.0.1:1/x.html"], env);
      equal(missing.code, 1);
      match(missing.stderr, /error: .*nope: no such file or folder/);
      match(missing.stderr, /error: http:\/\/127\.0\.0\.1:1\/x\.html: unreachable/);

      fake.failEmbeddings({ after: 0, status: 401 });
      const refused = await run([corpus.dir], env);
      equal(refused.code, 1);
      match(refused.stderr, /embedding provider refused \(HTTP 401\)/);
      match(refused.stderr, /documents not yet replaced keep their previous version/);
      ok(!refused.stderr.includes("sk-test"), "the key never appears in output");

      const bad = await run(["--frobnicate"], env);
      equal(bad.code, 1);
      match(bad.stderr, /unknown option --frobnicate/);
      match(bad.stderr, /usage: deno task ingest/);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
      await corpus.close();
      await fake.close();
    }
  },
});

Deno.test({
  name: "ingest task - refuses an embedded database folder another process holds",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    const dataDir = await Deno.makeTempDir({ prefix: "ingest-data-" });
    const lock = await lockDataDir(dataDir);
    try {
      const result = await run([corpus.dir], { ...providerEnv(fake), DATA_DIR: dataDir });
      equal(result.code, 1);
      match(result.stderr, new RegExp(`in use by another process \\(pid ${Deno.pid}\\)`));
      ok(!(await exists(join(dataDir, "pglite"))), "nothing was opened");
    } finally {
      lock.release();
      await Deno.remove(dataDir, { recursive: true });
      await corpus.close();
      await fake.close();
    }
  },
});

async function exists(path: string) {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "ingest task - while the app runs on PGlite, ingestion writes through the app and answers use it at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await buildClientBundles();
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    const dataDir = await Deno.makeTempDir({ prefix: "ingest-app-" });
    const env = {
      ...providerEnv(fake),
      DATA_DIR: dataDir,
      MODEL: "fake-1",
    };
    const app = spawnMain({ env });
    try {
      const url = await app.listening;
      const endpoint = join(dataDir, "ingest.json");
      equal((await Deno.stat(endpoint)).mode! & 0o777, 0o600, "the token file is private");

      const result = await run([corpus.dir, "--base-url", "https://docs.lumen.example/"], env);
      equal(result.code, 0, result.stderr);
      match(result.stdout, /8 added/);
      match((await run(["--list"], env)).stdout, /8 documents/);

      // The running app answers from what was just ingested.
      const res = await fetch(`${url}/chatkit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          type: "threads.create",
          params: {
            input: {
              content: [{ type: "input_text", text: "I forgot my password" }],
              attachments: [],
              inference_options: {},
            },
          },
        }),
      });
      equal(res.status, 200);
      await res.text();
      const reply = fake.replyRequests().at(-1);
      ok(systemText(reply?.body).includes("SOURCE [1] (Account security › Reset your password)"));

      // A wrong token changes nothing.
      const forged = await fetch(`${url}/api/knowledge`, {
        method: "POST",
        headers: { authorization: "Bearer forged", "content-type": "application/json" },
        body: JSON.stringify({ op: "removeSource", source: corpus.dir }),
      });
      equal(forged.status, 401);
      await forged.body?.cancel();

      equal(await app.stop(), 0);
      ok(!(await exists(endpoint)), "the endpoint file goes with the app");
      // With the app stopped the CLI opens the database itself; the data is there.
      match(
        (await run(["--list"], env)).stdout,
        new RegExp(`${corpus.dir}\\tfolder\\t8 documents`),
      );
    } finally {
      await app.kill();
      await Deno.remove(dataDir, { recursive: true });
      await corpus.close();
      await fake.close();
    }
  },
});
