import assert from "node:assert/strict";
import { multipartBoundary, parseMultipart } from "./multipart.ts";

async function encode(form: FormData) {
  const res = new Response(form);
  return {
    type: res.headers.get("content-type")!,
    body: new Uint8Array(await res.arrayBuffer()),
  };
}

Deno.test("multipart - the file part is found in place, as the browser encodes it", async () => {
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
  const form = new FormData();
  form.append("note", "hello");
  form.append("file", new File([bytes], "résumé.png", { type: "image/png" }));
  const { type, body } = await encode(form);
  const parts = parseMultipart(body, multipartBoundary(type)!)!;
  assert.equal(parts.length, 2);
  const file = parts.find((p) => p.name === "file")!;
  assert.equal(file.filename, "résumé.png");
  assert.equal(file.contentType, "image/png");
  assert.deepEqual(file.body, bytes);
  assert.equal(file.body.buffer, body.buffer, "a view, not a copy");
});

Deno.test("multipart - malformed bodies are null", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(parseMultipart(enc("no boundary here"), "xyz"), null);
  assert.equal(
    parseMultipart(enc("--xyz\r\nContent-Disposition: form-data\r\n\r\nunterminated"), "xyz"),
    null,
  );
  assert.equal(multipartBoundary('multipart/form-data; boundary="a b"'), "a b");
});
