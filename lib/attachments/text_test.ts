import assert from "node:assert/strict";
import { makePdf } from "../../tests/support/files.ts";
import { pdfText, textFileText } from "./text.ts";

Deno.test("text - a PDF's text is extracted with its page count", async () => {
  const out = await pdfText(makePdf("Invoice number 4711 total 99 euros"), 10_000);
  assert.equal(out.text, "Invoice number 4711 total 99 euros");
  assert.equal(out.pages, 1);
  assert.equal(out.truncated, false);
});

Deno.test("text - a broken PDF is an error", async () => {
  await assert.rejects(pdfText(new TextEncoder().encode("%PDF-1.4 garbage"), 100));
});

Deno.test("text - text files are decoded and bounded at a line break", () => {
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n");
  const out = textFileText(new TextEncoder().encode("\uFEFF" + lines), 50);
  assert.equal(out.truncated, true);
  assert.equal(out.totalChars, lines.length);
  assert.ok(out.text.length <= 50);
  assert.ok(out.text.endsWith("line 6"), out.text);
  assert.ok(out.text.startsWith("line 0"), "BOM dropped");
});
