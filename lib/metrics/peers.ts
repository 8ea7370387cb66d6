/**
 * The other workers' metrics, for a `/metrics` scrape that one worker answers for the whole app.
 * A single process has no peers; an app worker (lib/cluster/worker.ts) plugs in the request to
 * its supervisor, which asks every other worker for its snapshot.
 * @module
 */
import type { MetricSnapshot } from "./registry.ts";

type Peers = () => Promise<MetricSnapshot[][]>;

let peers: Peers = () => Promise.resolve([]);

/** Sets how the other workers' snapshots are fetched (once, at a worker's start). */
export function setPeerSnapshots(fetch: Peers): void {
  peers = fetch;
}

/** The other workers' snapshots (none in a single process). */
export function peerSnapshots(): Promise<MetricSnapshot[][]> {
  return peers();
}
