/**
 * A lock on the embedded database's folder. PGlite takes none, and two processes writing one
 * data directory corrupt it, so whoever opens it (the app, `deno task ingest`, `deno task
 * migrate`) first takes an exclusive OS file lock on `DATA_DIR/pglite.lock`. The OS releases it
 * when the process ends, even on a crash, so a stale lock cannot keep anyone out.
 * @module
 */
import { join } from "node:path";

/** The folder is in use by another process (its pid, when it wrote one). */
export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid?: number) {
    super(
      `the embedded database in ${dataDir} is in use by another process` +
        `${pid ? ` (pid ${pid})` : ""}`,
    );
    this.name = "DataDirLockedError";
  }
}

/** A held lock. */
export interface DataDirLock {
  release(): void;
}

/** Takes the lock on `dataDir` (created if missing) or throws {@link DataDirLockedError}. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await Deno.mkdir(dataDir, { recursive: true });
  const path = join(dataDir, "pglite.lock");
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  if (!await file.tryLock(true)) {
    let pid: number | undefined;
    try {
      pid = JSON.parse(await Deno.readTextFile(path)).pid;
    } catch { /* written by an older version, or mid-write */ }
    file.close();
    throw new DataDirLockedError(dataDir, pid);
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(JSON.stringify({ pid: Deno.pid }) + "\n"));
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}
