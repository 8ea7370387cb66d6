/**
 * Ingestion through the running app. While the app holds the embedded database (one process
 * per PGlite folder, and a second connection is unsafe under concurrent transactions),
 * `deno task ingest` parses and embeds in its own process and sends each write to the app:
 * `POST /api/knowledge` with the token from `DATA_DIR/ingest.json` — a file only this user
 * may read (0600), rewritten with a new token at every start. The app runs the same
 * `KnowledgeStore` methods, so a document is still replaced in one transaction.
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import type { PreparedDocument } from "./types.ts";
import type { KnowledgeStore, KnowledgeWriter, SourceKind } from "./store.ts";
import type { ClosableWriter } from "./writer.ts";

/** The endpoint file's name in DATA_DIR. */
export const INGEST_ENDPOINT_FILE = "ingest.json";
/** Largest write accepted (one document with its vectors). */
export const MAX_INGEST_BODY = 64 * 1024 * 1024;

/** What the app writes for the CLI. */
export interface IngestEndpoint {
  url: string;
  token: string;
  pid: number;
}

/** Publishes the app's ingestion endpoint; `remove()` deletes the file at shutdown. */
export async function writeIngestEndpoint(
  dataDir: string,
  url: string,
): Promise<{ token: string; remove(): Promise<void> }> {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const token = btoa(String.fromCharCode(...bytes)).replace(
    /[+/=]/g,
    (c) => c === "+" ? "-" : c === "/" ? "_" : "",
  );
  const path = join(dataDir, INGEST_ENDPOINT_FILE);
  const partial = `${path}.${crypto.randomUUID()}`;
  const endpoint: IngestEndpoint = { url, token, pid: Deno.pid };
  await Deno.writeTextFile(partial, JSON.stringify(endpoint), { mode: 0o600 });
  await Deno.chmod(partial, 0o600);
  await Deno.rename(partial, path);
  return {
    token,
    async remove() {
      try {
        const current = JSON.parse(await Deno.readTextFile(path)) as IngestEndpoint;
        if (current.token === token) await Deno.remove(path);
      } catch { /* already gone */ }
    },
  };
}

/** The endpoint the running app published, or null. */
export async function readIngestEndpoint(dataDir: string): Promise<IngestEndpoint | null> {
  try {
    const parsed = JSON.parse(await Deno.readTextFile(join(dataDir, INGEST_ENDPOINT_FILE)));
    if (typeof parsed?.url === "string" && typeof parsed?.token === "string") return parsed;
  } catch { /* none */ }
  return null;
}

const chunk = z.object({
  ord: z.number().int().min(0),
  headingPath: z.string(),
  url: z.string(),
  text: z.string(),
});
const document = z.object({
  locator: z.string().min(1),
  url: z.string(),
  title: z.string(),
  contentHash: z.string().min(1),
  chunks: z.array(chunk),
});
const kind = z.enum(["folder", "file", "page", "sitemap"]);
const source = z.string().min(1).max(2000);

/** The writes, one per request (vectors as base64 little-endian float32, to keep bodies small). */
const request = z.discriminatedUnion("op", [
  z.object({ op: z.literal("state") }),
  z.object({ op: z.literal("list") }),
  z.object({ op: z.literal("analyze") }),
  z.object({
    op: z.literal("prepareVectors"),
    model: z.string().min(1),
    dimensions: z.number().int().min(1).max(16_000),
  }),
  z.object({ op: z.literal("documents"), source }),
  z.object({ op: z.literal("upsertSource"), source, kind }),
  z.object({
    op: z.literal("replaceDocument"),
    source,
    document,
    embeddingKey: z.string(),
    vectors: z.array(z.string()).optional(),
  }),
  z.object({ op: z.literal("removeDocuments"), source, locators: z.array(z.string()) }),
  z.object({ op: z.literal("removeSource"), source }),
]);
type IngestRequest = z.infer<typeof request>;

/** Whether a request carries the endpoint's token (checked before its body is read). */
export function ingestAuthorized(token: string | null, authorization: string | null): boolean {
  const given = authorization?.replace(/^Bearer\s+/i, "") ?? "";
  return Boolean(token) && sameToken(given, token!);
}

