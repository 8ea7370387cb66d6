import { equal, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { openDatabase } from "./mod.ts";
import { startEmbeddedPostgres } from "./embedded.ts";

const mode = (path: string) => Deno.statSync(path).mode! & 0o777;

/** Every entry below `root` whose permission bits are not `dirMode` / `fileMode`. */
async function looseEntries(root: string): Promise<string[]> {
  const loose: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    const path = `${root}/${entry.name}`;
    if (entry.isDirectory) {
      if (mode(path) !== 0o700) loose.push(`${path} ${mode(path).toString(8)}`);
      loose.push(...await looseEntries(path));
    } else if (entry.isFile && mode(path) !== 0o600) {
      loose.push(`${path} ${mode(path).toString(8)}`);
    }
  }
  return loose;
}

/** Tries to connect to a Unix socket as the `nobody` user; returns its error, or "connected". */
async function connectAsNobody(path: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "chatkit-nobody-" });
  await Deno.chmod(home, 0o777);
  try {
    const code = `try { (await Deno.connect({ transport: "unix", path: ${
      JSON.stringify(path)
    } })).close(); console.log("connected"); } catch (e) { console.log(e.name); }`;
    const out = await new Deno.Command("runuser", {
      args: ["-u", "nobody", "--", Deno.execPath(), "eval", "--no-config", code],
      env: { DENO_DIR: home, HOME: home, NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim() || new TextDecoder().decode(out.stderr);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test({
  name: "embedded database - served on a Unix socket that another local user cannot open",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const embedded = await startEmbeddedPostgres();
    try {
      const { path } = embedded.client;
      ok(Deno.statSync(path).isSocket, `${path} is a Unix socket`);
      const folder = path.slice(0, path.lastIndexOf("/"));
      equal(mode(folder).toString(8), "700", "the socket's folder is private");
      const sql = postgres({ ...embedded.client, max: 1, onnotice: () => {} });
      try {
        equal((await sql`select 1 as one`)[0].one, 1);
      } finally {
        await sql.end();
      }
      if (Deno.uid() === 0) {
        // PGlite accepts any user and password: only the folder's mode keeps others out.
        equal(await connectAsNobody(path), "PermissionDenied");
      }
    } finally {
      await embedded.close();
    }
    await rejects(() => Deno.stat(embedded.client.path), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "embedded database - DATA_DIR is 0700 and its files 0600, also when it existed before",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const parent = await Deno.makeTempDir({ prefix: "chatkit-modes-" });
    const dataDir = `${parent}/data`;
    await Deno.mkdir(dataDir, { mode: 0o755 });
    await Deno.chmod(dataDir, 0o755);
    try {
      const db = await openDatabase({ dataDir, databasePoolSize: 1 });
      try {
        await db.sql`create table notes (body text)`;
        await db.sql`insert into notes values ('private')`;
        equal(mode(dataDir).toString(8), "700");
      } finally {
        await db.close();
      }
      equal(mode(dataDir).toString(8), "700");
      const loose = await looseEntries(dataDir);
      equal(loose.length, 0, `entries readable by others:\n${loose.slice(0, 10).join("\n")}`);
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});
