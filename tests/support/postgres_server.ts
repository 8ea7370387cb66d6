/**
 * A throwaway PostgreSQL cluster on loopback, for tests and benchmarks: initdb into a temporary
 * folder, start it on a free port with fsync off, stop and delete it afterwards. Works as root
 * (CI) by running the server as the `postgres` system user, as PostgreSQL requires.
 * @module
 */

/** A running throwaway cluster. */
export interface PostgresCluster {
  /** Superuser URL of the `postgres` database. */
  url: string;
  /** The postmaster's pid (its children are the backends). */
  pid: number;
  /** The server's major version. */
  version: string;
  /** The server settings it was started with. */
  settings: Record<string, string>;
  /** Stops the server (fast shutdown: connections are ended) and keeps its data. */
  halt(): Promise<void>;
  /** Starts a halted server again, on the same port with the same data. */
  resume(): Promise<void>;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
}

/** Settings for a disposable cluster: durability off, room for many connections. */
export const THROWAWAY_SETTINGS: Record<string, string> = {
  fsync: "off",
  synchronous_commit: "off",
  full_page_writes: "off",
  max_connections: "300",
};

/** The folder holding `initdb` and `pg_ctl`, newest version first; null when not installed. */
export function findPostgresBin(): string | null {
  const given = Deno.env.get("PG_BIN");
  const candidates = given ? [given] : [];
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")]
      .map((e) => e.name)
      .filter((n) => /^\d+$/.test(n))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch { /* not a Debian layout */ }
  for (const dir of candidates) {
    try {
      if (Deno.statSync(`${dir}/initdb`).isFile && Deno.statSync(`${dir}/pg_ctl`).isFile) {
        return dir;
      }
    } catch { /* try the next */ }
  }
  return null;
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

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Starts a new cluster with `settings` (server `-c` options). Throws when PostgreSQL is not
 * installed.
 */
export async function startPostgresCluster(
  settings: Record<string, string> = THROWAWAY_SETTINGS,
): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (no initdb found; set PG_BIN)");
  const asRoot = Deno.uid() === 0;
  const user = asRoot ? "postgres" : undefined;
  const dir = await Deno.makeTempDir({ prefix: "chatkit-pg-" });
  if (asRoot) await run(["chown", "postgres:postgres", dir]);
  const data = `${dir}/data`;
  await run([
    `${bin}/initdb`,
    "-D",
    data,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--no-sync",
  ], user);
  const port = freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(" ");
  const start = () =>
    run([`${bin}/pg_ctl`, "-D", data, "-o", options, "-l", `${dir}/log`, "-w", "start"], user);
  await start();
  const pid = Number((await Deno.readTextFile(`${data}/postmaster.pid`)).split("\n")[0]);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid,
    version: bin.match(/postgresql\/(\d+)/)?.[1] ?? "?",
    settings,
    halt: () => run([`${bin}/pg_ctl`, "-D", data, "-m", "fast", "-w", "stop"], user),
    resume: start,
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

/** Creates an empty database on the server at `adminUrl` and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name.replace(/"/g, "")}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by `createDatabase` (connections to it are ended first). */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name.replace(/"/g, "")}" with (force)`);
  } finally {
    await admin.end();
  }
}
