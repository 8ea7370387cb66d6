/**
 * Retrieval (issue 11): recall@5 of full-text and hybrid search on the corpus's question table,
 * off-topic questions finding nothing, the current page first, the character budget, a model
 * change rebuilding the vector column, and the PostgreSQL server with and without pgvector.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import postgres from "postgres";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../lib/db/migrate.ts";
import { KnowledgeSearch, type SearchResult } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { QUESTIONS } from "./fixtures/knowledge/questions.ts";
import { SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { fakeEmbeddings, ingest, knowledgeTest } from "./support/knowledge.ts";
import { makeCorpus, serveSite } from "./support/knowledge_corpus.ts";
import type { Sql } from "../lib/db/mod.ts";
import type { EmbeddingClient } from "../lib/knowledge/embeddings.ts";

const BASE = "https://docs.lumen.example/";

/**
 * The floor for recall@5. The corpus has 11 documents, so five random passages would name the
 * right one about 45% of the time; both rankings find all 28 today (measured: full-text 28/28,
 * hybrid 28/28). 0.85 (at most 4 misses) is far above chance and leaves room for harmless
 * changes in tie-breaking, while a broken ranking (wrong weights, an AND query, a lost
 * language configuration, vectors ignored) falls well below it.
 */
const RECALL_FLOOR = 0.85;

async function ingestCorpus(store: KnowledgeStore, embeddings: EmbeddingClient | null) {
  const corpus = await makeCorpus();
  const site = await serveSite();
  try {
    await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
    await ingest(store, { url: site.sitemapUrl }, embeddings);
  } finally {
    await corpus.close();
    await site.close();
  }
}

async function locators(sql: Sql, result: SearchResult): Promise<string[]> {
  const ids = result.passages.map((p) => p.documentId);
  if (!ids.length) return [];
  const rows = await sql<{ id: string; locator: string }[]>`
    select id, locator from knowledge_documents where id = any(${sql.array(ids)}::bigint[])`;
  const byId = new Map(rows.map((r) => [String(r.id), r.locator]));
  return ids.map((id) => byId.get(id)!);
}

const matches = (locator: string, expected: string) =>
  locator === expected || new URL(locator, "http://x/").pathname === expected;

async function recall(search: KnowledgeSearch, sql: Sql, method: "fulltext" | "hybrid") {
  let at5 = 0, at1 = 0;
  const misses: string[] = [];
  for (const { question, expected } of QUESTIONS) {
    const result = await search.search(question, { method, maxChars: 0 });
    equal(result.method, method);
    const found = await locators(sql, result);
    if (found.some((l) => matches(l, expected))) at5++;
    else misses.push(`${question} → ${found.join(", ")}`);
    if (found[0] && matches(found[0], expected)) at1++;
  }
  return { at5: at5 / QUESTIONS.length, at1: at1 / QUESTIONS.length, misses };
}

knowledgeTest("search - recall@5 on the question table, full-text only and hybrid", async (db) => {
  const fake = await startFakeOpenAI();
  try {
    const store = new KnowledgeStore(db.sql);
    const embeddings = fakeEmbeddings(fake);
    await ingestCorpus(store, embeddings);
    ok(QUESTIONS.length >= 20);
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, embeddings);
    const fulltext = await recall(search, db.sql, "fulltext");
    const hybrid = await recall(search, db.sql, "hybrid");
    console.log(
      `recall on ${QUESTIONS.length} questions (${db.kind}): full-text @5 ${
        fulltext.at5.toFixed(2)
      } ` +
        `@1 ${fulltext.at1.toFixed(2)}; hybrid @5 ${hybrid.at5.toFixed(2)} @1 ${
          hybrid.at1.toFixed(2)
        }`,
    );
    ok(
      fulltext.at5 >= RECALL_FLOOR,
      `full-text recall@5 ${fulltext.at5}: ${fulltext.misses.join("; ")}`,
    );
    ok(hybrid.at5 >= RECALL_FLOOR, `hybrid recall@5 ${hybrid.at5}: ${hybrid.misses.join("; ")}`);
  } finally {
    await fake.close();
  }
}, ["pglite"]);

