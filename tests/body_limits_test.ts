/**
 * Request bodies at the HTTP edge (lib/http/body_guard.ts), over real HTTP on loopback with a raw
 * connection, so that what is sent, and when, is the test's: oversize bodies on every route family
 * get 413 while the body is still unsent (the server stopped reading), multipart is refused outside
 * the upload routes, a trickled body gets 408 at the configured deadline, and an upload the client
 * abandons is a debug line, not an error.
 */
import assert from "node:assert/strict";
import { log } from "../lib/log.ts";
import { startTestApp, type TestApp } from "./support/app.ts";
import { dbTest, type TestDatabase } from "./support/db.ts";
import { RawHttp } from "./support/raw_http.ts";
import { waitUntil } from "./support/wait.ts";

const PARTNER = "https://partner.example";
const KIB = 1024;
/** Small caps, so that a body over them is quick to send. */
const LIMITS = { maxBodyBytes: 256 * KIB, maxFormBytes: 32 * KIB, maxAttachmentBytes: 128 * KIB };
const INGEST_TOKEN = "ingest-token-for-body-limit-tests";

async function start(db: TestDatabase, limits: Record<string, number> = {}): Promise<TestApp> {
  const app = await startTestApp({
    db,
    env: { ALLOWED_ORIGINS: PARTNER },
    settings: {
      limits: { ...LIMITS, ...limits },
      rateLimit: { perMinute: 0, perDay: 0, perAddressPerMinute: 0, perAddressPerDay: 0 },
    },
  });
  // `deno task ingest`'s endpoint exists when the app owns an embedded database; the tests share
  // one, so the token is set here to reach the route.
  app.services.knowledge.ingestToken = INGEST_TOKEN;
  return app;
}

/** A request of one route family, as a client would start it. */
interface Family {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** The first bytes of a real body (the rest is padding). */
  prefix: string;
}

const JSON_TYPE = { "content-type": "application/json" };
const FORM_TYPE = { "content-type": "application/x-www-form-urlencoded" };
const MULTIPART_TYPE = { "content-type": "multipart/form-data; boundary=XyZ" };
const MULTIPART_PREFIX = '--XyZ\r\ncontent-disposition: form-data; name="file"; ' +
  'filename="a.txt"\r\ncontent-type: text/plain\r\n\r\n';

/** Route families whose handlers read the body of an anonymous caller. */
function readingFamilies(email: string): Family[] {
  return [
    {
      name: "auth API sign-in",
      method: "POST",
      path: "/api/auth/sign-in/email",
      headers: JSON_TYPE,
      prefix: `{"email":"${email}","password":"`,
    },
    {
      name: "auth API sign-up",
      method: "POST",
      path: "/api/auth/sign-up/email",
      headers: JSON_TYPE,
      prefix: `{"email":"${email}","password":"pass word 1234","name":"`,
    },
    {
      name: "sign-in page",
      method: "POST",
      path: "/auth/signin",
      headers: FORM_TYPE,
      prefix: `email=${encodeURIComponent(email)}&password=`,
    },
    {
      name: "sign-up page",
      method: "POST",
      path: "/auth/signup",
      headers: FORM_TYPE,
      prefix: `email=${encodeURIComponent(email)}&password=pass+word+1234&name=`,
    },
    {
      name: "/chatkit",
      method: "POST",
      path: "/chatkit",
      headers: JSON_TYPE,
      prefix: '{"type":"threads.create","params":{"input":{"content":[{"type":"input_text",' +
        '"text":"',
    },
    {
      name: "direct upload",
      method: "POST",
      path: "/chatkit/upload",
      headers: MULTIPART_TYPE,
      prefix: MULTIPART_PREFIX,
    },
    {
      name: "two-phase upload",
      method: "PUT",
      path: "/chatkit/upload/atc_unknown",
      headers: { "content-type": "text/plain" },
      prefix: "",
    },
    {
      name: "embed start-up",
      method: "POST",
      path: "/embed/token",
      headers: { "content-type": "text/plain", origin: PARTNER },
      prefix: '{"visitorToken":"',
    },
  ];
}

/** Every other route that takes a POST, including those that refuse before reading. */
function otherFamilies(): Family[] {
  return [
    {
      name: "ingest endpoint",
      method: "POST",
      path: "/api/knowledge",
      headers: { ...JSON_TYPE, authorization: `Bearer ${INGEST_TOKEN}` },
      prefix: "",
    },
    { name: "embed grant", method: "POST", path: "/embed/grant", headers: JSON_TYPE, prefix: "" },
    { name: "embed sign-out", method: "POST", path: "/embed/signout", headers: {}, prefix: "" },
    { name: "sign-out", method: "POST", path: "/auth/signout", headers: FORM_TYPE, prefix: "" },
    {
      name: "auth API sign-out",
      method: "POST",
      path: "/api/auth/sign-out",
      headers: {},
      prefix: "",
    },
    { name: "a page", method: "POST", path: "/", headers: FORM_TYPE, prefix: "" },
    { name: "no such route", method: "POST", path: "/nowhere", headers: JSON_TYPE, prefix: "" },
  ];
}

async function usersWithEmail(db: TestDatabase, email: string): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`
    select count(*)::int as n from "user" where email = ${email}`;
  return row.n;
}

