/**
 * Syncing one source into the knowledge base. A folder or sitemap is synced, not appended:
 * documents whose files or pages are gone are removed; a document whose parsed content and
 * embedding model are unchanged (content hash) costs nothing, not even an embedding call; a
 * changed one is embedded first and then replaced in one transaction, so a question asked
 * meanwhile sees the old version or the new one. An unreadable file or page keeps its previous
 * version; a provider failure (after the client's retries) stops the sync and leaves every
 * document not yet replaced as it was.
 * @module
 */
import { relative, resolve } from "node:path";
import { chunkDocument } from "./chunk.ts";
import { type EmbeddingClient, EmbeddingError } from "./embeddings.ts";
import { expandSitemap, type Fetched, isSitemap, parseHttpUrl, PoliteFetcher } from "./fetch.ts";
import { formatOfPath, formatOfResponse, parseDocument, titleFromName } from "./parse.ts";
import type { KnowledgeSettings, KnowledgeSourceSetting } from "./settings.ts";
import { embeddingKey, type KnowledgeWriter, type SourceKind } from "./store.ts";
import { IngestInputError, type ParsedDocument, type PreparedDocument } from "./types.ts";
import { fileUrl } from "./urls.ts";

/** Bumped when parsing or chunking changes, so every document is re-read once. */
export const CHUNKER_VERSION = 1;

/** Progress of one sync, reported after every document. */
export interface SyncProgress {
  source: string;
  documentsDone: number;
  documentsTotal: number;
  chunks: number;
  embedded: number;
  /** Estimated milliseconds left (undefined until the first document is done). */
  etaMs?: number;
}

/** What a sync did. */
export interface SyncReport {
  source: string;
  kind: SourceKind;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  /** Chunks written. */
  chunks: number;
  /** Texts sent to the embedding provider. */
  embedded: number;
  /** Inputs that could not be read: their previous versions stay. */
  failed: { input: string; message: string }[];
  /** Set when the embedding provider failed and the sync stopped. */
  aborted?: string;
  /** Folder files of other types, and sitemap entries on other hosts, left out. */
  skipped: string[];
  /** Whether chunks got vectors (false: full-text search only). */
  vectors: boolean;
}

