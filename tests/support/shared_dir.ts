/**
 * Folders outside the run's private TMPDIR, for servers that run as another user (PgBouncer and
 * PostgreSQL run as `postgres` when the tests run as root, and may not enter the run's folder).
 * Their names carry the run's id, so `tests/run.ts` removes them when the run ends, however it
 * ends — also when the test that made one was killed first (a time limit, Ctrl-C).
 * @module
 */

const PREFIX = "chatkit-shared-";
const ROOT = "/tmp";

/** A new folder in /tmp named after this run and `name`. */
export function makeSharedTempDir(name: string): Promise<string> {
  const run = Deno.env.get("TEST_RUN_ID") ?? "norun";
  return Deno.makeTempDir({ dir: ROOT, prefix: `${PREFIX}${run}-${name}-` });
}

/** Removes every folder of run `runId` made by {@link makeSharedTempDir}; returns how many. */
export async function removeSharedTempDirs(runId: string): Promise<number> {
  let removed = 0;
  for await (const entry of Deno.readDir(ROOT)) {
    if (!entry.name.startsWith(`${PREFIX}${runId}-`)) continue;
    await Deno.remove(`${ROOT}/${entry.name}`, { recursive: true });
    removed++;
  }
  return removed;
}
