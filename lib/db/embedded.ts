/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) persisted in a folder and
 * served on loopback through pglite-socket, so the app talks to it with the same postgres.js
 * client as to a real server. The socket server runs one query at a time, so clients must
 * use ONE connection (several connections with transactions fail intermittently); the server
 * accepts a few so that a reconnect is not refused while the old socket is still closing.
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** A postgres:// URL on 127.0.0.1 for exactly one connection. */
  url: string;
  /** Stops the socket server and closes PGlite, flushing its data to disk. */
  close(): Promise<void>;
}

/**
 * Starts PGlite in `dataDir` (created if missing), or in memory when `dataDir` is undefined.
 * `template` (a `dumpDataDir()` tarball) starts from a copy instead of running initdb, which
 * is several times faster (tests use it).
 */
export async function startEmbeddedPostgres(
  dataDir?: string,
  options: { template?: Blob } = {},
): Promise<EmbeddedPostgres> {
  if (dataDir) await Deno.mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({
    // pgvector for the knowledge base (loaded only when `create extension vector` runs).
    extensions: { vector },
    ...(dataDir ? { dataDir } : {}),
    ...(options.template ? { loadDataDir: options.template } : {}),
  });
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  let closed = false;
  return {
    url: `postgres://postgres:postgres@${address}/postgres`,
    async close() {
      if (closed) return;
      closed = true;
      await server.stop();
      await db.close();
    },
  };
}
