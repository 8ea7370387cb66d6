/**
 * The knowledge tests' corpus: the files under tests/fixtures/knowledge/docs (Markdown with
 * front matter, MDX, HTML, plain text) copied to a temporary folder with a PDF generated beside
 * them, and the pages under tests/fixtures/knowledge/site served on loopback with a sitemap.
 * @module
 */
import { join } from "node:path";

const FIXTURES = new URL("../fixtures/knowledge/", import.meta.url).pathname;

/** The PDF's pages, as lines of text. */
export const OFFLINE_PDF_PAGES = [
  [
    "Working offline",
    "Lumen keeps a full copy of every notebook on your computer, so notes can be read and",
    "written without an internet connection. Changes are queued and uploaded when the",
    "connection comes back.",
  ],
  [
    "Conflicts",
    "When the same note was edited on two devices while one of them was offline, Lumen keeps",
    "both versions. The older one is saved as a conflict copy next to the note, so nothing",
    "is lost; merge them by hand and delete the copy.",
  ],
];

/**
 * A minimal, valid PDF: one page per entry of `pages`, each line drawn in Helvetica, with a
 * document Title. Written by hand so the test owns its input (no generator library).
 */
export function makePdf(pages: string[][], title: string): Uint8Array {
  const escape = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  add("<< /Type /Catalog /Pages 2 0 R >>");
  add(""); // pages, filled in below
  add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  add(`<< /Title (${escape(title)}) >>`);
  const kids: number[] = [];
  for (const lines of pages) {
    const content = `BT /F1 12 Tf 72 740 Td 16 TL ${
      lines.map((l) => `(${escape(l)}) Tj T*`).join(" ")
    } ET`;
    add(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${objects.length} 0 R ` +
        `/Resources << /Font << /F1 3 0 R >> >> >>`,
    );
    kids.push(objects.length);
  }
  objects[1] = `<< /Type /Pages /Kids [${
    kids.map((k) => `${k} 0 R`).join(" ")
  }] /Count ${kids.length} >>`;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${
    objects.length + 1
  } /Root 1 0 R /Info 4 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** A fresh copy of the docs folder (with offline.pdf); remove it when done. */
export async function makeCorpus(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "knowledge-corpus-" });
  await copyTree(join(FIXTURES, "docs"), dir);
  await Deno.writeFile(join(dir, "offline.pdf"), makePdf(OFFLINE_PDF_PAGES, "Offline mode"));
  return { dir, close: () => Deno.remove(dir, { recursive: true }) };
}

async function copyTree(from: string, to: string) {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) await copyTree(join(from, entry.name), join(to, entry.name));
    else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
  }
}

/** The loopback site: its pages, a sitemap listing them, and ways to change them. */
export interface FakeSite {
  origin: string;
  sitemapUrl: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Replaces (or adds) a page; `inSitemap` lists it. */
  setPage(path: string, html: string, inSitemap?: boolean): void;
  /** Keeps a page listed but answers it with HTTP 500. */
  breakPage(path: string): void;
  /** Drops a page from the sitemap (and the site). */
  removePage(path: string): void;
  close(): Promise<void>;
}

/**
 * Serves tests/fixtures/knowledge/site/*.html at `/docs/<name>` and a sitemap that lists them,
 * plus one entry on another host (which ingestion must skip) and a nested sitemap index.
 */
export async function serveSite(): Promise<FakeSite> {
  const pages = new Map<string, string>();
  for await (const entry of Deno.readDir(join(FIXTURES, "site"))) {
    pages.set(`/docs/${entry.name}`, await Deno.readTextFile(join(FIXTURES, "site", entry.name)));
  }
  const listed = new Set(pages.keys());
  const broken = new Set<string>();
  const requests: string[] = [];
  let origin = "";
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    if (path === "/sitemap.xml") {
      return new Response(
        `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
          `<sitemap><loc>${origin}/sitemap-docs.xml</loc></sitemap></sitemapindex>`,
        { headers: { "content-type": "application/xml" } },
      );
    }
    if (path === "/sitemap-docs.xml") {
      const urls = [...listed].sort().map((p) => `<url><loc>${origin}${p}</loc></url>`).join("");
      return new Response(
        `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">` +
          `${urls}<url><loc>https://elsewhere.example/docs/other.html</loc></url></urlset>`,
        { headers: { "content-type": "application/xml; charset=utf-8" } },
      );
    }
    if (broken.has(path)) return new Response("oops", { status: 500 });
    const page = pages.get(path);
    if (page === undefined) return new Response("not found", { status: 404 });
    return new Response(page, { headers: { "content-type": "text/html; charset=utf-8" } });
  });
  origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    sitemapUrl: `${origin}/sitemap.xml`,
    requests,
    setPage(path, html, inSitemap = true) {
      pages.set(path, html);
      if (inSitemap) listed.add(path);
    },
    breakPage(path) {
      broken.add(path);
    },
    removePage(path) {
      pages.delete(path);
      listed.delete(path);
    },
    close: () => server.shutdown(),
  };
}
