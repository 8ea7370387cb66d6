/**
 * Store phase helpers: bulk seeding straight into the tables of `migrations/0001_init.sql`
 * (multi-row `insert … select from generate_series`, foreign-key triggers skipped where allowed),
 * and EXPLAIN of the store's read queries.
 *
 * The EXPLAINed statements repeat the SQL of `lib/store/postgres.ts` (`loadThread`, `loadThreads`,
 * `loadThreadItems`); keep them in step when that file changes. Each is planned twice, as the app's
 * prepared statements can be: with its values (custom plan) and as a generic plan.
 * @module
 */
import type postgres from "postgres";

// deno-lint-ignore no-explicit-any
type Sql = postgres.Sql<any>;

/** What was seeded. */
export interface Seeded {
  owner: string;
  threads: number;
  items: number;
  /** The thread holding `bigThreadItems` items (for deep item cursors). */
  bigThread: string;
  bigThreadItems: number;
  /** Thread ids ~80–99 % deep in the newest-first list. */
  deepThreadCursors: string[];
  /** Item ids of the big thread ~80–99 % deep in newest-first order. */
  deepItemCursors: string[];
  /** A sample of thread ids for `threads.get_by_id`. */
  sampleThreads: string[];
  seconds: number;
}

const TS = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/** Seeds `threads` threads and `items` items for `owner`; one thread holds `bigThreadItems`. */
export async function seedStore(
  sql: Sql,
  options: {
    owner: string;
    threads: number;
    items: number;
    bigThreadItems: number;
    tag: string;
    onProgress?: (message: string) => void;
  },
): Promise<Seeded> {
  const { owner, threads, items, bigThreadItems, tag } = options;
  const t0 = performance.now();
  // Skipping the per-row foreign-key checks needs superuser; without it, they just run.
  const reserved = await sql.reserve();
  try {
    await reserved`set session_replication_role = replica`.catch(() => {});
    const step = 50_000;
    // Threads 1..n: thread 1 is the big one and the oldest; created_at one minute apart.
    for (let from = 1; from <= threads; from += step) {
      const to = Math.min(threads, from + step - 1);
      await reserved`
        insert into threads (id, owner_id, title, created_at, updated_at)
        select 'thr_' || md5(${tag} || 't' || i), ${owner}, 'Seeded thread ' || i,
               now() - interval '400 days' + i * interval '1 minute',
               now() - interval '400 days' + i * interval '1 minute'
        from generate_series(${from}::int, ${to}::int) i`;
      options.onProgress?.(`threads ${to}/${threads}`);
    }
    // Items 1..m: the first bigThreadItems go to thread 1, the rest round-robin to threads 2..n.
    const others = Math.max(1, threads - 1);
    for (let from = 1; from <= items; from += step * 2) {
      const to = Math.min(items, from + step * 2 - 1);
      await reserved`
        with rows as (
          select i,
                 'msg_' || md5(${tag} || 'i' || i) as id,
                 case when i <= ${bigThreadItems}::int then 1
                      else 2 + ((i - ${bigThreadItems}::int) % ${others}::int) end as t,
                 now() - interval '399 days' + i * interval '10 milliseconds' as at
          from generate_series(${from}::int, ${to}::int) i
        ), shaped as (
          select id, 'thr_' || md5(${tag} || 't' || t) as thread_id, at,
                 case when i % 2 = 1 then 'user_message' else 'assistant_message' end as type, i
          from rows
        )
        insert into thread_items (id, thread_id, owner_id, type, payload, created_at)
        select id, thread_id, ${owner}, type,
               case when type = 'user_message' then jsonb_build_object(
                 'id', id, 'thread_id', thread_id, 'type', type,
                 'created_at', to_char(at at time zone 'UTC', ${sql.unsafe(TS)}),
                 'content', jsonb_build_array(jsonb_build_object('type', 'input_text',
                   'text', 'Seeded question number ' || i || ' about something long enough')),
                 'attachments', '[]'::jsonb, 'inference_options', '{}'::jsonb)
               else jsonb_build_object(
                 'id', id, 'thread_id', thread_id, 'type', type,
                 'created_at', to_char(at at time zone 'UTC', ${sql.unsafe(TS)}),
                 'content', jsonb_build_array(jsonb_build_object('type', 'output_text',
                   'text', 'Seeded answer number ' || i || repeat(' with a few more words', 8),
                   'annotations', '[]'::jsonb)))
               end,
               at
        from shaped`;
      options.onProgress?.(`items ${to}/${items}`);
    }
  } finally {
    await reserved`reset session_replication_role`.catch(() => {});
    reserved.release();
  }
  options.onProgress?.("vacuum analyze");
  await sql`vacuum analyze threads`;
  await sql`vacuum analyze thread_items`;

  const bigThread = (await sql`select 'thr_' || md5(${tag} || 't' || 1) as id`)[0].id as string;
  const depth = (n: number, k: number) =>
    Array.from({ length: k }, (_, j) => Math.max(1, Math.floor(n * (0.8 + (0.19 * j) / k))));
  // Newest-first position p (1-based) of thread i is threads - i + 1.
  const deepThreadCursors = (await sql`
    select 'thr_' || md5(${tag} || 't' || (${threads}::int - p + 1)) as id
    from unnest(${depth(threads, 20)}::int[]) p`).map((r) => r.id as string);
  const deepItemCursors = (await sql`
    select 'msg_' || md5(${tag} || 'i' || (${bigThreadItems}::int - p + 1)) as id
    from unnest(${depth(bigThreadItems, 20)}::int[]) p`).map((r) => r.id as string);
  const sampleThreads = (await sql`
    select 'thr_' || md5(${tag} || 't' || (1 + floor(random() * ${threads}::int))::int) as id
    from generate_series(1, 50)`).map((r) => r.id as string);
  return {
    owner,
    threads,
    items,
    bigThread,
    bigThreadItems,
    deepThreadCursors,
    deepItemCursors,
    sampleThreads,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** One planned store query. */
export interface PlanReport {
  query: string;
  /** e.g. `Limit > Index Scan Backward using threads_owner_order on threads`. */
  custom: string;
  generic: string;
  seqScan: boolean;
  /** Execution time reported by EXPLAIN ANALYZE of the custom plan, ms. */
  executionMs: number;
  buffers: number;
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Scan Direction"?: string;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

function describe(node: PlanNode): string {
  let text = node["Node Type"];
  if (node["Scan Direction"] === "Backward") text += " Backward";
  if (node["Index Name"]) text += ` using ${node["Index Name"]}`;
  else if (node["Relation Name"]) text += ` on ${node["Relation Name"]}`;
  const children = (node.Plans ?? []).map(describe);
  if (children.length === 1) return `${text} > ${children[0]}`;
  if (children.length > 1) return `${text} > (${children.join("; ")})`;
  return text;
}

function hasSeqScan(node: PlanNode): boolean {
  return node["Node Type"] === "Seq Scan" || (node.Plans ?? []).some(hasSeqScan);
}

const THREAD_COLUMNS = `id, title, status, metadata, allowed_image_domains,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at`;

/** The store's read statements (from lib/store/postgres.ts) with their parameter types. */
export function storeQueries(seeded: Seeded): {
  name: string;
  types: string[];
  values: string[];
  text: string;
}[] {
  const { owner, bigThread } = seeded;
  const deepThread = seeded.deepThreadCursors.at(-1)!;
  const deepItem = seeded.deepItemCursors.at(-1)!;
  return [
    {
      name: "loadThread (threads.get_by_id, items.list of an empty page)",
      types: ["text", "text"],
      values: [seeded.sampleThreads[0], owner],
      text: `select ${THREAD_COLUMNS} from threads where id = $1 and owner_id = $2`,
    },
    {
      name: "loadThreads first page (threads.list)",
      types: ["text"],
      values: [owner],
      text: `select ${THREAD_COLUMNS} from threads where owner_id = $1
             order by threads.created_at desc, threads.seq desc limit 21`,
    },
    {
      name: "loadThreads deep after cursor (threads.list)",
      types: ["text", "text"],
      values: [owner, deepThread],
      text: `select ${THREAD_COLUMNS} from threads where owner_id = $1
             and (created_at, seq) < (select created_at, seq from threads where id = $2 and owner_id = $1)
             order by threads.created_at desc, threads.seq desc limit 21`,
    },
    {
      name: "loadThreadItems first page (items.list)",
      types: ["text", "text"],
      values: [bigThread, owner],
      text: `select payload from thread_items where thread_id = $1 and owner_id = $2
             order by created_at desc, seq desc limit 21`,
    },
    {
      name: "loadThreadItems deep after cursor (items.list)",
      types: ["text", "text", "text"],
      values: [bigThread, owner, deepItem],
      text: `select payload from thread_items where thread_id = $1 and owner_id = $2
             and (created_at, seq) < (select created_at, seq from thread_items
                                      where id = $3 and thread_id = $1 and owner_id = $2)
             order by created_at desc, seq desc limit 21`,
    },
    {
      name: "loadThreadItems oldest first (threads.get_by_id)",
      types: ["text", "text"],
      values: [bigThread, owner],
      text: `select payload from thread_items where thread_id = $1 and owner_id = $2
             order by created_at asc, seq asc limit 21`,
    },
  ];
}

/** EXPLAINs each store read, as a custom and as a generic plan. */
export async function explainStore(sql: Sql, seeded: Seeded): Promise<PlanReport[]> {
  const out: PlanReport[] = [];
  const conn = await sql.reserve();
  try {
    for (const [i, q] of storeQueries(seeded).entries()) {
      const name = `bench_q${i}`;
      await conn.unsafe(`prepare ${name} (${q.types.join(", ")}) as ${q.text}`);
      const args = q.values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ");
      const plan = async (mode: string, analyze: boolean) => {
        await conn.unsafe(`set plan_cache_mode = ${mode}`);
        const rows = await conn.unsafe(
          `explain (${analyze ? "analyze, buffers, " : ""}format json) execute ${name}(${args})`,
        );
        const json = rows[0]["QUERY PLAN"] as { Plan: PlanNode; "Execution Time"?: number }[];
        return json[0];
      };
      const custom = await plan("force_custom_plan", true);
      const generic = await plan("force_generic_plan", false);
      const blocks = (node: PlanNode): number =>
        (node["Shared Hit Blocks"] ?? 0) + (node["Shared Read Blocks"] ?? 0);
      out.push({
        query: q.name,
        custom: describe(custom.Plan),
        generic: describe(generic.Plan),
        seqScan: hasSeqScan(custom.Plan) || hasSeqScan(generic.Plan),
        executionMs: custom["Execution Time"] ?? NaN,
        buffers: blocks(custom.Plan),
      });
      await conn.unsafe(`deallocate ${name}`);
    }
    await conn.unsafe(`reset plan_cache_mode`);
  } finally {
    conn.release();
  }
  return out;
}
