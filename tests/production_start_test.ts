/**
 * `main.ts` as Deno Deploy runs it: `deno task build`, then network, environment, reading and
 * system info only (no writing, no subprocess, no FFI). Where it cannot run it says what to set
 * in one line and exits 1; with DATABASE_URL and the build it serves without loading the
 * development-only modules.
 */
import { equal, ok } from "node:assert/strict";
import { ROOT } from "../lib/app.ts";
import { emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { buildClientBundles, DEPLOY_PERMISSIONS, spawnMain } from "./support/main_process.ts";
import { within } from "./support/wait.ts";

const BUILD = `${ROOT}_fresh`;
const exists = (path: string) => Deno.stat(path).then(() => true, () => false);

/** Runs `fn` with no `_fresh/` build, putting back one that was there. */
async function withoutBuild(fn: () => Promise<void>): Promise<void> {
  const aside = `${ROOT}_fresh.aside-${crypto.randomUUID()}`;
  const had = await exists(BUILD);
  if (had) await Deno.rename(BUILD, aside);
  try {
    await fn();
  } finally {
    if (had) {
      await Deno.remove(BUILD, { recursive: true }).catch(() => {});
      await Deno.rename(aside, BUILD);
    }
  }
}

let built: Promise<void> | undefined;
/** The build every other test here starts from (made once; left for the next run). */
const ensureBuild = () => built ??= buildClientBundles();

function errorLines(output: string): string[] {
  return output.split("\n").filter((line) => line.includes('"level":"error"'));
}

Deno.test({
  name: "main.ts under Deploy permissions - no _fresh/ build: one line saying to build, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withoutBuild(async () => {
      const main = spawnMain({ permissions: DEPLOY_PERMISSIONS });
      equal(await within(main.exited, "the refused start exited", 60_000), 1, main.output());
      const errors = errorLines(main.output());
      equal(errors.length, 1, main.output());
      ok(errors[0].includes("deno task build"), errors[0]);
      ok(!main.output().includes("Unhandled"), main.output());
    });
  },
});

Deno.test({
  name: "main.ts under Deploy permissions - no DATABASE_URL: one line naming it, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBuild();
    const main = spawnMain({ permissions: DEPLOY_PERMISSIONS });
    equal(await within(main.exited, "the refused start exited", 60_000), 1, main.output());
    const errors = errorLines(main.output());
    equal(errors.length, 1, main.output());
    const { msg } = JSON.parse(errors[0]);
    ok(msg.startsWith("cannot start: DATABASE_URL: not set"), msg);
    ok(msg.includes("set DATABASE_URL to a Postgres connection string"), msg);
    ok(!main.output().includes("Unhandled"), main.output());
  },
});

Deno.test({
  name: "main.ts under Deploy permissions - with DATABASE_URL and the build: serves pages",
  ignore: !SERVER_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await ensureBuild();
    const db = await emptyDatabase("postgres");
    const main = spawnMain({ permissions: DEPLOY_PERMISSIONS, env: { DATABASE_URL: db.url } });
    try {
      const url = await main.listening;
      equal((await fetch(`${url}/health`)).status, 200);
      // The page refers to the island bundles of the build, and they are served.
      const page = await (await fetch(url)).text();
      const snapshot = JSON.parse(await Deno.readTextFile(`${BUILD}/snapshot.json`));
      ok(page.includes(snapshot.assets.main), "the page loads the built client entry");
      const script = await fetch(`${url}${snapshot.assets.main}`);
      equal(script.status, 200);
      await script.body?.cancel();
      ok(main.output().includes("migrations applied"));
    } finally {
      equal(await main.stop(), 0, main.output());
      await db.close();
    }
  },
});
if (!SERVER_URL) console.log(`[postgres] production start ignored: ${SERVER_MISSING_REASON}`);

Deno.test({
  name: "main.ts - a production start imports neither esbuild nor PGlite up front",
  async fn() {
    // The module graph as Deno loads it: static imports count, and the dynamic ones of main.ts
    // and of its start (lib/cluster/main.ts: the app, imported once it is known this thread
    // serves); other dynamic ones sit behind
    // the branches that need them (no build → bundler; no DATABASE_URL → embedded database).
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", `${ROOT}main.ts`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(out.success, true, new TextDecoder().decode(out.stderr));
    const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      roots: string[];
      modules: {
        specifier: string;
        dependencies?: { isDynamic?: boolean; code?: { specifier: string } }[];
      }[];
    };
    const modules = new Map(graph.modules.map((m) => [m.specifier, m]));
    const reached = new Set<string>();
    const dynamic = new Set<string>();
    const stack = [...graph.roots];
    while (stack.length) {
      const specifier = stack.pop()!;
      if (reached.has(specifier)) continue;
      reached.add(specifier);
      const root = graph.roots.includes(specifier) || specifier.endsWith("/lib/cluster/main.ts");
      for (const dep of modules.get(specifier)?.dependencies ?? []) {
        if (!dep.code) continue;
        if (dep.isDynamic && !root) dynamic.add(dep.code.specifier);
        else stack.push(dep.code.specifier);
      }
    }
    const devOnly = [...reached].filter((s) => /^npm:\/?(esbuild|@electric-sql\/pglite)/.test(s));
    equal(devOnly.length, 0, `statically imported: ${devOnly.join(", ")}`);
    // They are still there for development and for a start without the build or a server.
    ok([...dynamic].some((s) => s.endsWith("/lib/fresh/build.ts")));
    ok([...dynamic].some((s) => s.endsWith("/lib/db/embedded.ts")));
  },
});
