/**
 * Shared helpers of the `tests/chatkit_*_test.ts` suites: the app with the fake model provider,
 * raw SSE parsing, and request builders shaped exactly as the ChatKit web component sends them.
 * @module
 */
import assert from "node:assert/strict";
import type { ThreadItem, ThreadStreamEvent } from "../lib/chatkit/types.ts";
import { PostgresStore } from "../lib/store/mod.ts";
import type { OwnerStore } from "../lib/store/mod.ts";
import { startTestApp, type TestApp } from "./support/app.ts";
import type { TestDatabase } from "./support/db.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./support/fake_openai.ts";
import { within } from "./support/wait.ts";

/** The app wired to a loopback fake of the model provider, acting as one visitor. */
export interface Harness {
  app: TestApp;
  fake: FakeOpenAI;
  db: TestDatabase;
  /** The owner id the app gave this visitor. */
  owner: string;
  /** The store as this visitor's owner sees it (for setup and checks). */
  store: OwnerStore;
  /** `fetch` with this visitor's cookies (path relative to the app, or an absolute URL). */
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  /** POSTs a JSON body (or raw string) to /chatkit. */
  post(body: unknown, init?: RequestInit): Promise<Response>;
  /** POSTs a streaming request and parses the raw SSE answer. */
  stream(body: unknown): Promise<ThreadStreamEvent[]>;
  /** POSTs a non-streaming request; asserts 200 + JSON and returns the body. */
  json<T = Record<string, unknown>>(body: unknown): Promise<T>;
  close(): Promise<void>;
}

