/**
 * The messages between the supervisor (the process's main thread) and its app workers. Every
 * message is structured-cloned, so it carries plain data only.
 * @module
 */
import type { MetricSnapshot } from "../metrics/registry.ts";

/** The name every app worker is given, with its index: `chatkit-app-worker:<index>`. */
export const WORKER_NAME = "chatkit-app-worker";

/** What a worker is told at start. */
export interface WorkerStart {
  type: "start";
  index: number;
  /** The port to join; absent for the first worker, which takes the configured one (0: any). */
  port?: number;
  /** Background jobs that must run once per app (sweeps) run in the first worker only. */
  background: boolean;
}

/** Supervisor → worker. */
export type ToWorker =
  | WorkerStart
  /** Drain and stop, as SIGTERM does to a single process. */
  | { type: "stop" }
  /** Send your metrics for scrape `id`. */
  | { type: "snapshot"; id: number }
  /** The other workers' metrics for the scrape `id` this worker asked for. */
  | { type: "scraped"; id: number; snapshots: MetricSnapshot[][] };

/** Worker → supervisor. */
export type FromWorker =
  | {
    type: "listening";
    index: number;
    url: string;
    port: number;
    mode: string;
    database: string;
    drainSeconds: number;
  }
  /** Could not start; `message` was already logged by the worker. */
  | { type: "failed"; index: number; message: string }
  | { type: "stopped"; index: number }
  /** Asks for the other workers' metrics (someone scraped `/metrics` here). */
  | { type: "scrape"; index: number; id: number }
  | { type: "snapshot"; index: number; id: number; snapshot: MetricSnapshot[] };
