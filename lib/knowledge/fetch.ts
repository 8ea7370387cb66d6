/**
 * Fetching pages politely: a few at a time, each with a time limit and a size cap, http(s)
 * only, and a sitemap's pages only on the sitemap's own host unless listed in
 * `knowledge.fetch.allowedHosts`. Sitemaps (`<urlset>`, and `<sitemapindex>` one level deep)
 * expand to their pages.
 * @module
 */
import { DOMParser } from "linkedom";
import type { FetchSettings } from "./settings.ts";
import { IngestInputError } from "./types.ts";
import { readStreamCapped } from "../http/body.ts";

/** A fetched resource. */
export interface Fetched {
  /** The URL asked for (without fragment). */
  url: string;
  /** The URL after redirects. */
  finalUrl: string;
  contentType: string | null;
  bytes: Uint8Array;
}

const USER_AGENT = "deno-chatkit-ingest/1 (+knowledge base indexer)";

/** Fetches with a concurrency limit shared by every call. */
export class PoliteFetcher {
  #active = 0;
  #waiting: (() => void)[] = [];

  constructor(readonly settings: FetchSettings) {}

  async get(url: string, signal?: AbortSignal): Promise<Fetched> {
    const parsed = parseHttpUrl(url);
    await this.#acquire();
    try {
      let response: Response;
      const timeout = AbortSignal.timeout(this.settings.timeoutMs);
      try {
        response = await fetch(parsed, {
          headers: {
            "user-agent": USER_AGENT,
            accept: "text/html, application/xml;q=0.9, */*;q=0.5",
          },
          redirect: "follow",
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw error;
        const why = timeout.aborted
          ? `no answer within ${this.settings.timeoutMs} ms`
          : (error as Error).message;
        throw new IngestInputError(url, `unreachable: ${why}`);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new IngestInputError(url, `HTTP ${response.status} ${response.statusText}`.trim());
      }
      const declared = Number(response.headers.get("content-length"));
      if (declared > this.settings.maxBytes) {
        await response.body?.cancel();
        throw new IngestInputError(url, `larger than the ${this.settings.maxBytes}-byte limit`);
      }
      const bytes = await readCapped(response, this.settings.maxBytes, url);
      return {
        url: parsed,
        finalUrl: response.url || parsed,
        contentType: response.headers.get("content-type"),
        bytes,
      };
    } finally {
      this.#release();
    }
  }

  async #acquire() {
    if (this.#active < Math.max(1, this.settings.concurrency)) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  #release() {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active--;
  }
}

/** Checks an http(s) URL and drops its fragment. */
export function parseHttpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new IngestInputError(url, "not a valid URL");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new IngestInputError(url, "only http:// and https:// URLs can be ingested");
  }
  parsed.hash = "";
  return parsed.toString();
}

async function readCapped(response: Response, max: number, url: string): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const bytes = await readStreamCapped(response.body, max);
  if (bytes) return bytes;
  await response.body.cancel();
  throw new IngestInputError(url, `larger than the ${max}-byte limit`);
}

/** Whether a fetched resource is a sitemap (or sitemap index). */
export function isSitemap(fetched: Fetched): boolean {
  const type = (fetched.contentType ?? "").toLowerCase();
  if (type.includes("html")) return false;
  const head = new TextDecoder().decode(fetched.bytes.subarray(0, 2048));
  return /<(urlset|sitemapindex)\b/.test(head);
}

/** The page URLs of a sitemap; `skipped` lists those on hosts it may not point to. */
export async function expandSitemap(
  fetched: Fetched,
  fetcher: PoliteFetcher,
  depth = 0,
): Promise<{ pages: string[]; skipped: string[] }> {
  const xml = new DOMParser().parseFromString(new TextDecoder().decode(fetched.bytes), "text/xml");
  const host = new URL(fetched.finalUrl).host;
  const allowed = new Set([host, ...fetcher.settings.allowedHosts]);
  const locs = (selector: string) =>
    [...xml.querySelectorAll(selector)].map((n) => String(n.textContent ?? "").trim())
      .filter(Boolean);
  const pages = new Set<string>();
  const skipped: string[] = [];
  const keep = (url: string) => {
    let parsed: string;
    try {
      parsed = parseHttpUrl(url);
    } catch {
      skipped.push(url);
      return false;
    }
    if (!allowed.has(new URL(parsed).host)) {
      skipped.push(url);
      return false;
    }
    return parsed;
  };
  for (const loc of locs("url > loc")) {
    const page = keep(loc);
    if (page) pages.add(page);
  }
  if (depth === 0) {
    for (const loc of locs("sitemap > loc")) {
      const child = keep(loc);
      if (!child) continue;
      const nested = await expandSitemap(await fetcher.get(child), fetcher, depth + 1);
      nested.pages.forEach((p) => pages.add(p));
      skipped.push(...nested.skipped);
    }
  }
  return { pages: [...pages], skipped };
}
