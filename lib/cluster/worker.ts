/**
 * The app inside one worker of a multi-worker start: it listens with `SO_REUSEPORT` on the port
 * the supervisor gives, sends its metrics when asked, and drains when told to stop, exactly as a
 * single process does on SIGTERM (lib/app.ts `shutdown()`).
 * @module
 */
import process from "node:process";
import type { ListenOptions, RunningServer } from "../app.ts";
import { startupFailure } from "../errors.ts";
import { log } from "../log.ts";
import { registry, setPeerSnapshots } from "../metrics/mod.ts";
import type { MetricSnapshot } from "../metrics/registry.ts";
import { type FromWorker, type ToWorker, WORKER_NAME } from "./protocol.ts";

/** Starts the app (built by the entry point) listening as told. */
export type StartServer = (
  listen: ListenOptions & { background?: boolean },
) => Promise<RunningServer>;

/** How long a scrape waits for the other workers' metrics before answering with its own. */
const SCRAPE_MS = 3_000;

interface WorkerScope {
  name: string;
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

/** True in a thread the supervisor started for the app (not the main thread, not another worker). */
export function isAppWorker(): boolean {
  const scope = globalThis as unknown as Partial<WorkerScope> & { WorkerGlobalScope?: unknown };
  return scope.WorkerGlobalScope !== undefined &&
    (scope.name ?? "").startsWith(`${WORKER_NAME}:`);
}

/** Runs this thread as app worker: waits for "start", then serves until "stop". */
export function runWorker(start: StartServer): void {
  const scope = globalThis as unknown as WorkerScope;
  const post = (message: FromWorker) => scope.postMessage(message);
  // The supervisor relays SIGINT/SIGTERM as "stop". A listener of our own here keeps the Agents
  // SDK's from ending the thread on the signal (it does so only when it is alone).
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => {});
  let index = -1;
  let server: RunningServer | undefined;
  let stopping = false;
  let scrapeId = 0;
  const scrapes = new Map<number, (snapshots: MetricSnapshot[][]) => void>();
  setPeerSnapshots(() =>
    new Promise((resolve) => {
      const id = ++scrapeId;
      const timer = setTimeout(() => {
        scrapes.delete(id);
        log.warn("metrics: the other workers did not answer; this worker's alone", {
          afterMs: SCRAPE_MS,
        });
        resolve([]);
      }, SCRAPE_MS);
      scrapes.set(id, (snapshots) => {
        clearTimeout(timer);
        scrapes.delete(id);
        resolve(snapshots);
      });
      post({ type: "scrape", index, id });
    })
  );
  const stop = async () => {
    stopping = true;
    // Still starting: the start below stops it as soon as it listens.
    if (!server) return;
    await server.shutdown();
    post({ type: "stopped", index });
    scope.close();
  };
  scope.onmessage = async (event: MessageEvent<ToWorker>) => {
    const message = event.data;
    switch (message.type) {
      case "start": {
        index = message.index;
        log.setThreadFields({ worker: index });
        try {
          server = await start({
            port: message.port,
            reusePort: true,
            quiet: true,
            background: message.background,
          });
        } catch (error) {
          const failure = startupFailure(error);
          const text = failure ??
            `cannot start: ${error instanceof Error ? error.stack ?? error.message : error}`;
          log.error(text);
          post({ type: "failed", index, message: text });
          return;
        }
        const { config, db } = server.app.services;
        post({
          type: "listening",
          index,
          url: server.url,
          port: server.port,
          mode: config.mode,
          database: db.kind,
          drainSeconds: config.shutdownDrainSeconds,
        });
        if (stopping) await stop();
        break;
      }
      case "stop":
        await stop();
        break;
      case "snapshot":
        post({ type: "snapshot", index, id: message.id, snapshot: registry.snapshot() });
        break;
      case "scraped":
        scrapes.get(message.id)?.(message.snapshots);
        break;
    }
  };
}
