/**
 * `deno task ingest [PATH|URL]...`: syncs folders, files, pages and sitemaps into the site's
 * knowledge base (with no argument: `knowledge.sources` of fresh.config.ts).
 *
 *   deno task ingest docs/ https://example.com/sitemap.xml
 *   deno task ingest --list              what is indexed
 *   deno task ingest --remove docs       drop a source and everything from it
 *   deno task ingest --base-url https://docs.example.com/ docs/   citations link to the site
 *
 * Writes to DATABASE_URL, or to the embedded database in DATA_DIR (migrations applied first).
 * Progress goes to stderr, one summary line per source to stdout; the exit code is 1 when
 * anything failed.
 */
import settingsFile from "../fresh.config.ts";
import { ConfigError, loadConfig } from "../lib/config.ts";
import { DataDirLockedError } from "../lib/db/lock.ts";
import { MigrationError } from "../lib/db/migrate.ts";
import { EmbeddingClient, EmbeddingError, resolveEmbeddings } from "../lib/knowledge/embeddings.ts";
import { openKnowledgeWriter } from "../lib/knowledge/writer.ts";
import { RemoteIngestError } from "../lib/knowledge/remote.ts";
import {
  KnowledgeSettingsError,
  type KnowledgeSourceSetting,
  resolveKnowledgeSettings,
} from "../lib/knowledge/settings.ts";
import { sourceId, type SyncProgress, type SyncReport, syncSource } from "../lib/knowledge/sync.ts";
import { IngestInputError } from "../lib/knowledge/types.ts";

const USAGE =
  `usage: deno task ingest [PATH|URL]...        sync sources (none: fresh.config.ts → knowledge.sources)
       deno task ingest --base-url URL PATH   publish PATH's documents at URL
       deno task ingest --list                show what is indexed
       deno task ingest --remove SOURCE       drop a source (as shown by --list)`;

interface Args {
  inputs: string[];
  list: boolean;
  remove?: string;
  baseUrl?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { inputs: [], list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--list") args.list = true;
    else if (a === "--remove" || a === "--base-url") {
      const value = argv[++i];
      if (!value) throw new UsageError(`${a} needs a value`);
      if (a === "--remove") args.remove = value;
      else args.baseUrl = value;
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else args.inputs.push(a);
  }
  return args;
}

class UsageError extends Error {}

function formatMs(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)}ms`
    : ms < 60_000
    ? `${(ms / 1000).toFixed(1)}s`
    : `${Math.round(ms / 60_000)}min`;
}

function progressPrinter() {
  const tty = Deno.stderr.isTerminal();
  let last = 0;
  const encoder = new TextEncoder();
  return {
    update(p: SyncProgress) {
      const now = performance.now();
      const final = p.documentsDone === p.documentsTotal;
      if (!tty && !final && now - last < 1000) return;
      last = now;
      const line =
        `${p.source}: ${p.documentsDone}/${p.documentsTotal} documents, ${p.chunks} chunks, ` +
        `${p.embedded} embedded${
          p.etaMs !== undefined && !final ? `, ETA ${formatMs(p.etaMs)}` : ""
        }`;
      Deno.stderr.writeSync(
        encoder.encode(tty ? `\r\x1b[2K${line}${final ? "\n" : ""}` : `${line}\n`),
      );
    },
  };
}

function summary(r: SyncReport): string {
  return `${r.source} (${r.kind}): ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, ` +
    `${r.removed} removed, ${r.failed.length} failed; ${r.chunks} chunks written, ${r.embedded} embedded` +
    (r.vectors ? "" : " (full-text only)");
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const config = loadConfig(Deno.env.toObject(), "development");
  const settings = resolveKnowledgeSettings(settingsFile.knowledge);
  const writer = await openKnowledgeWriter(config, settings);
  try {
    if (args.list) {
      const sources = await writer.list();
      if (!sources.length) console.log("the knowledge base is empty");
      for (const s of sources) {
        console.log(
          `${s.id}\t${s.kind}\t${s.documents} documents\t${s.chunks} chunks\tsynced ${s.syncedAt}`,
        );
      }
      return 0;
    }
    if (args.remove) {
      const id = /^https?:\/\//i.test(args.remove)
        ? sourceId({ url: args.remove })
        : sourceId({ path: args.remove });
      const removed = await writer.removeSource(id);
      if (!removed) {
        console.error(`no source ${id} in the knowledge base (see --list)`);
        return 1;
      }
      console.log(`removed ${id}: ${removed.documents} documents`);
      return 0;
    }
    let sources: KnowledgeSourceSetting[] = args.inputs.map((i) =>
      /^https?:\/\//i.test(i) ? { url: i } : { path: i, baseUrl: args.baseUrl }
    );
    if (!sources.length) sources = settings.sources;
    if (!sources.length) {
      console.error(
        `nothing to ingest: name a folder, file or URL, or list sources in fresh.config.ts → knowledge.sources\n${USAGE}`,
      );
      return 1;
    }
    // A path given on the command line takes the base URL configured for it.
    sources = sources.map((s) => {
      if (!s.path || s.baseUrl) return s;
      const configured = settings.sources.find((c) => c.path && sourceId(c) === sourceId(s));
      return configured?.baseUrl ? { ...s, baseUrl: configured.baseUrl } : s;
    });
    const embeddingConfig = resolveEmbeddings(config.embedding, config.llm);
    const embeddings = embeddingConfig ? new EmbeddingClient(embeddingConfig) : null;
    if (!embeddings) {
      console.error("EMBEDDING_MODEL is not set: full-text search only (no vectors)");
    }
    const printer = progressPrinter();
    const started = performance.now();
    let failed = false;
    for (const source of sources) {
      let report: SyncReport;
      try {
        report = await syncSource(source, {
          writer,
          embeddings,
          settings,
          onProgress: printer.update,
        });
      } catch (error) {
        if (!(error instanceof IngestInputError)) throw error;
        console.error(`error: ${error.message}`);
        failed = true;
        continue;
      }
      for (const f of report.failed) console.error(`error: ${f.message}`);
      for (const s of report.skipped.filter((s) => /^https?:/.test(s))) {
        console.error(`skipped ${s} (another host; add it to knowledge.fetch.allowedHosts)`);
      }
      console.log(summary(report));
      if (report.failed.length) failed = true;
      if (report.aborted) {
        console.error(
          `stopped: ${report.aborted}; documents not yet replaced keep their previous version`,
        );
        break;
      }
    }
    console.error(`done in ${formatMs(performance.now() - started)}`);
    return failed ? 1 : 0;
  } finally {
    await writer.close();
  }
}

try {
  Deno.exitCode = await main();
} catch (error) {
  if (
    error instanceof UsageError || error instanceof ConfigError ||
    error instanceof MigrationError ||
    error instanceof KnowledgeSettingsError || error instanceof DataDirLockedError ||
    error instanceof EmbeddingError || error instanceof IngestInputError ||
    error instanceof RemoteIngestError
  ) {
    console.error(`error: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    Deno.exitCode = 1;
  } else {
    throw error;
  }
}
