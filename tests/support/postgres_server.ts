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
  /** The folder holding its data, socket and log (removed by `stop`). */
  dir: string;
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

/**
 * A port that was free a moment ago. PostgreSQL cannot be told to bind port 0 and report it, so
 * `startPostgresCluster` binds this one and, if something took it meanwhile, retries another.
 */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Where clusters go: the temporary folder, unless the server's own user could not enter it (a
 * private TMPDIR of a test run, as root), then the system's.
 */
function clusterParent(asRoot: boolean): string | undefined {
  if (!asRoot) return undefined;
  const tmp = Deno.env.get("TMPDIR");
  if (!tmp) return undefined;
  try {
    if ((Deno.statSync(tmp).mode! & 0o001) !== 0) return undefined;
  } catch { /* missing: the system's */ }
  return "/tmp";
}

/**
 * Starts a new cluster with `settings` (server `-c` options). Throws when PostgreSQL is not
 * installed. On any failure nothing is left behind (no server, no folder).
 */
export async function startPostgresCluster(
  settings: Record<string, string> = THROWAWAY_SETTINGS,
): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL is not installed (no initdb found; set PG_BIN)");
  const asRoot = Deno.uid() === 0;
  const user = asRoot ? "postgres" : undefined;
  const dir = await Deno.makeTempDir({ prefix: "chatkit-pg-", dir: clusterParent(asRoot) });
  const data = `${dir}/data`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await run([`${bin}/pg_ctl`, "-D", data, "-m", "immediate", "-w", "stop"], user).catch(
      () => {},
    );
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    if (asRoot) await run(["chown", "postgres:postgres", dir]);
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
    let port = 0;
    let start = () => Promise.resolve();
    for (let attempt = 1;; attempt++) {
      port = freePort();
      const options = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses=127.0.0.1",
        ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
      ].join(" ");
      start = () =>
        run([`${bin}/pg_ctl`, "-D", data, "-o", options, "-l", `${dir}/log`, "-w", "start"], user);
      try {
        await start();
        break;
      } catch (error) {
        const log = await Deno.readTextFile(`${dir}/log`).catch(() => "");
        if (attempt >= 5 || !/could not bind|already in use/i.test(log)) throw error;
      }
    }
    const pid = Number((await Deno.readTextFile(`${data}/postmaster.pid`)).split("\n")[0]);
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      pid,
      version: bin.match(/postgresql\/(\d+)/)?.[1] ?? "?",
      settings,
      dir,
      halt: () => run([`${bin}/pg_ctl`, "-D", data, "-m", "fast", "-w", "stop"], user),
      resume: start,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
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

/** Drops every database whose name is LIKE `pattern` (e.g. one test run's databases). */
export async function dropDatabasesLike(adminUrl: string, pattern: string): Promise<string[]> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like ${pattern}`;
    for (const { datname } of rows) {
      await admin.unsafe(`drop database if exists "${datname.replace(/"/g, "")}" with (force)`);
    }
    return rows.map((r) => r.datname);
  } finally {
    await admin.end();
  }
}
