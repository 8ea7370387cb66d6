/**
 * The database paths of a production deployment: through PgBouncer 1.18 in transaction mode
 * (`?pgbouncer=true`: migrations, a whole conversation, concurrent turns) and straight to a
 * server that accepts TLS only (`sslmode=require`, and `verify-full` against a CA file).
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import postgres from "postgres";
import { loadConfig } from "../lib/config.ts";
import { openDatabase } from "../lib/db/mod.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "../lib/db/migrate.ts";
import { addMessageRequest, createRequest, parseSse } from "./chatkit_helpers.ts";
import { emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { spawnMain } from "./support/main_process.ts";
import { findPgBouncer, PGBOUNCER_MISSING_REASON, startPgBouncer } from "./support/pgbouncer.ts";
import {
  findPostgresBin,
  startPostgresCluster,
  THROWAWAY_SETTINGS,
} from "./support/postgres_server.ts";
import { makeTestPki } from "./support/tls.ts";
import { within } from "./support/wait.ts";

const NO_LIMITS = {
  RATE_LIMIT_PER_MINUTE: "0",
  RATE_LIMIT_PER_DAY: "0",
  RATE_LIMIT_PER_ADDRESS_PER_MINUTE: "0",
  RATE_LIMIT_PER_ADDRESS_PER_DAY: "0",
};

async function post(url: string, body: unknown, cookie?: string) {
  const res = await fetch(`${url}/chatkit`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
    // A lost statement shows as this request failing, not as the run hanging.
    signal: AbortSignal.timeout(60_000),
  });
  const setCookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { res, bytes: new Uint8Array(await res.arrayBuffer()), cookie: setCookie || cookie };
}

const bouncerIgnore = !SERVER_URL
  ? SERVER_MISSING_REASON
  : !findPgBouncer()
  ? PGBOUNCER_MISSING_REASON
  : undefined;

/** A test through PgBouncer, ignored (with the reason) without a server or PgBouncer. */
function bouncerTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: `PgBouncer transaction mode - ${name}${
      bouncerIgnore ? ` (ignored: ${bouncerIgnore})` : ""
    }`,
    ignore: !!bouncerIgnore,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });
}

bouncerTest("migrations, a conversation and concurrent turns", async () => {
  const db = await emptyDatabase("postgres");
  const name = new URL(db.url).pathname.slice(1);
  // Fewer server connections than the app opens: statements of one client connection run on
  // whichever server connection is free, as on a real pooler.
  const bouncer = await startPgBouncer(SERVER_URL!, 3);
  const model = await startFakeOpenAI({
    defaultTurn: () => ({ text: "pooled answer here", chunkDelayMs: 20 }),
  });
  const env = { ...NO_LIMITS, OPENAI_BASE_URL: model.baseUrl, OPENAI_API_KEY: "sk-test" };
  try {
    // Without the flag the app's start-up settings are refused by PgBouncer.
    const refused = spawnMain({ env: { ...env, DATABASE_URL: bouncer.url(name) } });
    equal(await within(refused.exited, "the refused start exited", 60_000), 1, refused.output());
    ok(
      refused.output().includes(
        "cannot start: the database refused: unsupported startup parameter: plan_cache_mode",
      ),
      refused.output(),
    );

    const main = spawnMain({
      env: {
        ...env,
        DATABASE_URL: `${bouncer.url(name)}?pgbouncer=true`,
        DATABASE_POOL_SIZE: "8",
      },
    });
    try {
      const url = await main.listening;
      ok(main.output().includes("migrations applied"), main.output());
      const files = (await readMigrations(MIGRATIONS_DIR)).map((m) => m.name);
      const applied = await db.sql`select name from schema_migrations order by name`;
      deepEqual(applied.map((r) => r.name), files);

      // A conversation: two turns on one thread, then read back.
      const first = await post(url, createRequest("hello through the pooler"));
      const events = parseSse(first.bytes);
      const created = events.find((e) => e.type === "thread.created") as {
        thread: { id: string };
      };
      ok(created, "thread.created");
      ok(
        events.some((e) => e.type === "thread.item.done" && e.item.type === "assistant_message"),
      );
      const second = await post(url, addMessageRequest(created.thread.id, "again"), first.cookie);
      ok(parseSse(second.bytes).some((e) => e.type === "thread.item.done"));
      const read = await post(url, {
        type: "threads.get_by_id",
        params: { thread_id: created.thread.id },
      }, first.cookie);
      const items = JSON.parse(new TextDecoder().decode(read.bytes)).items.data as {
        type: string;
      }[];
      deepEqual(items.map((i) => i.type), [
        "user_message",
        "assistant_message",
        "user_message",
        "assistant_message",
      ]);

      // Concurrent turns from eight visitors at once, over three server connections.
      const turns = await Promise.all(
        Array.from({ length: 8 }, (_, i) => post(url, createRequest(`visitor ${i}`))),
      );
      for (const turn of turns) {
        equal(turn.res.status, 200);
        ok(
          parseSse(turn.bytes).some((e) =>
            e.type === "thread.item.done" && e.item.type === "assistant_message"
          ),
        );
      }
      const [{ count }] = await db.sql`
          select count(*)::int as count from thread_items where type = 'assistant_message'`;
      equal(count, 10);
    } finally {
      equal(await main.stop(), 0, main.output());
    }
  } finally {
    await model.close();
    await bouncer.stop();
    await db.close();
  }
});

