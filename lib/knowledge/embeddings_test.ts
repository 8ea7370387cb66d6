import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { decodeAnswer, EmbeddingClient, EmbeddingError, resolveEmbeddings } from "./embeddings.ts";

Deno.test("decodeAnswer - floats and base64 float32 vectors, in index order", () => {
  const floats = new Float32Array([0.5, -1, 0.25]);
  const b64 = btoa(String.fromCharCode(...new Uint8Array(floats.buffer)));
  deepEqual(
    decodeAnswer({ data: [{ index: 1, embedding: b64 }, { index: 0, embedding: [1, 2, 3] }] }, 2),
    [[1, 2, 3], [0.5, -1, 0.25]],
  );
});

Deno.test("decodeAnswer - a wrong count or mixed sizes is a provider error", () => {
  let error: unknown;
  try {
    decodeAnswer({ data: [{ embedding: [1] }] }, 2);
  } catch (e) {
    error = e;
  }
  ok(error instanceof EmbeddingError);
  ok(String(error).includes("1 vectors for 2 texts"));
});

Deno.test("resolveEmbeddings - defaults to the chat provider, never sends its key elsewhere", () => {
  const llm = { apiKey: "sk-chat", baseUrl: "http://127.0.0.1:9/v1", tracing: false };
  equal(resolveEmbeddings({}, llm), null);
  deepEqual(resolveEmbeddings({ model: "m" }, llm), {
    model: "m",
    baseUrl: "http://127.0.0.1:9/v1",
    apiKey: "sk-chat",
    dimensions: undefined,
  });
  equal(resolveEmbeddings({ model: "m", baseUrl: "http://other:1/v1" }, llm)?.apiKey, "no-key");
  equal(resolveEmbeddings({ model: "m", baseUrl: "http://o/v1", apiKey: "k" }, llm)?.apiKey, "k");
});

Deno.test("EmbeddingClient - batches, retries 5xx with backoff, and stops on 4xx", async () => {
  const seen: number[] = [];
  let failures = 1;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.json();
    seen.push(body.input.length);
    if (body.input[0] === "bad") {
      return Response.json({ error: { message: "no such model" } }, { status: 404 });
    }
    if (failures-- > 0) return new Response("busy", { status: 503 });
    return Response.json({
      data: body.input.map((_: string, i: number) => ({ index: i, embedding: [i, 1] })),
    });
  });
  try {
    const client = new EmbeddingClient(
      { model: "m", baseUrl: `http://127.0.0.1:${server.addr.port}/v1/`, apiKey: "k" },
      { batchSize: 2, backoffMs: 1 },
    );
    const vectors = await client.embed(["a", "b", "c"]);
    deepEqual(vectors, [[0, 1], [1, 1], [0, 1]]);
    deepEqual(seen, [2, 2, 1], "the first batch was retried once");
    await rejects(client.embed(["bad"]), /refused \(HTTP 404\): no such model/);
  } finally {
    await server.shutdown();
  }
});
