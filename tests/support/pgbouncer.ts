/**
 * A throwaway PgBouncer (Debian's, 1.18) in transaction mode in front of a test PostgreSQL
 * server, on loopback: what Neon's pooled endpoint, Supabase and many hosted services put
 * between the app and Postgres. As root it runs as the `postgres` user (PgBouncer refuses root).
 * @module
 */
import { makeSharedTempDir } from "./shared_dir.ts";

/** Where Debian installs it; null when it is not installed. */
export function findPgBouncer(): string | null {
  for (const path of [Deno.env.get("PGBOUNCER_BIN"), "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* next */ }
  }
  return null;
}

export const PGBOUNCER_MISSING_REASON =
  "PgBouncer is not installed (apt-get install pgbouncer; .ci/run does)";

/** A running PgBouncer. */
export interface PgBouncer {
  /** `postgres://user@127.0.0.1:PORT/<database>` for a database behind it. */
  url(database: string): string;
  /** The server log (to show what it refused). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function pgbouncerIni(server: URL, port: number, dir: string, poolSize: number): string {
  return [
    "[databases]",
    `* = host=${server.hostname} port=${server.port || 5432}`,
    "[pgbouncer]",
    "listen_addr = 127.0.0.1",
    `listen_port = ${port}`,
    "unix_socket_dir =",
    "pool_mode = transaction",
    "auth_type = trust",
    `auth_file = ${dir}/users.txt`,
    `default_pool_size = ${poolSize}`,
    "max_client_conn = 200",
    `logfile = ${dir}/pgbouncer.log`,
    `pidfile = ${dir}/pgbouncer.pid`,
    "",
  ].join("\n");
}

/** Starts PgBouncer in transaction mode in front of the server at `serverUrl`. */
export async function startPgBouncer(serverUrl: string, poolSize = 5): Promise<PgBouncer> {
  const bin = findPgBouncer();
  if (!bin) throw new Error(PGBOUNCER_MISSING_REASON);
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username) || "postgres";
  const asRoot = Deno.uid() === 0;
  // As root PgBouncer runs as `postgres`, which may not enter the test run's private TMPDIR.
  const dir = asRoot
    ? await makeSharedTempDir("pgbouncer")
    : await Deno.makeTempDir({ prefix: "chatkit-pgbouncer-" });
  await Deno.writeTextFile(`${dir}/users.txt`, `"${user}" ""\n`);
  const readLog = () => Deno.readTextFile(`${dir}/pgbouncer.log`).catch(() => "");
  // The port was free a moment ago; if something took it before PgBouncer bound it, PgBouncer
  // exits, and another port is tried. Ready means its own log says it listens on that port
  // (a connect alone could reach whoever took the port).
  let port = 0;
  let child: Deno.ChildProcess | undefined;
  for (let attempt = 1; !child; attempt++) {
    port = freePort();
    await Deno.writeTextFile(`${dir}/pgbouncer.ini`, pgbouncerIni(server, port, dir, poolSize));
    await Deno.remove(`${dir}/pgbouncer.log`).catch(() => {});
    if (asRoot) {
      await new Deno.Command("chown", { args: ["-R", "postgres:postgres", dir] }).output();
    }
    const started = new Deno.Command(bin, {
      args: [...(asRoot ? ["-u", "postgres"] : []), `${dir}/pgbouncer.ini`],
      stdout: "null",
      stderr: "null",
      stdin: "null",
    }).spawn();
    let exited = false;
    started.status.then(() => exited = true);
    const deadline = Date.now() + 30_000;
    while (!exited && !(await readLog()).includes(`listening on 127.0.0.1:${port}`)) {
      if (Date.now() > deadline) {
        try {
          started.kill("SIGKILL");
        } catch { /* it already ended */ }
        throw new Error(`PgBouncer did not listen within 30 s:\n${await readLog()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!exited) child = started;
    else if (attempt >= 5 || !/in use|bind/i.test(await readLog())) {
      throw new Error(`PgBouncer exited at start:\n${await readLog()}`);
    }
  }
  let stopped = false;
  return {
    url: (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    log: readLog,
    async stop() {
      if (stopped) return;
      stopped = true;
      child!.kill("SIGTERM");
      await child!.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