/** What a sync needs. */
export interface SyncOptions {
  writer: KnowledgeWriter;
  /** Null: no vectors (EMBEDDING_MODEL unset). */
  embeddings: EmbeddingClient | null;
  settings: Pick<KnowledgeSettings, "chunk" | "fetch">;
  /** Where relative paths start (default: the working directory). */
  cwd?: string;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

/** The id a source is stored under: a path relative to `cwd`, or the URL without fragment. */
export function sourceId(source: KnowledgeSourceSetting, cwd = Deno.cwd()): string {
  if (source.url) return parseHttpUrl(source.url);
  const absolute = resolve(cwd, source.path ?? ".");
  const rel = relative(cwd, absolute).replaceAll("\\", "/");
  // Inside the project: as written in fresh.config.ts; outside it: the absolute path.
  return rel.startsWith("..") ? absolute : rel || ".";
}

/** Turns a parsed document into chunks and its content hash. */
export async function prepareDocument(
  parsed: ParsedDocument,
  locator: string,
  url: string,
  settings: Pick<KnowledgeSettings, "chunk">,
): Promise<PreparedDocument> {
  const chunks = chunkDocument(parsed, url, settings.chunk);
  const canonical = JSON.stringify([CHUNKER_VERSION, url, parsed.title, chunks]);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  const contentHash = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  return { locator, url, title: parsed.title, contentHash, chunks };
}

/** The text embedded for a chunk: its heading path, then its text. */
export function embeddingInput(chunk: { headingPath: string; text: string }): string {
  return `${chunk.headingPath}\n\n${chunk.text}`;
}

/** A document to (maybe) ingest: its locator and how to read and parse it. */
interface Input {
  locator: string;
  load(): Promise<PreparedDocument>;
}

/** Syncs one source. Throws IngestInputError when the source itself cannot be read. */
export async function syncSource(
  source: KnowledgeSourceSetting,
  options: SyncOptions,
): Promise<SyncReport> {
  const id = sourceId(source, options.cwd);
  const { kind, inputs, skipped } = source.url
    ? await urlInputs(id, options)
    : await pathInputs(source, id, options);
  const report: SyncReport = {
    source: id,
    kind,
    added: 0,
    updated: 0,
    unchanged: 0,
    removed: 0,
    chunks: 0,
    embedded: 0,
    failed: [],
    skipped,
    vectors: false,
  };
  const { writer, embeddings } = options;
  await writer.upsertSource(id, kind);
  const stored = new Map((await writer.documents(id)).map((d) => [d.locator, d]));

  // Gone from the folder or sitemap: removed now (no provider involved).
  const listed = new Set(inputs.map((i) => i.locator));
  report.removed = await writer.removeDocuments(
    id,
    [...stored.keys()].filter((l) => !listed.has(l)),
  );

  // Which vectors documents should have: known now, or decided by the first embeddings.
  const state = await writer.state();
  const wantVectors = Boolean(embeddings) && state.vectorsAvailable;
  report.vectors = wantVectors;
  let targetKey: string | null = wantVectors ? null : "";
  if (wantVectors && state.vectors?.model === embeddings!.config.model) {
    const dims = embeddings!.config.dimensions;
    if (!dims || dims === state.vectors.dimensions) targetKey = embeddingKey(state.vectors);
  }
  let preparing: Promise<string> | null = null;
  const keyFor = (vectors: number[][]): Promise<string> => {
    if (targetKey !== null) return Promise.resolve(targetKey);
    // The first answer tells the size; the column is (re)built once, other workers wait.
    preparing ??= (async () => {
      const model = embeddings!.config.model;
      const dimensions = vectors[0].length;
      await writer.prepareVectors(model, dimensions);
      targetKey = embeddingKey({ model, dimensions, type: "vector" });
      return targetKey;
    })();
    return preparing;
  };

  const started = performance.now();
  let done = 0;
  const progress = () =>
    options.onProgress?.({
      source: id,
      documentsDone: done,
      documentsTotal: inputs.length,
      chunks: report.chunks,
      embedded: report.embedded,
      etaMs: done ? ((performance.now() - started) / done) * (inputs.length - done) : undefined,
    });

  const queue = [...inputs];
  const worker = async () => {
    while (queue.length && !report.aborted && !options.signal?.aborted) {
      const input = queue.shift()!;
      try {
        const doc = await input.load();
        const previous = stored.get(input.locator);
        if (
          previous && previous.contentHash === doc.contentHash &&
          (targetKey !== null && previous.embeddingKey === targetKey)
        ) {
          report.unchanged++;
        } else {
          let vectors: number[][] | undefined;
          let key = "";
          if (wantVectors && doc.chunks.length) {
            vectors = await embeddings!.embed(doc.chunks.map(embeddingInput), options.signal);
            report.embedded += vectors.length;
            key = await keyFor(vectors);
          }
          await writer.replaceDocument(id, doc, key, vectors);
          report.chunks += doc.chunks.length;
          if (previous) report.updated++;
          else report.added++;
        }
      } catch (error) {
        if (error instanceof EmbeddingError) {
          report.aborted = error.message;
          report.failed.push({ input: input.locator, message: error.message });
        } else if (error instanceof IngestInputError) {
          report.failed.push({ input: error.input, message: error.message });
        } else if (error instanceof Error && !options.signal?.aborted) {
          report.failed.push({
            input: input.locator,
            message: `${input.locator}: ${error.message}`,
          });
        } else {
          throw error;
        }
      }
      done++;
      progress();
    }
  };
  const workers = Math.max(1, Math.min(options.settings.fetch.concurrency, inputs.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (report.chunks || report.removed) await writer.analyze();
  return report;
}

async function pathInputs(
  source: KnowledgeSourceSetting,
  id: string,
  options: SyncOptions,
): Promise<{ kind: SourceKind; inputs: Input[]; skipped: string[] }> {
  const root = resolve(options.cwd ?? Deno.cwd(), source.path!);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(root);
  } catch (error) {
    throw new IngestInputError(source.path!, readError(error));
  }
  const skipped: string[] = [];
  const files: string[] = [];
  if (info.isDirectory) {
    await walk(root, "", files, skipped);
  } else {
    if (!formatOfPath(root)) {
      throw new IngestInputError(
        source.path!,
        "unsupported file type (expected .md, .mdx, .html, .htm, .txt or .pdf)",
      );
    }
    files.push(root.split(/[\\/]/).pop()!);
  }
  const base = info.isDirectory ? root : resolve(root, "..");
  const inputs = files.sort().map((rel): Input => ({
    locator: rel,
    async load() {
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(resolve(base, rel));
      } catch (error) {
        throw new IngestInputError(`${id === "." ? "" : `${id}/`}${rel}`, readError(error));
      }
      if (bytes.byteLength > options.settings.fetch.maxBytes) {
        throw new IngestInputError(
          rel,
          `larger than the ${options.settings.fetch.maxBytes}-byte limit`,
        );
      }
      const parsed = await parseOrFail(
        rel,
        () => parseDocument(bytes, formatOfPath(rel)!, titleFromName(rel)),
      );
      return prepareDocument(
        parsed,
        rel,
        fileUrl(rel, source.baseUrl, parsed.slug),
        options.settings,
      );
    },
  }));
  return { kind: info.isDirectory ? "folder" : "file", inputs, skipped };
}

async function walk(root: string, rel: string, files: string[], skipped: string[]) {
  for await (const entry of Deno.readDir(rel ? resolve(root, rel) : root)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory) await walk(root, path, files, skipped);
    else if (entry.isFile) (formatOfPath(path) ? files : skipped).push(path);
  }
}

async function urlInputs(
  id: string,
  options: SyncOptions,
): Promise<{ kind: SourceKind; inputs: Input[]; skipped: string[] }> {
  const fetcher = new PoliteFetcher(options.settings.fetch);
  const first = await fetcher.get(id, options.signal);
  const page = (url: string, fetched?: Fetched): Input => ({
    locator: url,
    async load() {
      const got = fetched ?? await fetcher.get(url, options.signal);
      const format = formatOfResponse(got.contentType, got.finalUrl);
      if (!format) {
        throw new IngestInputError(url, `unsupported content type ${got.contentType ?? "(none)"}`);
      }
      const name = titleFromName(new URL(url).pathname.replace(/\/$/, "") || new URL(url).host);
      const parsed = await parseOrFail(url, () => parseDocument(got.bytes, format, name));
      return prepareDocument(parsed, url, url, options.settings);
    },
  });
  if (!isSitemap(first)) return { kind: "page", inputs: [page(id, first)], skipped: [] };
  const { pages, skipped } = await expandSitemap(first, fetcher);
  return { kind: "sitemap", inputs: pages.map((p) => page(p)), skipped };
}

async function parseOrFail(input: string, parse: () => Promise<ParsedDocument>) {
  try {
    return await parse();
  } catch (error) {
    throw new IngestInputError(input, `cannot be parsed: ${(error as Error).message}`);
  }
}

function readError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "no such file or folder";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return `cannot be read: ${(error as Error).message}`;
}
