/**
 * The sweep of visitor threads nobody can reach any more. A visitor's threads are reachable
 * only through a valid credential: its cookie (issued at most `auth.visitorSeconds` ago) or an
 * embed's visitor token (`embed.visitorSeconds`). Every credential is issued either before the
 * visitor's first thread (the cookie minted on the first visit, the token of the embed's
 * start-up) or together with a `visitors.seen_at` record (a renewed cookie, a new or renewed
 * token: lib/auth/identity.ts `recordVisitor`). So once a thread is older than the longest
 * lifetime and its visitor was not seen for as long, no credential for it can hold: the thread
 * goes, with its items, feedback and attachments (ON DELETE CASCADE). Signed-in users' threads
 * are never touched; uploads never attached to a message go with the attachment sweep.
 *
 * Cheap and safe on several instances: batches of a bounded size, found through the partial
 * index `threads_anon_created` and the `visitors` primary key; a thread two instances pick at
 * once is deleted once (the second delete finds nothing).
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";

/** Clocks of instances and the database may differ a little: threads are kept this much longer. */
export const SWEEP_GRACE_SECONDS = 60 * 60;

/** Threads deleted per statement, and statements per run (more wait for the next run). */
const BATCH = 200;
const MAX_BATCHES = 25;

export interface VisitorSweepOptions {
  sql: Sql;
  /** Lifetimes of the visitor cookie and of the embed's visitor token, in seconds. */
  lifetimesSeconds: number[];
}

/** Finds and deletes unreachable visitor threads, now and then periodically. */
export class VisitorSweeper {
  readonly #sql: Sql;
  /** How long a visitor's thread is kept after its creation and after the visitor was last seen. */
  readonly keepSeconds: number;
  #timer?: ReturnType<typeof setInterval>;
  #running?: Promise<number>;

  constructor(options: VisitorSweepOptions) {
    this.#sql = options.sql;
    this.keepSeconds = Math.max(...options.lifetimesSeconds) + SWEEP_GRACE_SECONDS;
  }

  /** Deletes the unreachable visitor threads (bounded per run); returns how many went. */
  sweep(): Promise<number> {
    // One run at a time per instance: a slow run is not stacked on by the next tick.
    this.#running ??= this.#sweep().finally(() => this.#running = undefined);
    return this.#running;
  }

  async #sweep(): Promise<number> {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES; i++) {
      // `owner_id like 'anon:%'` is written out (not a parameter) so the planner can use the
      // partial index threads_anon_created, whose predicate it is.
      const rows = await this.#sql`
        delete from threads where id in (
          select t.id from threads t
          where t.owner_id like 'anon:%'
            and t.created_at < now() - make_interval(secs => ${this.keepSeconds})
            and not exists (
              select 1 from visitors v
              where v.id = substr(t.owner_id, 6)
                and v.seen_at >= now() - make_interval(secs => ${this.keepSeconds}))
          order by t.created_at
          limit ${BATCH})
        returning id`;
      total += rows.length;
      if (rows.length < BATCH) break;
    }
    if (total > 0) log.info("unreachable visitor threads deleted", { threads: total });
    return total;
  }

  /** Sweeps now and then every `everyMs` (default: hourly) until {@link close}. */
  start(everyMs = 60 * 60 * 1000): void {
    const run = () =>
      this.sweep().catch((error) =>
        log.warn("visitor sweep failed", { error: error instanceof Error ? error.message : "" })
      );
    run();
    this.#timer = setInterval(run, everyMs);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Stops the periodic sweep and waits for a run in progress. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => {});
  }
}
