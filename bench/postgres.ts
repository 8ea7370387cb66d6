/**
 * The benchmark's throwaway PostgreSQL cluster: the tests' cluster (initdb in a temporary folder,
 * loopback, durability off) with `pg_stat_statements` loaded, so the benchmark can count the app's
 * queries and the WAL bytes they wrote, and more shared memory for the million-item data set.
 * @module
 */
import {
  type PostgresCluster,
  startPostgresCluster,
  THROWAWAY_SETTINGS,
} from "../tests/support/postgres_server.ts";

export type BenchCluster = PostgresCluster;

/** Server settings of the benchmark cluster (reported in the results). */
export const CLUSTER_SETTINGS: Record<string, string> = {
  ...THROWAWAY_SETTINGS,
  shared_buffers: "256MB",
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "all",
};

/** Starts a cluster; throws when PostgreSQL is not installed. */
export function startBenchCluster(): Promise<BenchCluster> {
  return startPostgresCluster(CLUSTER_SETTINGS);
}
