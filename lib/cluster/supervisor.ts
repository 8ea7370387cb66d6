/**
 * Runs the app as several workers on one port: each worker is a thread of this process with the
 * whole app (its own database pool; everything they share lives in PostgreSQL), listening with
 * `SO_REUSEPORT` so the kernel spreads connections over them. This thread only starts them,
 * relays SIGINT/SIGTERM as "stop" (each drains as a single process does), routes `/metrics`
 * scrapes between them, and exits once all have stopped. It loads none of the app itself.
 * @module
 */
import { log } from "../log.ts";
import type { MetricSnapshot } from "../metrics/registry.ts";
import { type FromWorker, type ToWorker, WORKER_NAME } from "./protocol.ts";

/** How long the other workers may take to send their metrics for one scrape. */
const SNAPSHOT_MS = 2_000;
/** Past the drain, the saving and the closing (lib/app.ts): something hangs, exit anyway. */
const HARD_STOP_EXTRA_MS = 10_000;

interface Scrape {
  /** The worker that asked, and its own id for the request. */
  from: number;
  replyId: number;
  waiting: Set<number>;
  snapshots: MetricSnapshot[][];
  timer: ReturnType<typeof setTimeout>;
}

/** Starts `count` workers of the module `entry` (which calls `runMain`) and supervises them. */
export function supervise(entry: string, count: number): Promise<never> {
  const workers: (Worker | undefined)[] = [];
  const alive = new Set<number>();
  const scrapes = new Map<number, Scrape>();
  let scrapeId = 0;
  let drainSeconds = 8;
  let stopping: Promise<never> | undefined;
  let exitCode = 0;
  let resolveFirst: (port: number) => void = () => {};
  const firstPort = new Promise<number>((resolve) => resolveFirst = resolve);
  let listening = 0;

  const send = (index: number, message: ToWorker) => workers[index]?.postMessage(message);

  const finishScrape = (id: number) => {
    const scrape = scrapes.get(id);
    if (!scrape) return;
    clearTimeout(scrape.timer);
    scrapes.delete(id);
    send(scrape.from, { type: "scraped", id: scrape.replyId, snapshots: scrape.snapshots });
  };

  const gone = (index: number) => {
    alive.delete(index);
    workers[index] = undefined;
    for (const [id, scrape] of scrapes) {
      scrape.waiting.delete(index);
      if (scrape.waiting.size === 0) finishScrape(id);
    }
    if (alive.size === 0 && stopping) {
      if (exitCode === 0) log.info("stopped");
      Deno.exit(exitCode);
    }
  };

  const stopAll = (code: number): Promise<never> => {
    exitCode = Math.max(exitCode, code);
    stopping ??= new Promise<never>(() => {
      const hard = setTimeout(() => {
        log.error("shutdown: workers still running, exiting anyway", { workers: [...alive] });
        Deno.exit(1);
      }, drainSeconds * 1000 + HARD_STOP_EXTRA_MS);
      Deno.unrefTimer(hard);
      for (const index of alive) send(index, { type: "stop" });
      if (alive.size === 0) Deno.exit(exitCode);
    });
    return stopping;
  };

  const onMessage = (message: FromWorker) => {
    switch (message.type) {
      case "listening":
        drainSeconds = message.drainSeconds;
        if (message.index === 0) resolveFirst(message.port);
        if (++listening === count) {
          log.info("listening", {
            url: message.url,
            mode: message.mode,
            database: message.database,
            workers: count,
          });
        }
        break;
      case "failed":
        // Already logged by the worker; the others go, and the start fails.
        for (const index of alive) workers[index]?.terminate();
        Deno.exit(1);
        break;
      case "stopped":
        gone(message.index);
        break;
      case "scrape": {
        const id = ++scrapeId;
        const others = [...alive].filter((i) => i !== message.index);
        scrapes.set(id, {
          from: message.index,
          replyId: message.id,
          waiting: new Set(others),
          snapshots: [],
          timer: setTimeout(() => finishScrape(id), SNAPSHOT_MS),
        });
        for (const index of others) send(index, { type: "snapshot", id });
        if (others.length === 0) finishScrape(id);
        break;
      }
      case "snapshot": {
        const scrape = scrapes.get(message.id);
        if (!scrape || !scrape.waiting.delete(message.index)) break;
        scrape.snapshots.push(message.snapshot);
        if (scrape.waiting.size === 0) finishScrape(message.id);
        break;
      }
    }
  };

  const spawn = (index: number, port?: number) => {
    const worker = new Worker(entry, { type: "module", name: `${WORKER_NAME}:${index}` });
    workers[index] = worker;
    alive.add(index);
    worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
    worker.onerror = (event) => {
      // An uncaught error ends that worker; the app stops as a single process would, but the
      // other workers first finish (drain) what they are serving.
      event.preventDefault();
      log.error("worker failed", { worker: index, error: event.message });
      gone(index);
      stopAll(1);
    };
    send(index, { type: "start", index, port, background: index === 0 });
  };

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      if (stopping) return;
      log.info("shutting down", { signal, workers: alive.size });
      stopAll(0);
    });
  }

  // The first worker picks the port (PORT=0 means any) and applies the migrations; the others
  // then start side by side and join its port.
  spawn(0);
  return firstPort.then((port) => {
    for (let index = 1; index < count; index++) spawn(index, port);
    return new Promise<never>(() => {});
  });
}