bouncerTest("hundreds of concurrent statements are all answered", async () => {
  // postgres.js pipelines statements on a busy connection. Behind PgBouncer 1.18 in
  // transaction mode, a statement without parameters (`select exists (…)`) followed on the
  // same connection by one with parameters (sent unprepared: Parse, Describe, Flush) lost the
  // second: PgBouncer hands the server connection back to its pool when the first one ends,
  // and drops the describe's answer ("got packet '1' from server when not linked"). The app
  // waited for it forever. Behind a pooler the app must not pipeline.
  const db = await emptyDatabase("postgres");
  const name = new URL(db.url).pathname.slice(1);
  const bouncer = await startPgBouncer(SERVER_URL!, 2);
  const app = await openDatabase(
    loadConfig({
      DATA_DIR: "/nonexistent",
      DATABASE_URL: `${bouncer.url(name)}?pgbouncer=true`,
      DATABASE_POOL_SIZE: "4",
    }, "development"),
  );
  try {
    for (let round = 0; round < 5; round++) {
      const answers = await within(
        Promise.all(
          Array.from(
            { length: 200 },
            (_, i) => i % 2 ? app.sql`select ${i}::int as i` : app.sql`select -1 as i`,
          ),
        ),
        `round ${round}: every one of 200 concurrent statements answered`,
        60_000,
      );
      deepEqual(
        answers.map((rows) => rows[0].i),
        Array.from({ length: 200 }, (_, i) => i % 2 ? i : -1),
      );
    }
    // Transactions still work there (postgres.js's own `begin` cannot): all or nothing, and
    // beside plain statements.
    await app.sql`create table pooled (n int not null)`;
    await rejects(
      app.sql.begin(async (tx) => {
        await tx`insert into pooled values (1)`;
        throw new Error("changed my mind");
      }),
      /changed my mind/,
    );
    await within(
      Promise.all(Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? app.sql.begin(async (tx) => {
            await tx`insert into pooled values (${i})`;
            await tx`insert into pooled values (${-i})`;
          })
          : app.sql`select count(*) from pooled`)),
      "concurrent transactions and statements answered",
      60_000,
    );
    const [{ sum, count }] = await app.sql`
        select coalesce(sum(n), 0)::int as sum, count(*)::int as count from pooled`;
    deepEqual({ sum, count }, { sum: 0, count: 20 }, "the rolled-back row is not there");
  } finally {
    await app.close();
    await bouncer.stop();
    await db.close();
  }
});

Deno.test({
  name: `TLS-only server - sslmode=require, verify-full against DATABASE_CA_CERT or PGSSLROOTCERT${
    findPostgresBin() ? "" : " (ignored: PostgreSQL is not installed)"
  }`,
  ignore: !findPostgresBin(),
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const asRoot = Deno.uid() === 0;
    const pki = await makeTestPki(asRoot ? "postgres" : undefined);
    const other = await makeTestPki();
    const hba = `${pki.dir}/pg_hba.conf`;
    await Deno.writeTextFile(hba, "hostssl all all 127.0.0.1/32 trust\nlocal all all trust\n");
    if (asRoot) await new Deno.Command("chown", { args: ["postgres:postgres", hba] }).output();
    const cluster = await startPostgresCluster({
      ...THROWAWAY_SETTINGS,
      ssl: "on",
      ssl_cert_file: pki.serverCert,
      ssl_key_file: pki.serverKey,
      hba_file: hba,
    });
    const base = cluster.url;
    const open = (env: Record<string, string>) =>
      openDatabase(loadConfig({ DATA_DIR: "/nonexistent", ...env }, "development"));
    const usesTls = async (env: Record<string, string>) => {
      const db = await open(env);
      try {
        await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
        const [row] = await db.sql`select ssl from pg_stat_ssl where pid = pg_backend_pid()`;
        return row.ssl as boolean;
      } finally {
        await db.close();
      }
    };
    try {
      // The server refuses a connection without TLS.
      const plain = postgres(`${base}?sslmode=disable`, { max: 1, onnotice: () => {} });
      await rejects(plain`select 1`, /no pg_hba.conf entry|SSL off/);
      await plain.end();

      equal(await usesTls({ DATABASE_URL: `${base}?sslmode=require` }), true);
      equal(
        await usesTls({
          DATABASE_URL: `${base}?sslmode=verify-full`,
          DATABASE_CA_CERT: pki.caCert,
        }),
        true,
      );
      equal(
        await usesTls({ DATABASE_URL: `${base}?sslmode=verify-full`, PGSSLROOTCERT: pki.caCert }),
        true,
      );
      // PEM text works as well as a path.
      equal(
        await usesTls({
          DATABASE_URL: `${base}?sslmode=verify-full`,
          DATABASE_CA_CERT: await Deno.readTextFile(pki.caCert),
        }),
        true,
      );
      // A certificate not signed by the given CA is refused.
      await rejects(
        usesTls({ DATABASE_URL: `${base}?sslmode=verify-full`, DATABASE_CA_CERT: other.caCert }),
        /certificate|UnknownIssuer|verify/i,
      );
    } finally {
      await cluster.stop();
      await pki.remove();
      await other.remove();
    }
  },
});
