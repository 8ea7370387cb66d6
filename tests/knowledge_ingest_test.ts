/**
 * Ingestion (issue 11): a corpus of Markdown with front matter, MDX, HTML, plain text, a PDF
 * and a sitemap on loopback goes into the knowledge base with the right chunks, titles,
 * anchors and URLs; a re-ingest is a sync (unchanged = no embedding call, edited = only it,
 * deleted = gone), and a provider failure leaves the previous version in place.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { KnowledgeSearch } from "../lib/knowledge/search.ts";
import { DEFAULT_KNOWLEDGE_SETTINGS } from "../lib/knowledge/settings.ts";
import { KnowledgeStore } from "../lib/knowledge/store.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { fakeEmbeddings, ingest, knowledgeTest } from "./support/knowledge.ts";
import { makeCorpus, serveSite } from "./support/knowledge_corpus.ts";
import type { Sql } from "../lib/db/mod.ts";

const BASE = "https://docs.lumen.example/";

async function chunks(sql: Sql) {
  return await sql<
    {
      locator: string;
      title: string;
      heading_path: string;
      url: string;
      text: string;
      has_vector: boolean;
    }[]
  >`
    select d.locator, d.title, c.heading_path, c.url, c.text,
      (to_jsonb(c) ->> 'embedding') is not null as has_vector
    from knowledge_chunks c join knowledge_documents d on d.id = c.document_id
    order by d.locator, c.ord`;
}

knowledgeTest(
  "ingest - files: chunks keep titles, heading paths, anchors and public URLs",
  async (db) => {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      const report = await ingest(store, { path: corpus.dir, baseUrl: BASE }, fakeEmbeddings(fake));
      deepEqual(report.failed, []);
      equal(report.added, 8);
      const rows = await chunks(db.sql);
      const find = (path: string) => rows.find((r) => r.heading_path === path);

      // Markdown: front matter title and slug; a nested heading's path and anchor.
      const brew = find(
        "Getting started with Lumen › Install the desktop app › Install from the command line",
      );
      equal(brew?.url, `${BASE}start#install-from-the-command-line`);
      ok(brew?.text.includes("brew install --cask lumen"));
      // index.md is its folder's page; an explicit {#id} anchor is honoured.
      equal(find("User guide › Tags and folders")?.url, `${BASE}guide/#organising`);
      // MDX: imports, exports, JSX tags and comments dropped, the text between tags kept.
      const roles = find("Sharing notebooks › Roles and permissions");
      ok(roles?.text.includes("A viewer can read every note"), String(roles?.text));
      const mdx = rows.filter((r) => r.locator === "guide/sharing.mdx").map((r) => r.text).join(
        "\n",
      );
      for (const gone of ["import", "export const", "<Tab", "Callout", "internal: keep"]) {
        ok(!mdx.includes(gone), `MDX text still has ${gone}: ${mdx}`);
      }
      equal(find("Sharing notebooks › Public links")?.url, `${BASE}guide/sharing#public-links`);
      // HTML: main content only, anchors from ids (also an <a id> inside the heading).
      const html = rows.filter((r) => r.locator === "reference/api.html");
      deepEqual(html.map((r) => r.heading_path), [
        "REST API",
        "REST API › Authentication",
        "REST API › Rate limits",
        "REST API › Webhooks",
      ]);
      equal(html[3].url, `${BASE}reference/api.html#webhooks`);
      const htmlText = html.map((r) => r.text).join("\n");
      for (
        const gone of [
          "tracking pixel",
          "navigation menu",
          "Pricing banner",
          "Copyright footer",
          "sidebar",
        ]
      ) {
        ok(!htmlText.includes(gone), `HTML text still has ${gone}`);
      }
      ok(htmlText.includes("curl -H"), "code blocks are kept");
      // Plain text: its first line is the title.
      equal(rows.find((r) => r.locator === "billing.txt")?.title, "Plans and billing");
      // PDF: its Title, one section per page, linked to the page.
      const pdf = rows.filter((r) => r.locator === "offline.pdf");
      deepEqual(pdf.map((r) => [r.heading_path, r.url]), [
        ["Offline mode › Page 1", `${BASE}offline.pdf#page=1`],
        ["Offline mode › Page 2", `${BASE}offline.pdf#page=2`],
      ]);
      ok(pdf[1].text.includes("conflict copy"));
      // Every chunk has a vector (the fake's embeddings were stored).
      // Every chunk has a vector where pgvector exists (PGlite always has it).
      const vectors = await store.vectorsAvailable();
      equal(vectors || db.kind === "postgres", true);
      deepEqual(rows.filter((r) => r.has_vector !== vectors).map((r) => r.heading_path), []);
    } finally {
      await corpus.close();
      await fake.close();
    }
  },
);

knowledgeTest(
  "ingest - without a base URL, citations are the file's path in its source",
  async (db) => {
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      await ingest(store, { path: join(corpus.dir, "guide") }, null);
      const rows = await chunks(db.sql);
      equal(
        rows.find((r) =>
          r.heading_path === "Account security › Two-factor authentication › Recovery codes"
        )?.url,
        "passwords.md#recovery-codes",
      );
    } finally {
      await corpus.close();
    }
  },
);

knowledgeTest(
  "ingest - a folder is synced: unchanged costs nothing, an edit re-embeds only it, a deletion removes it",
  async (db) => {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      const embeddings = fakeEmbeddings(fake);
      await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      const before = fake.embeddingRequests().length;
      ok(before > 0);

      const again = await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      equal(
        fake.embeddingRequests().length,
        before,
        "re-ingesting an unchanged folder called the provider",
      );
      equal(again.unchanged, 8);
      equal(again.embedded, 0);

      const file = join(corpus.dir, "guide/passwords.md");
      await Deno.writeTextFile(
        file,
        (await Deno.readTextFile(file)).replace("30 minutes", "two hours"),
      );
      const edited = await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      equal(edited.updated, 1);
      equal(edited.unchanged, 7);
      const calls = fake.embeddingRequests().slice(before);
      ok(calls.length >= 1);
      const sent = calls.flatMap((r) => (r.body as { input: string[] }).input);
      ok(sent.every((t) => t.startsWith("Account security")), `embedded other documents: ${sent}`);
      const rows = await chunks(db.sql);
      ok(rows.some((r) => r.text.includes("valid for two hours")));
      ok(!rows.some((r) => r.text.includes("30 minutes")));

      await Deno.remove(join(corpus.dir, "reference/cli.md"));
      const removed = await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      equal(removed.removed, 1);
      const left = await chunks(db.sql);
      ok(!left.some((r) => r.locator === "reference/cli.md"));
      equal(left.filter((r) => r.locator === "reference/api.html").length, 4);
    } finally {
      await corpus.close();
      await fake.close();
    }
  },
);

knowledgeTest(
  "ingest - a provider failing mid-run leaves the previous version of the document intact",
  async (db) => {
    const fake = await startFakeOpenAI();
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      const embeddings = fakeEmbeddings(fake);
      await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      for (const name of ["guide/passwords.md", "guide/index.md"]) {
        const file = join(corpus.dir, name);
        await Deno.writeTextFile(
          file,
          (await Deno.readTextFile(file)) + "\n\nA new closing paragraph.\n",
        );
      }
      // The first changed document is embedded, then the provider answers 500 for good.
      fake.failEmbeddings({ after: 1, status: 500 });
      const report = await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings, {
        settings: {
          ...DEFAULT_KNOWLEDGE_SETTINGS,
          fetch: { ...DEFAULT_KNOWLEDGE_SETTINGS.fetch, concurrency: 1 },
        },
      });
      ok(report.aborted?.includes("HTTP 500"), String(report.aborted));
      equal(report.updated, 1);
      const rows = await chunks(db.sql);
      const updated = rows.filter((r) => r.text.includes("A new closing paragraph"));
      equal(updated.length, 1, "exactly one document was replaced");
      // The other document still has every chunk of its previous version.
      const other = updated[0].locator === "guide/index.md"
        ? "guide/passwords.md"
        : "guide/index.md";
      equal(rows.filter((r) => r.locator === other).length, other === "guide/index.md" ? 4 : 3);
      ok(rows.filter((r) => r.locator === other).every((r) => !r.text.includes("A new closing")));

      // Once the provider is back, the next run finishes the job.
      fake.failEmbeddings(null);
      const retry = await ingest(store, { path: corpus.dir, baseUrl: BASE }, embeddings);
      equal(retry.updated, 1);
      equal(retry.aborted, undefined);
    } finally {
      await corpus.close();
      await fake.close();
    }
  },
);

knowledgeTest(
  "ingest - a sitemap expands to its pages on its own host and is synced",
  async (db) => {
    const fake = await startFakeOpenAI();
    const site = await serveSite();
    try {
      const store = new KnowledgeStore(db.sql);
      const embeddings = fakeEmbeddings(fake);
      const report = await ingest(store, { url: site.sitemapUrl }, embeddings);
      equal(report.kind, "sitemap");
      equal(report.added, 3);
      deepEqual(report.skipped, ["https://elsewhere.example/docs/other.html"]);
      ok(!site.requests.some((p) => p.includes("other")));
      const rows = await chunks(db.sql);
      const e42 = rows.find((r) => r.heading_path === "Troubleshooting › Sync errors");
      equal(e42?.url, `${site.origin}/docs/troubleshooting.html#sync-errors`);
      ok(!rows.some((r) => r.text.includes("Contact support") || r.text.includes("Home | Docs")));

      site.removePage("/docs/changelog.html");
      site.setPage(
        "/docs/new.html",
        "<title>New page</title><main><h2 id='n'>Fresh</h2><p>Brand new words.</p></main>",
      );
      const before = fake.embeddingRequests().length;
      const second = await ingest(store, { url: site.sitemapUrl }, embeddings);
      deepEqual([second.added, second.removed, second.unchanged], [1, 1, 2]);
      const sent = fake.embeddingRequests().slice(before).flatMap((r) =>
        (r.body as { input: string[] }).input
      );
      ok(sent.every((t) => t.startsWith("New page")), `embedded: ${sent}`);
      const titles = new Set((await chunks(db.sql)).map((r) => r.title));
      ok(!titles.has("Release notes") && titles.has("New page"));
    } finally {
      await site.close();
      await fake.close();
    }
  },
);

knowledgeTest(
  "ingest - unreadable inputs are reported, keep their previous version and change nothing else",
  async (db) => {
    const site = await serveSite();
    const corpus = await makeCorpus();
    try {
      const store = new KnowledgeStore(db.sql);
      await ingest(store, { url: site.sitemapUrl }, null);
      // A listed page now fails: its previous version stays.
      site.setPage("/docs/privacy.html", "", true);
      site.removePage("/docs/privacy.html");
      site.setPage("/docs/privacy.html", "x", false);
      const pages = await store.documents(`${site.origin}/sitemap.xml`);
      equal(pages.length, 3);

      await Deno.writeFile(join(corpus.dir, "broken.pdf"), new TextEncoder().encode("not a pdf"));
      const report = await ingest(store, { path: corpus.dir }, null);
      equal(report.failed.length, 1);
      ok(/broken\.pdf: cannot be parsed/.test(report.failed[0].message), report.failed[0].message);
      equal(report.added, 8);

      let error: Error | undefined;
      try {
        await ingest(store, { path: join(corpus.dir, "missing") }, null);
      } catch (e) {
        error = e as Error;
      }
      ok(/missing: no such file or folder/.test(String(error?.message)), String(error));
      let unreachable: Error | undefined;
      try {
        await ingest(store, { url: "http://127.0.0.1:1/nothing.html" }, null);
      } catch (e) {
        unreachable = e as Error;
      }
      ok(/unreachable/.test(String(unreachable?.message)), String(unreachable));
      equal((await store.list()).length, 2, "failed sources were not recorded");
    } finally {
      await corpus.close();
      await site.close();
    }
  },
);

knowledgeTest("ingest - removing a source drops its documents and chunks", async (db) => {
  const corpus = await makeCorpus();
  try {
    const store = new KnowledgeStore(db.sql);
    const report = await ingest(store, { path: corpus.dir }, null);
    deepEqual((await store.list()).map((s) => [s.id, s.documents]), [[report.source, 8]]);
    deepEqual(await store.removeSource(report.source), { documents: 8 });
    equal((await chunks(db.sql)).length, 0);
    equal(await store.removeSource(report.source), null);
    const search = new KnowledgeSearch(store, DEFAULT_KNOWLEDGE_SETTINGS, null);
    equal(await search.hasDocuments(), false);
  } finally {
    await corpus.close();
  }
});
