/**
 * What an operator sees of a running instance: one JSON log line per request that names the
 * route and the kind of owner but never a person, a token or message text, and `GET /metrics`
 * for a scraper holding METRICS_TOKEN (not served without it).
 */
import { equal, match, ok } from "node:assert/strict";
import type { TestApp } from "./support/app.ts";
import { TEST_SECRET } from "./support/app.ts";
import { createRequest } from "./chatkit_helpers.ts";
import { freshEmail, Visitor } from "./auth_helpers.ts";
import { emptyDatabase, SERVER_MISSING_REASON, SERVER_URL } from "./support/db.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { spawnMain } from "./support/main_process.ts";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
const API_KEY = "sk-test-key-that-must-not-be-logged";
const MESSAGE = "my private message text 7f3a";

/** The value of one sample (`name{labels} value`), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : undefined;
}

Deno.test({
  name: `operator's view - request log lines name no one, /metrics needs its token${
    SERVER_URL ? "" : ` (ignored: ${SERVER_MISSING_REASON})`
  }`,
  ignore: !SERVER_URL,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await emptyDatabase("postgres");
    const model = await startFakeOpenAI({ defaultTurn: () => ({ text: "an answer" }) });
    const env = {
      DATABASE_URL: db.url,
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: API_KEY,
      RATE_LIMIT_PER_MINUTE: "2",
    };
    try {
      // Without METRICS_TOKEN there is no /metrics.
      const plain = spawnMain({ env });
      try {
        const url = await plain.listening;
        equal((await fetch(`${url}/metrics`)).status, 404);
      } finally {
        await plain.stop();
      }

      const main = spawnMain({ env: { ...env, METRICS_TOKEN } });
      try {
        const url = await main.listening;
        const app = { url } as TestApp;
        const visitor = new Visitor(app);
        const events = await visitor.stream(createRequest(MESSAGE));
        const threadId = (events.find((e) => e.type === "thread.created") as {
          thread: { id: string };
        }).thread.id;
        // Over the limit of two a minute: refused, and counted.
        await visitor.stream(createRequest("second"));
        const refused = await visitor.post(createRequest("third"));
        equal(refused.status, 429);
        await refused.body?.cancel();

        const user = new Visitor(app);
        const email = freshEmail("operator");
        const signUp = await user.submit("/auth/signup", {
          name: "Op Erator",
          email,
          password: "a long enough password 123",
        });
        await signUp.body?.cancel();
        equal(signUp.status, 303);
        await user.json({ type: "threads.list", params: { limit: 5 } });
        const [{ id: userId }] = await db.sql`select id from "user" where email = ${email}`;

        // The token is required, and must be the right one.
        equal((await fetch(`${url}/metrics`)).status, 401);
        const wrong = await fetch(`${url}/metrics`, {
          headers: { authorization: "Bearer not-the-token-at-all-0000" },
        });
        equal(wrong.status, 401);
        await wrong.body?.cancel();
        const res = await fetch(`${url}/metrics`, {
          headers: { authorization: `Bearer ${METRICS_TOKEN}` },
        });
        equal(res.status, 200);
        match(res.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        equal(
          sample(text, 'chatkit_http_requests_total{route="/chatkit",method="POST",status="200"}'),
          3,
        );
        equal(
          sample(text, 'chatkit_http_requests_total{route="/chatkit",method="POST",status="429"}'),
          1,
        );
        equal(sample(text, 'chatkit_rate_limit_refusals_total{route="/chatkit"}'), 1);
        ok(text.includes("# TYPE chatkit_http_request_duration_seconds histogram"), text);
        equal(sample(text, "chatkit_active_streams"), 0);
        equal(sample(text, "chatkit_db_queries_in_flight"), 0);
        ok(sample(text, 'chatkit_db_queries_total{outcome="ok"}')! > 10, text);
        // Two turns answered; the fake provider reports 5 tokens in and 6 out for each.
        equal(sample(text, 'chatkit_turns_total{outcome="completed"}'), 2);
        equal(sample(text, 'chatkit_tokens_total{direction="input"}'), 10);
        equal(sample(text, 'chatkit_tokens_total{direction="output"}'), 12);
        equal(sample(text, "chatkit_turn_time_to_first_token_seconds_count"), 2);
        equal(sample(text, 'chatkit_turn_duration_seconds_count{outcome="completed"}'), 2);

        // One line per model turn.
        const turnLines = main.lines().filter((l) => l.msg === "model turn");
        equal(turnLines.length, 2, JSON.stringify(turnLines));
        for (const turn of turnLines) {
          equal(turn.outcome, "completed");
          equal(turn.inputTokens, 5);
          equal(turn.outputTokens, 6);
          ok(typeof turn.timeToFirstTokenMs === "number" && typeof turn.durationMs === "number");
          ok((turn.timeToFirstTokenMs as number) <= (turn.durationMs as number));
        }

        // One line per request, with what an operator needs and nothing about who.
        const lines = main.lines().filter((l) => l.msg === "request");
        const chatkit = lines.filter((l) => l.route === "/chatkit");
        equal(chatkit.length, 4, JSON.stringify(lines));
        for (const line of lines) {
          match(String(line.requestId), /^[0-9a-f-]{36}$/);
          ok(typeof line.durationMs === "number");
          ok(["user", "visitor", "none"].includes(String(line.owner)), JSON.stringify(line));
        }
        equal(chatkit.filter((l) => l.owner === "visitor").length, 3);
        equal(new Set(lines.map((l) => l.requestId)).size, lines.length, "one id per request");
        equal(chatkit.filter((l) => l.owner === "user").length, 1);
        equal(chatkit.filter((l) => l.stream === "complete").length, 2);

        const output = main.output();
        const secrets = [
          MESSAGE,
          API_KEY,
          TEST_SECRET,
          METRICS_TOKEN,
          email,
          userId,
          threadId,
          ...[...visitor.cookies.values(), ...user.cookies.values()].map((v) =>
            decodeURIComponent(v).split(".")[0]
          ),
        ];
        for (const secret of secrets) {
          ok(!output.includes(secret), `the log contains ${secret}`);
        }
        const visitorIds = await db.sql`select distinct owner_id from threads`;
        for (const { owner_id } of visitorIds) ok(!output.includes(owner_id), owner_id);
      } finally {
        equal(await main.stop(), 0, main.output());
      }
    } finally {
      await model.close();
      await db.close();
    }
  },
});