knowledgeTest(
  "search - hybrid with its rankings side by side finds the same passages, in the same order, with the same scores",
  async (db) => {
    const fake = await startFakeOpenAI();
    try {
      const store = new KnowledgeStore(db.sql);
      const embeddings = fakeEmbeddings(fake);
      await ingestCorpus(store, embeddings);
      const one = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, embeddings);
      const apart = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, embeddings, {
        sideBySide: true,
      });
      const shape = (r: SearchResult) => ({
        method: r.method,
        passages: r.passages.map((p) => [p.chunkId, p.score, p.textRank, p.vectorRank]),
      });
      let found = 0;
      for (const { question } of QUESTIONS) {
        for (const pageUrl of [undefined, "https://docs.lumen.example/sync/"]) {
          const a = shape(await one.search(question, { pageUrl }));
          const b = shape(await apart.search(question, { pageUrl }));
          equal(a.method, "hybrid");
          deepEqual(b, a, question);
          found += a.passages.length;
        }
      }
      ok(found > QUESTIONS.length, "the questions found passages");
      // Nothing matching either way: no passages, and no third statement needed.
      deepEqual(shape(await apart.search("zzqx vvbn")), shape(await one.search("zzqx vvbn")));
    } finally {
      await fake.close();
    }
  },
);

knowledgeTest(
  "search - off-topic questions find nothing; passages carry titles, paths and deep links",
  async (db) => {
    const fake = await startFakeOpenAI();
    try {
      const store = new KnowledgeStore(db.sql);
      const embeddings = fakeEmbeddings(fake);
      await ingestCorpus(store, embeddings);
      const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, embeddings);
      for (
        const question of ["What is the capital of France?", "Who won the 2018 football world cup?"]
      ) {
        deepEqual((await search.search(question)).passages, [], question);
      }
      const { passages } = await search.search("How do I turn on two-factor authentication?");
      equal(passages[0].title, "Account security");
      equal(passages[0].headingPath, "Account security › Two-factor authentication");
      equal(passages[0].url, `${BASE}guide/passwords#two-factor-authentication`);
      equal(passages[0].documentUrl, `${BASE}guide/passwords`);
      ok(passages.length <= DEFAULT_KNOWLEDGE_SETTINGS.topK);
    } finally {
      await fake.close();
    }
  },
  ["pglite"],
);

knowledgeTest(
  "search - the current page's passages come first, and the character budget holds",
  async (db) => {
    const store = new KnowledgeStore(db.sql);
    await ingestCorpus(store, null);
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, null);
    const question = "How do I delete notes and my account?";
    const plain = await search.search(question);
    ok(plain.passages.length > 1);
    const onPage = await search.search(question, { pageUrl: `${BASE}reference/cli#exit-codes` });
    equal(onPage.passages[0].documentUrl, `${BASE}reference/cli`);
    const small = await search.search(question, { maxChars: 300 });
    ok(small.passages.length >= 1);
    ok(small.passages.reduce((n, p) => n + p.text.length, 0) <= 300);
  },
  ["pglite"],
);

