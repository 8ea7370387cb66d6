/**
 * The benchmark's throwaway PostgreSQL cluster: like `tests/support/postgres_server.ts` (initdb in
 * a temporary folder, loopback, fsync off, runs as `postgres` when we are root) but with
 * `pg_stat_statements` loaded, so the benchmark can count the app's queries and the WAL bytes they
 * wrote, and with the postmaster pid known, so the server's CPU can be measured.
 * @module
 */
import { findPostgresBin } from "../tests/support/postgres_server.ts";

export interface BenchCluster {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** The postmaster's pid (its children are the backends). */
  pid: number;
  version: string;
  settings: Record<string, string>;
  stop(): Promise<void>;
}

async function run(cmd: string[], asUser?: string): Promise<void> {
  const argv = asUser ? ["runuser", "-u", asUser, "--", ...cmd] : cmd;
  const out = await new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) || new TextDecoder().decode(out.stdout);
    throw new Error(`${cmd[0].replace(/^.*\//, "")} failed: ${text.trim()}`);
  }
}

/** Server settings of the benchmark cluster (reported in the results). */
export const CLUSTER_SETTINGS: Record<string, string> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300",
  shared_buffers: "256MB",
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "all",
};

/** Starts a cluster; throws when PostgreSQL is not installed. */
export async function startBenchCluster(): Promise<BenchCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (no initdb found; set PG_BIN)");
  const asRoot = Deno.uid() === 0;
  const user = asRoot ? "postgres" : undefined;
  const dir = await Deno.makeTempDir({ prefix: "chatkit-bench-pg-" });
  if (asRoot) await run(["chown", "postgres:postgres", dir]);
  const data = `${dir}/data`;
  await run(
    [`${bin}/initdb`, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
    user,
  );
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    ...Object.entries(CLUSTER_SETTINGS).map(([k, v]) => `-c ${k}=${v}`),
  ].join(" ");
  await run([`${bin}/pg_ctl`, "-D", data, "-o", options, "-l", `${dir}/log`, "-w", "start"], user);
  const pid = Number((await Deno.readTextFile(`${data}/postmaster.pid`)).split("\n")[0]);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    version: bin.match(/postgresql\/(\d+)/)?.[1] ?? "?",
    settings: CLUSTER_SETTINGS,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run([`${bin}/pg_ctl`, "-D", data, "-m", "immediate", "-w", "stop"], user).catch(
        () => {},
      );
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
