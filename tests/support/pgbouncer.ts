/**
 * A throwaway PgBouncer (Debian's, 1.18) in transaction mode in front of a test PostgreSQL
 * server, on loopback: what Neon's pooled endpoint, Supabase and many hosted services put
 * between the app and Postgres. As root it runs as the `postgres` user (PgBouncer refuses root).
 * @module
 */

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

/** Starts PgBouncer in transaction mode in front of the server at `serverUrl`. */
export async function startPgBouncer(serverUrl: string, poolSize = 5): Promise<PgBouncer> {
  const bin = findPgBouncer();
  if (!bin) throw new Error(PGBOUNCER_MISSING_REASON);
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username) || "postgres";
  const asRoot = Deno.uid() === 0;
  // As root PgBouncer runs as `postgres`, which may not enter the test run's private TMPDIR.
  const dir = await Deno.makeTempDir({
    prefix: "chatkit-pgbouncer-",
    ...(asRoot ? { dir: "/tmp" } : {}),
  });
  const port = freePort();
  await Deno.writeTextFile(`${dir}/users.txt`, `"${user}" ""\n`);
  await Deno.writeTextFile(
    `${dir}/pgbouncer.ini`,
    [
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
    ].join("\n"),
  );
  if (asRoot) {
    await new Deno.Command("chown", { args: ["-R", "postgres:postgres", dir] }).output();
  }
  const child = new Deno.Command(bin, {
    args: [...(asRoot ? ["-u", "postgres"] : []), `${dir}/pgbouncer.ini`],
    stdout: "null",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const readLog = () => Deno.readTextFile(`${dir}/pgbouncer.log`).catch(() => "");
  // Ready once it accepts connections.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch {
      if (Date.now() > deadline) {
        try {
          child.kill("SIGKILL");
        } catch { /* it already ended */ }
        throw new Error(`PgBouncer did not listen within 10 s:\n${await readLog()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  let stopped = false;
  return {
    url: (database) => `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`,
    log: readLog,
    async stop() {
      if (stopped) return;
      stopped = true;
      child.kill("SIGTERM");
      await child.status;
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
