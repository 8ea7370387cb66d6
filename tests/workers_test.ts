/**
 * `main.ts` with two app workers on one port (PostgreSQL): what one worker writes the other
 * reads, `/metrics` answers for both, and SIGTERM drains both — a reply streaming on each is
 * ended and its partial answer saved before the process exits 0. Which worker answered a request
 * comes from its log line (`worker` field, matched by the request id we send); a connection is
 * pinned to a worker by reusing one HTTP client, whose kept-alive connection the kernel gave to
 * one worker's socket.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { type MainProcess, spawnMain } from "./support/main_process.ts";
import { waitUntil, within } from "./support/wait.ts";

const ignore = !SERVER_URL;
const suffix = ignore ? ` (ignored: ${SERVER_MISSING_REASON})` : "";
const METRICS_TOKEN = "metrics-token-for-the-workers-test";

/** A client on one kept-alive connection, and the worker that connection reached. */
interface Pinned {
  client: Deno.HttpClient;
  worker: number;
}

/** The worker that logged the request with id `requestId` (waits for its line). */
function workerOf(main: MainProcess, requestId: string): Promise<number> {
  return waitUntil(() => {
    const line = main.lines().find((l) => l.msg === "request" && l.requestId === requestId);
    return line ? String(line.worker) : undefined;
  }, `the request ${requestId} was logged`).then(Number);
}

let counter = 0;
async function send(
  url: string,
  client: Deno.HttpClient,
  path: string,
  init: RequestInit = {},
): Promise<{ res: Response; requestId: string }> {
  const requestId = `workers-test-${++counter}`;
  const res = await fetch(
    `${url}${path}`,
    {
      ...init,
      client,
      headers: { ...(init.headers as Record<string, string>), "x-request-id": requestId },
    } as RequestInit & { client: Deno.HttpClient },
  );
  return { res, requestId };
}

/** New connections until one reaches each of the `count` workers (bounded: 2^-60 to miss). */
async function pinEach(main: MainProcess, url: string, count: number): Promise<Pinned[]> {
  const pinned = new Map<number, Pinned>();
  for (let attempt = 0; attempt < 60 && pinned.size < count; attempt++) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
    const { res, requestId } = await send(url, client, "/health");
    equal(res.status, 200);
    await res.body?.cancel();
    const worker = await workerOf(main, requestId);
    if (pinned.has(worker)) client.close();
    else pinned.set(worker, { client, worker });
  }
  equal(pinned.size, count, "new connections reached every worker");
  return [...pinned.values()].sort((a, b) => a.worker - b.worker);
}

function chatkitInit(body: unknown, cookie?: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  };
}

const threadIdOf = (text: string) =>
  text.match(/"type":"thread\.created","thread":\{[^}]*?"id":"(thr_[^"]+)"/)?.[1];

/** The value of an unlabelled sample (or the sum of a labelled one's series) in a scrape. */
function sample(text: string, name: string, labels = ""): number {
  return text.split("\n")
    .filter((l) => l.startsWith(name) && l.slice(name.length).match(/^(\{[^}]*\})? /))
    .filter((l) => l.includes(labels))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

