import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { APIConnectionError, APIError } from "openai";
import { CustomStreamError } from "../chatkit/errors.ts";
import { ProviderTimeoutError, toStreamError } from "./errors.ts";
import { resolveProvider } from "./provider.ts";

const provider = resolveProvider({
  apiKey: "k",
  baseUrl: "http://127.0.0.1:9/v1",
  model: "m1",
  tracing: false,
})!;

const apiError = (status: number, message = "provider text") =>
  APIError.generate(status, { error: { message } }, undefined, new Headers());

Deno.test("toStreamError - HTTP statuses map to readable messages and retry advice", () => {
  const cases: [number, boolean, RegExp][] = [
    [500, true, /internal error \(HTTP 500\)/],
    [503, true, /HTTP 503/],
    [429, true, /rate limiting/],
    [401, false, /OPENAI_API_KEY/],
    [403, false, /OPENAI_API_KEY/],
    [404, false, /MODEL \("m1"\)/],
    [400, false, /rejected the request \(HTTP 400\): provider text/],
  ];
  for (const [status, retry, pattern] of cases) {
    const e = toStreamError(apiError(status), provider)!;
    assert(e instanceof CustomStreamError);
    assertEquals(e.allowRetry, retry, `retry for ${status}`);
    assert(pattern.test(e.message), `${status}: ${e.message}`);
  }
  assert(!toStreamError(apiError(401, "key sk-abc"), provider)!.message.includes("sk-abc"));
});

Deno.test("toStreamError - time-outs, unreachable providers and broken streams are retryable", () => {
  const first = toStreamError(new ProviderTimeoutError("first_event", 120_000), provider)!;
  assert(first.allowRetry && first.message.includes("120 s"), first.message);
  const idle = toStreamError(new ProviderTimeoutError("idle", 1_500), provider)!;
  assert(idle.allowRetry && idle.message.includes("1.5 s"), idle.message);
  const conn = toStreamError(new APIConnectionError({ message: "refused" }), provider)!;
  assert(conn.allowRetry && conn.message.includes("127.0.0.1:9"), conn.message);
  const broken = toStreamError(new TypeError("error reading a body from connection"), provider)!;
  assert(broken.allowRetry && broken.message.includes("broke off"), broken.message);
});

Deno.test("toStreamError - unknown failures are left to the server's generic error", () => {
  assertEquals(toStreamError(new Error("bug"), provider), null);
  assertEquals(toStreamError(new TypeError("x is not a function"), provider), null);
  const own = new CustomStreamError("mine");
  assertEquals(toStreamError(own, provider), own);
});