knowledgeTest(
  "search - a new embedding size rebuilds the vector column and re-embeds everything",
  async (db) => {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      await ingest(store, { path: corpus.dir, baseUrl: BASE }, fakeEmbeddings(fake, 64));
      deepEqual(await store.vectorState(), {
        model: "fake-embedding-model",
        dimensions: 64,
        type: "vector",
      });
      const before = fake.embeddingRequests().length;
      const report = await ingest(
        store,
        { path: corpus.dir, baseUrl: BASE },
        fakeEmbeddings(fake, 128),
      );
      equal(report.updated, 8, "every document is embedded again");
      ok(fake.embeddingRequests().length > before);
      deepEqual(await store.vectorState(), {
        model: "fake-embedding-model",
        dimensions: 128,
        type: "vector",
      });
      const search = new KnowledgeSearch(
        store,
        DEFAULT_KNOWLEDGE_SETTINGS,
        fakeEmbeddings(fake, 128),
      );
      const result = await search.search("reset link for a forgotten password");
      equal(result.method, "hybrid");
      equal(result.passages[0].headingPath, "Account security › Reset your password");
      // A search with the old size does not mix vectors of two models: it falls back to full text.
      const stale = new KnowledgeSearch(
        store,
        DEFAULT_KNOWLEDGE_SETTINGS,
        fakeEmbeddings(fake, 64),
      );
      equal((await stale.search("reset link for a forgotten password")).method, "fulltext");
    } finally {
      await corpus.close();
      await fake.close();
    }
  },
  ["pglite"],
);

// The PostgreSQL server, with pgvector (`.ci/run` builds it) and without it.
const PG_IGNORE = !SERVER_URL;

Deno.test({
  name:
    `[postgres] search - with pgvector the server runs hybrid search, without it full-text search${
      PG_IGNORE ? ` (ignored: ${SERVER_MISSING_REASON})` : ""
    }`,
  ignore: PG_IGNORE,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const admin = postgres(SERVER_URL!, { max: 1, onnotice: () => {} });
    const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
    const role = `plain_${suffix}`;
    const withVector = `kb_vec_${suffix}`;
    const without = `kb_plain_${suffix}`;
    const fake = await startFakeOpenAI();
    try {
      const [available] = await admin`select 1 from pg_available_extensions where name = 'vector'`;
      // CI must have pgvector (.ci/run builds it); elsewhere the hybrid half needs it installed.
      if (!available && Deno.env.get("CI")) {
        throw new Error("pgvector is not installed on the CI server");
      }
      await admin.unsafe(`create database ${withVector}`);
      // A role that owns its database but may not create the (untrusted) vector extension:
      // what a managed Postgres without pgvector looks like to the app.
      await admin.unsafe(`create role ${role} login password 'plain'`);
      await admin.unsafe(`create database ${without} owner ${role}`);
      const url = (db: string, user?: string) => {
        const u = new URL(SERVER_URL!);
        u.pathname = `/${db}`;
        if (user) {
          u.username = user;
          u.password = "plain";
        }
        return u.toString();
      };
      for (
        const [name, connection, hybrid] of [
          ["with pgvector", url(withVector), Boolean(available)],
          ["without pgvector", url(without, role), false],
        ] as const
      ) {
        const sql = postgres(connection, { max: 2, onnotice: () => {} });
        try {
          await runMigrations(sql, await readMigrations(MIGRATIONS_DIR));
          const store = new KnowledgeStore(sql);
          const embeddings = fakeEmbeddings(fake);
          const before = fake.embeddingRequests().length;
          await ingestCorpus(store, embeddings);
          equal(await store.vectorsAvailable(), hybrid, name);
          equal(fake.embeddingRequests().length > before, hybrid, `${name}: embedding calls`);
          const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, embeddings);
          const result = await search.search(
            "I lost my phone, how do I sign in with two-factor on?",
          );
          equal(result.method, hybrid ? "hybrid" : "fulltext", name);
          equal(
            result.passages[0]?.headingPath,
            "Account security › Two-factor authentication › Recovery codes",
            name,
          );
          if (hybrid) ok(result.passages.some((p) => p.vectorRank !== undefined));
        } finally {
          await sql.end();
        }
      }
    } finally {
      await fake.close();
      await admin.unsafe(`drop database if exists ${withVector} with (force)`);
      await admin.unsafe(`drop database if exists ${without} with (force)`);
      await admin.unsafe(`drop role if exists ${role}`);
      await admin.end();
    }
  },
});