dbTest(
  "body limits - a declared oversize body gets 413 on every route before any of it is sent",
  async (db) => {
    const app = await start(db);
    try {
      const email = `declared-${crypto.randomUUID().slice(0, 8)}@example.com`;
      for (const family of [...readingFamilies(email), ...otherFamilies()]) {
        const conn = await RawHttp.open(app.url);
        try {
          // 100 MB announced; not one byte of it is sent.
          await conn.head(family.method, family.path, {
            ...family.headers,
            "content-length": String(100 * 1024 * 1024),
          });
          const res = await conn.response(`${family.name}: an answer to the head alone`);
          assert.equal(res.status, 413, `${family.name}: ${res.body}`);
          assert.equal(JSON.parse(res.body).error.code, "payload_too_large", family.name);
        } finally {
          conn.close();
        }
      }
      assert.equal(await usersWithEmail(db, email), 0, "no account was created");
    } finally {
      await app.close();
    }
  },
);

dbTest(
  "body limits - a streamed body stops being read past the cap: 413 before the body ends",
  async (db) => {
    const app = await start(db);
    try {
      const email = `streamed-${crypto.randomUUID().slice(0, 8)}@example.com`;
      const piece = new Uint8Array(16 * KIB).fill(0x61); // "aaaa…"
      for (const family of readingFamilies(email)) {
        const conn = await RawHttp.open(app.url);
        try {
          // Chunked, so nothing is announced: the server learns the size only by reading.
          await conn.head(family.method, family.path, {
            ...family.headers,
            "transfer-encoding": "chunked",
          });
          if (family.prefix) await conn.chunk(new TextEncoder().encode(family.prefix));
          // A little more than the largest cap of any family; the body is never ended (no last
          // chunk), so an answer proves the server stopped reading and answered on its own.
          const most = LIMITS.maxBodyBytes + 32 * KIB;
          for (let sent = 0; sent <= most; sent += piece.byteLength) await conn.chunk(piece);
          const res = await conn.response(`${family.name}: an answer while the body is unfinished`);
          assert.equal(res.status, 413, `${family.name}: ${res.body}`);
          assert.equal(JSON.parse(res.body).error.code, "payload_too_large", family.name);
        } finally {
          conn.close();
        }
      }
      assert.equal(await usersWithEmail(db, email), 0, "no account was created");
    } finally {
      await app.close();
    }
  },
);

dbTest("body limits - multipart bodies are refused (415) outside the upload routes", async (db) => {
  const app = await start(db);
  try {
    const email = `multipart-${crypto.randomUUID().slice(0, 8)}@example.com`;
    for (const path of ["/auth/signin", "/auth/signup", "/api/auth/sign-up/email", "/chatkit"]) {
      const form = new FormData();
      form.append("email", email);
      form.append("password", "pass word 1234");
      form.append("name", "Multi Part");
      const res = await app.fetch(path, { method: "POST", body: form });
      const body = await res.json();
      assert.equal(res.status, 415, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, "multipart_not_accepted", path);
    }
    assert.equal(await usersWithEmail(db, email), 0, "no account was created");
  } finally {
    await app.close();
  }
});

dbTest(
  "body limits - a trickled body gets 408 at the configured deadline, with Connection: close",
  async (db) => {
    const app = await start(db, { bodyTimeoutMs: 400, uploadTimeoutMs: 400 });
    try {
      const families = readingFamilies("trickle@example.com").filter((f) =>
        ["auth API sign-in", "sign-in page", "/chatkit", "direct upload"].includes(f.name)
      );
      for (const family of families) {
        const conn = await RawHttp.open(app.url);
        let trickling = true;
        try {
          await conn.head(family.method, family.path, {
            ...family.headers,
            // Under every cap: only the time is wrong.
            "content-length": "4000",
          });
          await conn.send(family.prefix || "x");
          // One byte every 50 ms: always arriving, never finished. (A client's pace, not a wait.)
          const trickle = (async () => {
            while (trickling) {
              await new Promise((resolve) => setTimeout(resolve, 50));
              if (trickling) await conn.send("a").catch(() => trickling = false);
            }
          })();
          const res = await conn.response(`${family.name}: the 408 of the deadline`);
          trickling = false;
          await trickle;
          assert.equal(res.status, 408, `${family.name}: ${res.body}`);
          assert.equal(JSON.parse(res.body).error.code, "request_timeout", family.name);
          assert.equal(res.headers.get("connection"), "close", `${family.name}: told to close`);
        } finally {
          trickling = false;
          conn.close();
        }
      }
    } finally {
      await app.close();
    }
  },
);

dbTest(
  "body limits - an upload the client abandons is logged at debug, not as an error",
  async (db) => {
    const app = await start(db);
    const lines: string[] = [];
    const methods = ["log", "info", "warn", "error", "debug"] as const;
    const saved = methods.map((m) => console[m]);
    for (const m of methods) console[m] = (...args: unknown[]) => lines.push(args.join(" "));
    log.setLevel("debug");
    try {
      const conn = await RawHttp.open(app.url);
      await conn.head("POST", "/chatkit/upload", {
        ...MULTIPART_TYPE,
        "content-length": "100000",
      });
      await conn.send(MULTIPART_PREFIX + "a".repeat(1000));
      // Part of the announced body is sent, then the client goes away.
      conn.close();
      const cutOff = await waitUntil(
        () => lines.find((l) => l.includes("request body cut off by the client")),
        "the abandoned upload is logged",
      );
      assert.match(cutOff, /"level":"debug"/);
      const answered = await waitUntil(
        () => lines.find((l) => l.includes('"msg":"request"') && l.includes("/chatkit/upload")),
        "the upload's request line",
      );
      assert.match(answered, /"status":400/);
      const errors = lines.filter((l) => l.includes('"level":"error"'));
      assert.deepEqual(errors, [], "no error line for a client that went away");
    } finally {
      log.setLevel("error");
      methods.forEach((m, i) => console[m] = saved[i]);
      await app.close();
    }
  },
);
