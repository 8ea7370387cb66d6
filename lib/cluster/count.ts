/**
 * How many app workers `deno task start` runs: `WORKERS` from the environment, else
 * `server.workers` of `fresh.config.ts`; "auto" is one per core. The embedded database (PGlite)
 * lives in one process's memory, so it always runs one; so does Deno Deploy, which runs
 * isolates on its own.
 * @module
 */

/** `server.workers`: a count, or "auto" (one per core). */
export type WorkerSetting = number | "auto";

/** The decision, and why, for the start-up log. */
export interface WorkerPlan {
  count: number;
  /** Why fewer than asked, when so. */
  reason?: string;
}

/** A bad `WORKERS` or `server.workers`: start-up stops with this message. */
export class WorkerCountError extends Error {
  override name = "WorkerCountError";
}

/** The most workers asked for that are started (more would only share the same cores). */
export const MAX_WORKERS = 64;

function parse(value: string | number, where: string): WorkerSetting {
  if (value === "auto") return "auto";
  const n = typeof value === "number" ? value : /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new WorkerCountError(
      `${where}: expected "auto" or a whole number from 1 to ${MAX_WORKERS}, got ${
        JSON.stringify(value)
      }`,
    );
  }
  return n;
}

/** Decides the worker count from the environment, the setting and the machine's cores. */
export function planWorkers(input: {
  env: Record<string, string | undefined>;
  setting: WorkerSetting | undefined;
  cores: number;
}): WorkerPlan {
  const { env } = input;
  const asked = env.WORKERS !== undefined && env.WORKERS !== ""
    ? parse(env.WORKERS, "WORKERS")
    : parse(input.setting ?? "auto", "server.workers (fresh.config.ts)");
  const count = asked === "auto" ? Math.max(1, Math.min(input.cores, MAX_WORKERS)) : asked;
  if (count > 1 && !env.DATABASE_URL) {
    return { count: 1, reason: "the embedded database (no DATABASE_URL) is one process's" };
  }
  if (count > 1 && env.DENO_DEPLOYMENT_ID) {
    return { count: 1, reason: "Deno Deploy runs isolates itself" };
  }
  return { count };
}