/** Starts the app against `db` with the fake model provider. */
export async function startHarness(
  db: TestDatabase,
  options: {
    settings?: Parameters<typeof startTestApp>[0]["settings"];
    env?: Record<string, string>;
    /** The app's own database (`db` then only serves the test's checks). */
    database?: Parameters<typeof startTestApp>[0]["database"];
  } = {},
): Promise<Harness> {
  const fake = await startFakeOpenAI();
  let app: TestApp;
  try {
    app = await startTestApp({
      db,
      database: options.database,
      env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "test-key", ...options.env },
      // Every test posts from 127.0.0.1: no rate limits here (0 = off) unless a test sets them.
      settings: {
        rateLimit: {
          perMinute: 0,
          perDay: 0,
          perAddressPerMinute: 0,
          perAddressPerDay: 0,
          newVisitorsPerAddressPerMinute: 0,
          newVisitorsPerAddressPerDay: 0,
        },
        ...options.settings,
      } as unknown as Parameters<typeof startTestApp>[0]["settings"],
    });
  } catch (error) {
    await fake.close();
    throw error;
  }
  // A cookie jar, so that every request acts as the same visitor.
  const cookies = new Map<string, string>();
  const fetchAs = async (pathOrUrl: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size) {
      headers.set("cookie", [...cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    const res = await fetch(new URL(pathOrUrl, app.url), { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return res;
  };
  const post = (body: unknown, init: RequestInit = {}) =>
    fetchAs("/chatkit", {
      method: "POST",
      headers: { "content-type": "application/json", "accept-language": "en-US" },
      body: typeof body === "string" ? body : JSON.stringify(body),
      ...init,
    });
  // Who are we? Create an attachment and read its owner (then remove it again).
  const probe = await post({
    type: "attachments.create",
    params: { name: "probe.txt", size: 1, mime_type: "text/plain" },
  });
  assert.equal(probe.status, 200, await probe.clone().text());
  const probeId = (await probe.json()).id;
  const [row] = await db.sql`delete from attachments where id = ${probeId} returning owner_id`;
  const owner = row.owner_id as string;
  return {
    app,
    fake,
    db,
    owner,
    store: new PostgresStore(db.sql).forOwner(owner),
    fetch: fetchAs,
    post,
    async stream(body) {
      const res = await post(body);
      assert.equal(res.status, 200, `stream status (${await peek(res)})`);
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const bytes = await within(
        res.arrayBuffer(),
        `the stream of ${JSON.stringify(body).slice(0, 80)} ended`,
      );
      return parseSse(new Uint8Array(bytes));
    },
    async json<T>(body: unknown) {
      const res = await post(body);
      const text = await res.text();
      assert.equal(res.status, 200, `status of ${JSON.stringify(body).slice(0, 120)}: ${text}`);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.ok(!text.includes("null"), `no null in ${text}`);
      return JSON.parse(text) as T;
    },
    async close() {
      await app.close();
      await fake.close();
    },
  };
}

async function peek(res: Response): Promise<string> {
  if (res.status === 200) return "ok";
  return await res.clone().text();
}

/**
 * Parses raw SSE bytes strictly as the reference writes them: every frame is exactly
 * `data: <one-line JSON>\n\n`, nothing else (no `event:`/`id:`/comments), no `null` anywhere.
 */
export function parseSse(bytes: Uint8Array): ThreadStreamEvent[] {
  const text = new TextDecoder().decode(bytes);
  if (text === "") return [];
  assert.ok(text.endsWith("\n\n"), "stream ends after a complete frame");
  const frames = text.slice(0, -2).split("\n\n");
  return frames.map((frame) => {
    assert.ok(frame.startsWith("data: "), `frame starts with "data: ": ${frame.slice(0, 60)}`);
    const json = frame.slice(6);
    assert.ok(!json.includes("\n"), "one line per frame");
    const event = JSON.parse(json);
    assert.ok(!json.includes(":null"), `no null values: ${json}`);
    return event as ThreadStreamEvent;
  });
}

/** `params.input` as the web component sends it. */
export function userInput(text: string, extra: Record<string, unknown> = {}) {
  return {
    content: [{ type: "input_text", text }],
    attachments: [],
    inference_options: {},
    ...extra,
  };
}

/** A `threads.create` request. */
export function createRequest(text: string, extra: Record<string, unknown> = {}) {
  return { type: "threads.create", params: { input: userInput(text, extra) }, metadata: {} };
}

/** A `threads.add_user_message` request. */
export function addMessageRequest(threadId: string, text: string) {
  return {
    type: "threads.add_user_message",
    params: { thread_id: threadId, input: userInput(text) },
  };
}

/** Event types in order. */
export function types(events: ThreadStreamEvent[]): string[] {
  return events.map((e) =>
    e.type === "thread.item.updated"
      ? `updated:${e.update.type.split(".").pop()}`
      : e.type === "thread.item.added" || e.type === "thread.item.done"
      ? `${e.type.slice(12)}:${e.item.type}`
      : e.type
  );
}

/** Concatenated text deltas of one item. */
export function deltaText(events: ThreadStreamEvent[], itemId: string): string {
  return events.map((e) =>
    e.type === "thread.item.updated" && e.item_id === itemId &&
      e.update.type === "assistant_message.content_part.text_delta"
      ? e.update.delta
      : ""
  ).join("");
}

/** The `thread.item.done` item of a type (the last one). */
export function doneItem<T extends ThreadItem["type"]>(
  events: ThreadStreamEvent[],
  type: T,
): Extract<ThreadItem, { type: T }> {
  const found = events.filter((e) => e.type === "thread.item.done" && e.item.type === type);
  assert.ok(found.length > 0, `a done ${type} in ${types(events).join(", ")}`);
  return (found.at(-1) as { item: ThreadItem }).item as Extract<ThreadItem, { type: T }>;
}

/** Text of an assistant message. */
export function assistantText(item: ThreadItem): string {
  assert.equal(item.type, "assistant_message");
  return item.type === "assistant_message" ? item.content.map((c) => c.text).join("") : "";
}

/** Row counts of every ChatKit table (to prove a refused request changed nothing). */
export async function tableCounts(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await db.sql`
    select (select count(*) from threads)::int as threads,
           (select count(*) from thread_items)::int as items,
           (select count(*) from item_feedback)::int as feedback,
           (select count(*) from attachments)::int as attachments,
           (select coalesce(sum(length(payload::text)), 0)::bigint::text from thread_items) as item_bytes,
           (select coalesce(string_agg(coalesce(title, '') || status::text, ',' order by id), '')
              from threads) as thread_state`;
  return { ...rows[0] } as Record<string, number>;
}

/** Waits until `check` passes (for effects that land after the response ended); bounded. */
export { eventually } from "./support/wait.ts";

/** A stream read as it arrives. */
export interface Live {
  events: ThreadStreamEvent[];
  /** Reads until an event satisfies `check` (bounded). */
  until(check: (e: ThreadStreamEvent) => boolean, what: string): Promise<ThreadStreamEvent>;
  /** Reads to the end (bounded). */
  rest(): Promise<ThreadStreamEvent[]>;
  /** The client goes away. */
  cancel(): Promise<void>;
}

/** POSTs a streaming request and reads its events as they arrive (`until`, `rest`). */
export async function openLive(h: Harness, body: unknown): Promise<Live> {
  const res = await h.post(body);
  if (res.status !== 200) throw new Error(`stream status ${res.status}: ${await res.text()}`);
  const reader = res.body!.getReader();
  const events: ThreadStreamEvent[] = [];
  let buffer = new Uint8Array();
  let ended = false;
  const readFrame = async () => {
    const part = await reader.read();
    if (part.done) {
      ended = true;
      return;
    }
    const joined = new Uint8Array(buffer.length + part.value.length);
    joined.set(buffer);
    joined.set(part.value, buffer.length);
    const text = new TextDecoder().decode(joined);
    const cut = text.lastIndexOf("\n\n");
    if (cut < 0) {
      buffer = joined;
      return;
    }
    events.push(...parseSse(new TextEncoder().encode(text.slice(0, cut + 2))));
    buffer = new TextEncoder().encode(text.slice(cut + 2));
  };
  return {
    events,
    async until(check, what) {
      return await within(
        (async () => {
          for (let seen = 0;; seen++) {
            while (seen >= events.length) {
              if (ended) throw new Error(`the stream ended before ${what}`);
              await readFrame();
            }
            if (check(events[seen])) return events[seen];
          }
        })(),
        what,
      );
    },
    async rest() {
      await within(
        (async () => {
          while (!ended) await readFrame();
        })(),
        "the stream ended",
      );
      return events;
    },
    cancel: () => reader.cancel(),
  };
}