Deno.test({
  name:
    `two workers - a thread made through one is read through the other; /metrics adds both up${suffix}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    const model = await startFakeOpenAI({ defaultTurn: () => ({ text: "hello there" }) });
    const main = spawnMain({
      env: {
        DATABASE_URL: db.url,
        WORKERS: "2",
        METRICS_TOKEN,
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: "sk-test",
      },
    });
    let pinned: Pinned[] = [];
    try {
      const url = await main.listening;
      const listening = main.lines().filter((l) => l.msg === "listening");
      equal(listening.length, 1, "one listening line for the app");
      equal(listening[0].workers, 2);
      pinned = await pinEach(main, url, 2);
      const [a, b] = pinned;

      // Made through worker a (the visitor's cookie is issued there, checked by b).
      const made = await send(url, a.client, "/chatkit", chatkitInit(createRequest("hi")));
      equal(made.res.status, 200);
      const cookie = made.res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      const text = await made.res.text();
      const threadId = threadIdOf(text);
      ok(threadId, text);
      equal(await workerOf(main, made.requestId), a.worker);

      const read = await send(
        url,
        b.client,
        "/chatkit",
        chatkitInit({ type: "threads.get_by_id", params: { thread_id: threadId } }, cookie),
      );
      equal(read.res.status, 200);
      const thread = await read.res.json();
      equal(await workerOf(main, read.requestId), b.worker);
      deepEqual(
        thread.items.data.map((i: { type: string }) => i.type),
        ["user_message", "assistant_message"],
      );

      // Whichever worker answers the scrape, it counts both workers' requests. Scrapes go on
      // fresh connections until each worker has answered one (a kept-alive connection is not
      // guaranteed to stay with its worker, so which one answers is read from the log).
      const answered = new Set<number>();
      for (let attempt = 0; attempt < 60 && answered.size < 2; attempt++) {
        const client = Deno.createHttpClient({ poolMaxIdlePerHost: 1 });
        try {
          const scrape = await send(url, client, "/metrics", {
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          });
          equal(scrape.res.status, 200);
          const body = await scrape.res.text();
          answered.add(await workerOf(main, scrape.requestId));
          equal(sample(body, "chatkit_workers"), 2, body);
          equal(sample(body, "chatkit_http_requests_total", 'route="/chatkit"'), 2, body);
          equal(sample(body, "chatkit_turns_total"), 1, body);
        } finally {
          client.close();
        }
      }
      equal(answered.size, 2, "each worker answered a scrape");
    } finally {
      for (const { client } of pinned) client.close();
      equal(await main.stop(), 0, main.output());
      await model.close();
      await db.close();
    }
  },
});

Deno.test({
  name:
    `two workers - SIGTERM mid-reply on each: both replies end, both partial answers saved, exit 0${suffix}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    // Two words, then the model holds the rest for ever: each turn outlives the drain.
    const model = await startFakeOpenAI({
      defaultTurn: () => ({
        text: "one two three four",
        holdAfterChunks: 2,
        release: new Promise(() => {}),
      }),
    });
    const main = spawnMain({
      env: {
        DATABASE_URL: db.url,
        WORKERS: "2",
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: "sk-test",
        SHUTDOWN_DRAIN_SECONDS: "1",
      },
    });
    let pinned: Pinned[] = [];
    try {
      const url = await main.listening;
      pinned = await pinEach(main, url, 2);
      const streams = await Promise.all(pinned.map(async ({ client }) => {
        const { res } = await send(url, client, "/chatkit", chatkitInit(createRequest("count")));
        equal(res.status, 200);
        const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
        const sofar = { text: "" };
        await within(
          (async () => {
            while (!/"delta":" ?two ?"/.test(sofar.text)) {
              const part = await reader.read();
              if (part.done) throw new Error(`the reply ended early:\n${sofar.text}`);
              sofar.text += part.value;
            }
          })(),
          "the reply streamed its first two words",
        );
        return { reader, sofar, threadId: threadIdOf(sofar.text)! };
      }));
      main.process.kill("SIGTERM");
      for (const { reader, sofar } of streams) {
        await within(
          (async () => {
            for (let part = await reader.read(); !part.done; part = await reader.read()) {
              sofar.text += part.value;
            }
          })(),
          "a reply's stream ended after SIGTERM",
        );
        ok(/"type":"error"[^}]*"allow_retry":true/.test(sofar.text), sofar.text);
      }
      equal(await within(main.exited, "main.ts exited after SIGTERM", 30_000), 0, main.output());
      ok(!/BadResource|Uncaught/.test(main.output()), main.output());
      equal(main.lines().filter((l) => l.msg === "stopped").length, 1, main.output());
      for (const { threadId } of streams) {
        const items = await db.sql<{ type: string; payload: { content?: { text: string }[] } }[]>`
          select type, payload from thread_items where thread_id = ${threadId}
          order by created_at, seq`;
        deepEqual(items.map((i) => i.type), [
          "user_message",
          "assistant_message",
          "sdk_hidden_context",
        ]);
        const answer = items[1].payload.content?.map((p) => p.text).join("") ?? "";
        ok(/^one ?two ?$/.test(answer), `the partial answer was kept: ${answer}`);
      }
    } finally {
      for (const { client } of pinned) client.close();
      await main.kill();
      await model.close();
      await db.close();
    }
  },
});

/** The pids of a process's descendants (`deno task` runs the app as its child). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    const text = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/children`).trim();
    for (const child of text ? text.split(" ").map(Number) : []) {
      out.push(child, ...descendants(child));
    }
  }
  return out;
}

Deno.test({
  name:
    `deno task start - one worker per core on PostgreSQL, allocator set to hand freed buffers back${suffix}`,
  ignore,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    const main = spawnMain({ task: "start", env: { DATABASE_URL: db.url } });
    try {
      await main.listening;
      const listening = main.lines().find((l) => l.msg === "listening");
      equal(listening?.workers, navigator.hardwareConcurrency);
      // Without it glibc keeps the 32–128 KiB buffers of finished streams (deno.json, BENCHMARKS.md).
      const envs = descendants(main.process.pid).map((pid) =>
        Deno.readTextFileSync(`/proc/${pid}/environ`).split("\0")
      );
      ok(envs.some((env) => env.includes("MALLOC_MMAP_THRESHOLD_=32768")), "the app has it");
    } finally {
      equal(await main.stop(), 0, main.output());
      await db.close();
    }
  },
});
