/**
 * The embedded database: PGlite (Postgres compiled to WebAssembly) persisted in a folder and
 * served through pglite-socket, so the app talks to it with the same postgres.js client as to a
 * real server. The socket server runs one query at a time, so clients must use ONE connection
 * (several connections with transactions fail intermittently); the server accepts a few so that
 * a reconnect is not refused while the old socket is still closing.
 *
 * PGlite accepts any user and password, so the socket is a Unix socket in a `0700` folder of
 * its own (never a TCP port another local user could reach), and the data folder is `0700` with
 * `0600` files.
 * @module
 */
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { makePrivateDir, restrictTree } from "../private_files.ts";

/** How postgres.js reaches the embedded database (spread into its options). */
export interface EmbeddedClientOptions {
  /** The Unix socket's path. */
  path: string;
  username: string;
  database: string;
}

/** A running embedded database. */
export interface EmbeddedPostgres {
  /** Connection options for exactly one postgres.js connection. */
  client: EmbeddedClientOptions;
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
  if (dataDir) await makePrivateDir(dataDir);
  const db = await PGlite.create({
    // pgvector for the knowledge base (loaded only when `create extension vector` runs).
    extensions: { vector },
    ...(dataDir ? { dataDir } : {}),
    ...(options.template ? { loadDataDir: options.template } : {}),
  });
  let socketDir: string | undefined;
  try {
    if (dataDir) await restrictTree(dataDir);
    // A fresh temporary folder (created 0700) rather than one inside DATA_DIR: the path stays
    // short (Unix socket paths are limited to ~100 bytes) and a killed process leaves no socket
    // file that would refuse the next start.
    socketDir = await Deno.makeTempDir({ prefix: "chatkit-pglite-" });
    await Deno.chmod(socketDir, 0o700);
    const path = `${socketDir}/.s.PGSQL.5432`;
    const server = new PGLiteSocketServer({ db, path, maxConnections: 4 });
    await server.start();
    let closed = false;
    return {
      client: { path, username: "postgres", database: "postgres" },
      async close() {
        if (closed) return;
        closed = true;
        await server.stop();
        await db.close();
        if (dataDir) await restrictTree(dataDir);
        await Deno.remove(socketDir!, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    if (socketDir) await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    throw error;
  }
}
