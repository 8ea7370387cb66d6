import assert from "node:assert/strict";
import { DEFAULT_LIMITS } from "../chatkit/limits.ts";
import { BodyAbortedError, PayloadTooLargeError, RequestTimeoutError } from "../errors.ts";
import { bodyRules, guardBody } from "./body_guard.ts";
import { readStreamCapped } from "./body.ts";

/** A source that yields `chunks`, then stays open (never ends) unless `end`. */
function source(chunks: Uint8Array[], options: { end?: boolean; fail?: Error } = {}) {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled < chunks.length) return controller.enqueue(chunks[pulled++]);
      if (options.fail) return controller.error(options.fail);
      if (options.end) return controller.close();
      return new Promise(() => {}); // a client that sends nothing more
    },
  }, { highWaterMark: 0 });
  return { stream, pulled: () => pulled };
}

const kib = (n: number) => new Uint8Array(n * 1024);

Deno.test("body guard - passes a body within its cap through whole", async () => {
  const { stream } = source([kib(1), kib(2)], { end: true });
  const guarded = guardBody(stream, { maxBytes: 4 * 1024, timeoutMs: 10_000 });
  const body = await readStreamCapped(guarded.stream, Number.POSITIVE_INFINITY);
  assert.equal(body?.byteLength, 3 * 1024);
  guarded.done();
});

Deno.test("body guard - stops pulling the source as soon as the cap is passed (413)", async () => {
  const chunks = Array.from({ length: 100 }, () => kib(1));
  const src = source(chunks, { end: true });
  const guarded = guardBody(src.stream, { maxBytes: 3 * 1024, timeoutMs: 10_000 });
  await assert.rejects(
    readStreamCapped(guarded.stream, Number.POSITIVE_INFINITY),
    PayloadTooLargeError,
  );
  assert.equal(src.pulled(), 4, "the fourth kilobyte passed the cap; nothing after it was read");
  guarded.done();
});

Deno.test("body guard - a body not finished by the deadline fails with 408", async () => {
  const { stream } = source([kib(1)]);
  const guarded = guardBody(stream, { maxBytes: 1024 * 1024, timeoutMs: 30 });
  const error = await readStreamCapped(guarded.stream, Number.POSITIVE_INFINITY).catch((e) => e);
  assert.ok(error instanceof RequestTimeoutError, String(error));
  assert.equal(error.status, 408);
});

Deno.test("body guard - a source that fails (client gone) is a typed abort, reported once", async () => {
  const reported: unknown[] = [];
  const { stream } = source([kib(1)], { fail: new Error("connection closed") });
  const guarded = guardBody(stream, { maxBytes: 1024 * 1024, timeoutMs: 10_000 }, (e) => {
    reported.push(e);
  });
  await assert.rejects(
    readStreamCapped(guarded.stream, Number.POSITIVE_INFINITY),
    BodyAbortedError,
  );
  assert.deepEqual(reported.map((e) => (e as Error).message), ["connection closed"]);
  guarded.done();
});

Deno.test("body guard - each route family gets its own cap; multipart only for uploads", () => {
  const rule = bodyRules(DEFAULT_LIMITS);
  assert.equal(rule("/chatkit").maxBytes, DEFAULT_LIMITS.maxBodyBytes);
  assert.equal(rule("/chatkit").multipart, false);
  for (const path of ["/chatkit/upload", "/chatkit/upload/atc_1"]) {
    assert.ok(rule(path).maxBytes > DEFAULT_LIMITS.maxAttachmentBytes, path);
    assert.equal(rule(path).multipart, true, path);
    assert.equal(rule(path).timeoutMs, DEFAULT_LIMITS.uploadTimeoutMs, path);
  }
  for (const path of ["/api/auth/sign-in/email", "/auth/signin", "/embed/token", "/x", "/"]) {
    assert.equal(rule(path).maxBytes, DEFAULT_LIMITS.maxFormBytes, path);
    assert.equal(rule(path).multipart, false, path);
    assert.equal(rule(path).timeoutMs, DEFAULT_LIMITS.bodyTimeoutMs, path);
  }
  assert.equal(rule("/chatkit/upload/a/b").multipart, false, "no upload route there");
});
