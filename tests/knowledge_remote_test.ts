/**
 * Ingestion through the app's endpoint (issue 11): the same sync, written by another process
 * over HTTP with the token from DATA_DIR/ingest.json (0600); no token, a wrong one or a bad body
 * changes nothing.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import {
  handleIngestRequest,
  readIngestEndpoint,
  RemoteKnowledgeWriter,
  writeIngestEndpoint,
} from "../lib/knowledge/remote.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { fakeEmbeddings, ingest, knowledgeTest } from "./support/knowledge.ts";
import { makeCorpus } from "./support/knowledge_corpus.ts";

knowledgeTest(
  "ingest remote - a sync through the endpoint stores the same documents and vectors",
  async (db) => {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    const dataDir = await Deno.makeTempDir();
    const store = new KnowledgeStore(db.sql);
    let token = "";
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => handleIngestRequest(store, token, req),
    );
    const url = `http://127.0.0.1:${server.addr.port}`;
    try {
      const published = await writeIngestEndpoint(dataDir, url);
      token = published.token;
      equal((await Deno.stat(join(dataDir, "ingest.json"))).mode! & 0o777, 0o600);
      const endpoint = await readIngestEndpoint(dataDir);
      equal(endpoint?.url, url);

      for (const [auth, status] of [[undefined, 401], ["Bearer wrong", 401]] as const) {
        const res = await fetch(`${url}/api/knowledge`, {
          method: "POST",
          headers: auth ? { authorization: auth } : {},
          body: JSON.stringify({ op: "removeSource", source: "x" }),
        });
        equal(res.status, status);
        await res.body?.cancel();
      }
      const bad = await fetch(`${url}/api/knowledge`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ op: "replaceDocument", source: "x", document: { locator: "" } }),
      });
      equal(bad.status, 400);
      ok((await bad.json()).error.message.includes("document"));

      const writer = new RemoteKnowledgeWriter(endpoint!);
      const report = await ingest(store, { path: corpus.dir }, fakeEmbeddings(fake), { writer });
      equal(report.added, 8);
      ok(report.vectors);
      const [{ n, v }] = await db.sql<{ n: number; v: number }[]>`
      select count(*)::int as n, count(embedding)::int as v from knowledge_chunks`;
      ok(n > 20);
      equal(v, n, "every chunk got its vector through the endpoint");
      // The vectors arrived intact (float32 precision).
      const [row] = await db.sql`
      select c.heading_path, d.title, c.text, c.embedding::text as e from knowledge_chunks c
      join knowledge_documents d on d.id = c.document_id order by c.id limit 1`;
      const stored = JSON.parse(row.e) as number[];
      const [expected] = await fakeEmbeddings(fake).embed([`${row.heading_path}\n\n${row.text}`]);
      ok(stored.every((x, i) => Math.abs(x - expected[i]) < 1e-6));

      const again = await ingest(store, { path: corpus.dir }, fakeEmbeddings(fake), { writer });
      equal(again.unchanged, 8);
      deepEqual((await writer.list()).map((s) => s.documents), [8]);
      await published.remove();
      equal(await readIngestEndpoint(dataDir), null);
    } finally {
      await server.shutdown();
      await Deno.remove(dataDir, { recursive: true });
      await corpus.close();
      await fake.close();
    }
  },
  ["pglite"],
);
