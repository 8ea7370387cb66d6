/**
 * `deno task test`: runs the whole suite against embedded PGlite and, when one can be had, a
 * PostgreSQL server (TEST_DATABASE_URL, or a throwaway cluster started here when PostgreSQL is
 * installed), with Chromium tests enabled when a Chromium is found. Ends with the plain line
 * `N passed, N failed, N skipped` counted from the run's JUnit report.
 * Extra arguments go to `deno test` (e.g. `deno task test tests/health_test.ts`).
 */
import {
  createDatabase,
  dropDatabase,
  findPostgresBin,
  type PostgresCluster,
  startPostgresCluster,
} from "./support/postgres_server.ts";

const OUTPUT_DIR = "test-output";
const JUNIT = `${OUTPUT_DIR}/junit.xml`;

const env: Record<string, string> = { RUST_BACKTRACE: "0" };
let cluster: PostgresCluster | undefined;
let adminUrl = Deno.env.get("TEST_DATABASE_URL") || undefined;
const databaseName = `chatkit_run_${Date.now().toString(36)}`;
let databaseUrl: string | undefined;

try {
  if (!adminUrl && findPostgresBin()) {
    console.log("Starting a throwaway PostgreSQL cluster for the [postgres] tests…");
    cluster = await startPostgresCluster();
    adminUrl = cluster.url;
  }
  if (adminUrl) {
    databaseUrl = await createDatabase(adminUrl, databaseName);
    env.TEST_DATABASE_URL = databaseUrl;
    env.TEST_ADMIN_DATABASE_URL = adminUrl;
  } else {
    console.log("No PostgreSQL found: the [postgres] tests will show as ignored.");
  }
  const chromium = findChromium();
  if (chromium) env.CHROMIUM_PATH = chromium;
  else console.log("No Chromium found: the browser tests will show as ignored.");

  await Deno.mkdir(OUTPUT_DIR, { recursive: true });
  await Deno.remove(JUNIT).catch(() => {});
  // A fresh embedded-database template per run, so a PGlite upgrade never reuses an old one.
  await Deno.remove(`${OUTPUT_DIR}/pglite-empty.tar`).catch(() => {});
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", `--junit-path=${JUNIT}`, ...Deno.args],
    env,
    stdin: "null",
  }).spawn();
  const status = await child.status;
  const counts = await countResults();
  console.log(
    counts
      ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`
      : `0 passed, 1 failed (no test report was written)`,
  );
  Deno.exitCode = status.success && counts ? 0 : 1;
} finally {
  if (adminUrl && databaseUrl) await dropDatabase(adminUrl, databaseName).catch(() => {});
  await cluster?.stop();
}

function findChromium(): string | null {
  const candidates = [
    Deno.env.get("CHROMIUM_PATH"),
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* next */ }
  }
  return null;
}

async function countResults(): Promise<{ passed: number; failed: number; skipped: number } | null> {
  let xml: string;
  try {
    xml = await Deno.readTextFile(JUNIT);
  } catch {
    return null;
  }
  let passed = 0, failed = 0, skipped = 0;
  // Steps appear as test cases named "<test> &gt; <step>"; count tests only, as Deno does.
  const cases = [...xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)];
  const names = new Set(cases.map((c) => c[1]));
  const isStep = (name: string) =>
    name.split(" &gt; ").some((_, i, parts) =>
      i > 0 && names.has(parts.slice(0, i).join(" &gt; "))
    );
  for (const [, name, , body = ""] of cases) {
    if (isStep(name)) continue;
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (/<skipped\b/.test(body)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}
