/**
 * Runs {@link prepareForModel} in a Web Worker, one job at a time, so that image decoding and
 * PDF parsing (seconds of CPU for large files) never block the request loop. Where workers
 * are unavailable it runs inline. A job that takes longer than the deadline ends the worker (a
 * new one starts for the next job) and reports a problem.
 * @module
 */
import { log } from "../log.ts";
import { type Prepared, prepareForModel, type PrepareInput } from "./prepare.ts";

/** Prepares attachments for the model. */
export interface AttachmentProcessor {
  prepare(input: PrepareInput): Promise<Prepared>;
  close(): void;
}

interface Pending {
  resolve: (result: Prepared) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A processor backed by one worker (started on first use). */
export function workerProcessor(options: { timeoutMs?: number } = {}): AttachmentProcessor {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let worker: Worker | undefined;
  let unavailable = false;
  let counter = 0;
  const pending = new Map<number, Pending>();

  function stop(reason: string) {
    worker?.terminate();
    worker = undefined;
    for (const [id, job] of pending) {
      clearTimeout(job.timer);
      job.resolve({ problem: reason });
      pending.delete(id);
    }
  }

  function start(): Worker | undefined {
    if (worker || unavailable) return worker;
    try {
      worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    } catch (error) {
      unavailable = true;
      log.warn("attachment worker unavailable, preparing inline", { error: String(error) });
      return undefined;
    }
    worker.onmessage = (event: MessageEvent<{ id: number; result: Prepared }>) => {
      const job = pending.get(event.data.id);
      if (!job) return;
      clearTimeout(job.timer);
      pending.delete(event.data.id);
      job.resolve(event.data.result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      log.warn("attachment worker failed", { error: event.message });
      stop("The file could not be processed");
    };
    return worker;
  }

  return {
    prepare(input) {
      const w = start();
      if (!w) return prepareForModel(input);
      const id = ++counter;
      return new Promise<Prepared>((resolve) => {
        const timer = setTimeout(() => {
          log.warn("attachment preparation timed out", { timeoutMs });
          stop("Processing the file took too long");
        }, timeoutMs);
        pending.set(id, { resolve, timer });
        // A copy goes over (the caller keeps its bytes); the copy's buffer is transferred.
        // `new Uint8Array(view)` always copies (Node Buffers' slice() would not).
        const copy = new Uint8Array(input.bytes);
        w.postMessage({ id, input: { ...input, bytes: copy } }, [copy.buffer]);
      });
    },
    close() {
      stop("The processor was closed");
    },
  };
}
