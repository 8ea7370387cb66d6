/**
 * Traces through Deno's built-in OpenTelemetry: with `OTEL_DENO=true` and the standard
 * `OTEL_EXPORTER_OTLP_*` variables, each request arrives at the collector as a span named by
 * its route, with the database queries made for it as children.
 */
import { equal, ok } from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { startFakeOpenAI } from "./support/fake_openai.ts";
import { spawnMain } from "./support/main_process.ts";
import { startOtlpReceiver } from "./support/otlp_receiver.ts";
import { waitUntil } from "./support/wait.ts";

Deno.test({
  name: "traces - a span per request with its database queries reaches an OTLP/HTTP collector",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const receiver = startOtlpReceiver();
    const model = await startFakeOpenAI({ defaultTurn: () => ({ text: "traced answer" }) });
    const dataDir = await Deno.makeTempDir({ prefix: "chatkit-trace-" });
    const main = spawnMain({
      env: {
        DATA_DIR: dataDir,
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: "sk-test",
        OTEL_DENO: "true",
        OTEL_SERVICE_NAME: "deno-chatkit-test",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      },
    });
    try {
      const url = await main.listening;
      const res = await fetch(`${url}/chatkit`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(createRequest("trace me")),
      });
      equal(res.status, 200);
      await res.arrayBuffer();
      // Spans are exported in batches; stopping the process flushes the last one.
      equal(await main.stop(), 0, main.output());
      await waitUntil(
        () => receiver.spans.some((s) => s.name === "POST /chatkit"),
        "the POST /chatkit span at the collector",
      );
      const request = receiver.spans.find((s) => s.name === "POST /chatkit")!;
      equal(request.service, "deno-chatkit-test");
      equal(request.attributes["http.route"], "/chatkit");
      equal(request.attributes["http.response.status_code"], 200);
      const queries = receiver.spans.filter((s) =>
        s.name === "db.query" && s.parentSpanId === request.spanId
      );
      ok(
        queries.length > 0,
        `db.query spans under the request: ${
          JSON.stringify(receiver.spans.map((s) => [s.name, s.parentSpanId]))
        }`,
      );
      for (const q of queries) {
        equal(q.traceId, request.traceId);
        equal(q.attributes["db.system"], "postgresql");
        ok(
          ["select", "insert", "update", "delete", "with"].includes(
            String(q.attributes["db.operation"]),
          ),
          `db.operation of a query: ${q.attributes["db.operation"]}`,
        );
      }
      // No span carries the message text (statements are sent apart from their values).
      ok(!JSON.stringify(receiver.spans).includes("trace me"));
      // The model turn has a span of its own in the request's trace, with its tokens.
      const turn = receiver.spans.find((s) => s.name === "chatkit.turn");
      ok(turn, "a chatkit.turn span");
      equal(turn.traceId, request.traceId);
      equal(turn.attributes["chatkit.turn.outcome"], "completed");
      equal(turn.attributes["gen_ai.usage.output_tokens"], 6);
      // The model's HTTP call belongs to the same trace (Deno traces fetch itself).
      ok(
        receiver.spans.some((s) =>
          s.traceId === request.traceId && s.name.startsWith("POST") && s !== request
        ),
      );
    } finally {
      await main.stop();
      await model.close();
      await receiver.close();
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
