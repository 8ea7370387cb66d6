import assert from "node:assert/strict";
import { HttpError } from "../errors.ts";
import { readBodyCapped } from "./body.ts";

let pulled = 0;

function streamOf(chunks: number[], onCancel: () => void): ReadableStream<Uint8Array> {
  let i = 0;
  pulled = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      if (i < chunks.length) controller.enqueue(new Uint8Array(chunks[i++]));
      else controller.close();
    },
    cancel: onCancel,
  }, { highWaterMark: 0 });
}

Deno.test("body - readBodyCapped reads bodies up to the cap", async () => {
  const body = await readBodyCapped(new Request("http://x/", { method: "POST", body: "hello" }), 5);
  assert.equal(new TextDecoder().decode(body), "hello");
  let cancelled = false;
  const req = new Request("http://x/", {
    method: "POST",
    body: streamOf([3, 3, 4], () => cancelled = true),
  });
  assert.equal((await readBodyCapped(req, 10)).byteLength, 10);
  assert.equal(cancelled, false);
});

Deno.test("body - readBodyCapped refuses a large Content-Length and stops a growing body", async () => {
  await assert.rejects(
    readBodyCapped(new Request("http://x/", { method: "POST", body: "123456" }), 5),
    (e: unknown) => e instanceof HttpError && e.status === 413,
  );
  const pulls = [4, 4, 4, 4, 4, 4, 4, 4];
  const req = new Request("http://x/", {
    method: "POST",
    body: streamOf(pulls, () => {}),
  });
  await assert.rejects(
    readBodyCapped(req, 10),
    (e: unknown) => e instanceof HttpError && e.status === 413,
  );
  assert.ok(pulled < pulls.length, `the rest of the body is not read (${pulled} pulls)`);
});
