/**
 * Shared helpers of the auth, isolation and security tests: a visitor with its own cookie jar
 * (like one browser), sign-up/sign-in through the real pages, and an app wired to the fake
 * model provider.
 * @module
 */
import assert from "node:assert/strict";
import type { ThreadStreamEvent } from "../lib/chatkit/types.ts";
import { parseSse } from "./chatkit_helpers.ts";
import { startTestApp, type TestApp, type TestAppOptions } from "./support/app.ts";
import type { TestDatabase } from "./support/db.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./support/fake_openai.ts";

/** The app with the fake model provider; no titles (they land after the stream ends). */
export interface AuthHarness {
  app: TestApp;
  fake: FakeOpenAI;
  db: TestDatabase;
  close(): Promise<void>;
}

/** Starts the app with the fake model and rate limits off unless `settings` set them. */
export async function startAuthHarness(
  db: TestDatabase,
  options: { env?: Record<string, string>; settings?: TestAppOptions["settings"] } = {},
): Promise<AuthHarness> {
  const fake = await startFakeOpenAI();
  try {
    const app = await startTestApp({
      db,
      env: { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: "test-key", ...options.env },
      settings: {
        agent: { title: { enabled: false } },
        rateLimit: {
          perMinute: 0,
          perDay: 0,
          perAddressPerMinute: 0,
          perAddressPerDay: 0,
          newVisitorsPerAddressPerMinute: 0,
          newVisitorsPerAddressPerDay: 0,
        },
        ...options.settings,
      } as TestAppOptions["settings"],
    });
    return {
      app,
      fake,
      db,
      async close() {
        await app.close();
        await fake.close();
      },
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

/** A unique, valid email address. */
export function freshEmail(prefix = "user"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 12)}@example.com`;
}

/** One browser (or API client): its cookies, and optionally a Bearer token. */
export class Visitor {
  readonly cookies = new Map<string, string>();
  bearer?: string;

  constructor(readonly app: TestApp, readonly headers: Record<string, string> = {}) {}

  /** `fetch` with this visitor's cookies; redirects are not followed. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(this.headers);
    new Headers(init.headers).forEach((v, k) => headers.set(k, v));
    if (this.cookies.size && !headers.has("cookie")) {
      headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    }
    if (this.bearer && !headers.has("authorization")) {
      headers.set("authorization", `Bearer ${this.bearer}`);
    }
    const res = await fetch(new URL(path, this.app.url), {
      ...init,
      headers,
      redirect: "manual",
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === "" || /;\s*max-age=0(;|$)/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** POSTs a JSON body to /chatkit. */
  post(body: unknown, init: RequestInit = {}): Promise<Response> {
    return this.fetch("/chatkit", {
      method: "POST",
      ...init,
      headers: { "content-type": "application/json", ...init.headers as Record<string, string> },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  /** A non-streaming request that must answer 200; returns the parsed body. */
  async json<T = Record<string, unknown>>(body: unknown): Promise<T> {
    const res = await this.post(body);
    const text = await res.text();
    assert.equal(res.status, 200, `${JSON.stringify(body).slice(0, 100)} → ${text}`);
    return JSON.parse(text) as T;
  }

  /** A streaming request that must answer 200; returns its events. */
  async stream(body: unknown): Promise<ThreadStreamEvent[]> {
    const res = await this.post(body);
    if (res.status !== 200) assert.fail(`stream status ${res.status}: ${await res.text()}`);
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    return parseSse(new Uint8Array(await res.arrayBuffer()));
  }

  /** Submits a form the way a browser on the app's own page does. */
  submit(path: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(path, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: this.app.url,
        "sec-fetch-site": "same-origin",
      },
      body: new URLSearchParams(fields),
    });
  }

  /** Signs up through `/auth/signup`; asserts the redirect. Returns the user id. */
  async signUp(email: string, password: string, name = "Test User"): Promise<string> {
    const res = await this.submit("/auth/signup", { name, email, password });
    await res.body?.cancel();
    assert.equal(res.status, 303, "sign-up redirects");
    return await this.userId(email);
  }

  /** Signs in through `/auth/signin`; asserts the redirect. */
  async signIn(email: string, password: string): Promise<void> {
    const res = await this.submit("/auth/signin", { email, password });
    await res.body?.cancel();
    assert.equal(res.status, 303, "sign-in redirects");
  }

  /** The user id of an email address. */
  async userId(email: string): Promise<string> {
    const rows = await sqlOf(this.app)`select id from "user" where email = ${email}`;
    assert.equal(rows.length, 1, `user ${email} exists`);
    return rows[0].id as string;
  }

  /** The visitor id of this visitor's anonymous cookie, if any. */
  visitorId(): string | undefined {
    const value = this.cookies.get("chatkit.visitor");
    return value ? decodeURIComponent(value).split(".")[0] : undefined;
  }

  /** This anonymous visitor's owner id (`anon:<id>`). */
  anonOwner(): string {
    const id = this.visitorId();
    assert.ok(id, "the visitor has a visitor cookie");
    return `anon:${id}`;
  }
}

function sqlOf(app: TestApp) {
  return app.services.db.sql;
}

/** A digest of every row the given owners own (to prove a refused request changed nothing). */
export async function ownedRows(db: TestDatabase, owners: string[]): Promise<string> {
  const [row] = await db.sql`
    select
      (select coalesce(string_agg(id || owner_id || coalesce(title, '') || status::text ||
         metadata::text || updated_at::text, ',' order by id), '')
         from threads where owner_id = any(${owners}::text[])) as threads,
      (select coalesce(string_agg(id || thread_id || owner_id || payload::text, ',' order by id), '')
         from thread_items where owner_id = any(${owners}::text[])) as items,
      (select coalesce(string_agg(item_id || owner_id || kind, ',' order by item_id), '')
         from item_feedback where owner_id = any(${owners}::text[])) as feedback,
      (select coalesce(string_agg(id || owner_id || coalesce(thread_id, '') || payload::text ||
         coalesce(md5(bytes), ''), ',' order by id), '')
         from attachments where owner_id = any(${owners}::text[])) as attachments`;
  return JSON.stringify(row);
}

/** Captures everything written to the console while `fn` runs. */
export async function captureConsole(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const methods = ["log", "info", "warn", "error", "debug"] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) {
    console[m] = (...args: unknown[]) => {
      lines.push(args.map((a) => typeof a === "string" ? a : Deno.inspect(a)).join(" "));
    };
  }
  try {
    await fn();
  } finally {
    methods.forEach((m, i) => console[m] = saved[i]);
  }
  return lines.join("\n");
}