/**
 * Runs one write of an authorized `POST /api/knowledge` body: 400 for a bad body, else the store
 * method's result as `{ result }`.
 */
export async function handleIngestBody(
  store: KnowledgeStore,
  bytes: Uint8Array,
): Promise<Response> {
  let body: IngestRequest;
  try {
    const parsed = request.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    if (!parsed.success) throw new Error(z.prettifyError(parsed.error));
    body = parsed.data;
  } catch (error) {
    return Response.json({
      error: { code: "bad_request", message: (error as Error).message },
    }, { status: 400 });
  }
  return Response.json({ result: (await dispatch(store, body)) ?? null });
}

/** The whole exchange for a plain `Request` (401 without the token), e.g. in tests. */
export async function handleIngestRequest(
  store: KnowledgeStore,
  token: string | null,
  req: Request,
): Promise<Response> {
  if (!ingestAuthorized(token, req.headers.get("authorization"))) return unauthorized();
  return await handleIngestBody(store, new Uint8Array(await req.arrayBuffer()));
}

/** The 401 answer. */
export function unauthorized(): Response {
  return Response.json({ error: { code: "unauthorized", message: "bad ingestion token" } }, {
    status: 401,
  });
}

function dispatch(store: KnowledgeStore, body: IngestRequest): Promise<unknown> {
  switch (body.op) {
    case "state":
      return store.state();
    case "list":
      return store.list();
    case "analyze":
      return store.analyze();
    case "prepareVectors":
      return store.prepareVectors(body.model, body.dimensions);
    case "documents":
      return store.documents(body.source);
    case "upsertSource":
      return store.upsertSource(body.source, body.kind);
    case "replaceDocument":
      return store.replaceDocument(
        body.source,
        body.document,
        body.embeddingKey,
        body.vectors?.map(decodeVector),
      );
    case "removeDocuments":
      return store.removeDocuments(body.source, body.locators);
    case "removeSource":
      return store.removeSource(body.source);
  }
}

function sameToken(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function encodeVector(v: number[]): string {
  const bytes = new Uint8Array(new Float32Array(v).buffer);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function decodeVector(s: string): number[] {
  const bytes = Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return Array.from(new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2));
}

/** The app refused or failed a write. */
export class RemoteIngestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RemoteIngestError";
  }
}

/** A {@link KnowledgeWriter} that writes through the running app. */
export class RemoteKnowledgeWriter implements ClosableWriter {
  constructor(readonly endpoint: IngestEndpoint) {}

  async #call<T>(body: IngestRequest): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL("/api/knowledge", this.endpoint.url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.endpoint.token}`,
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new RemoteIngestError(
        `the app at ${this.endpoint.url} did not answer: ${(error as Error).message}`,
      );
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new RemoteIngestError(
        `the app refused the write (HTTP ${response.status}): ${answer?.error?.message ?? ""}`,
      );
    }
    return answer.result as T;
  }

  state: KnowledgeWriter["state"] = () => this.#call({ op: "state" });
  list: KnowledgeWriter["list"] = () => this.#call({ op: "list" });
  analyze: KnowledgeWriter["analyze"] = () => this.#call({ op: "analyze" });
  prepareVectors: KnowledgeWriter["prepareVectors"] = (model, dimensions) =>
    this.#call({ op: "prepareVectors", model, dimensions });
  documents: KnowledgeWriter["documents"] = (source) => this.#call({ op: "documents", source });
  upsertSource = (source: string, kind: SourceKind): Promise<void> =>
    this.#call({ op: "upsertSource", source, kind });
  replaceDocument = (
    source: string,
    document: PreparedDocument,
    embeddingKey: string,
    vectors?: number[][],
  ): Promise<void> =>
    this.#call({
      op: "replaceDocument",
      source,
      document,
      embeddingKey,
      ...(vectors ? { vectors: vectors.map(encodeVector) } : {}),
    });
  removeDocuments: KnowledgeWriter["removeDocuments"] = (source, locators) =>
    this.#call({ op: "removeDocuments", source, locators });
  removeSource: KnowledgeWriter["removeSource"] = (source) =>
    this.#call({ op: "removeSource", source });
  close(): Promise<void> {
    return Promise.resolve();
  }
}
