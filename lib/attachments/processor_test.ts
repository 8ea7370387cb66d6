import assert from "node:assert/strict";
import { makeImage, makePdf } from "../../tests/support/files.ts";
import { imageSize } from "./image.ts";
import { workerProcessor } from "./processor.ts";

const budget = { maxEdge: 256, maxPixels: 1e6, maxBytes: 1e6 };

Deno.test("processor - prepares images, PDFs and text in the worker", async () => {
  const processor = workerProcessor();
  try {
    const big = await makeImage(1024, 512);
    const [image, small, pdf, text, broken] = await Promise.all([
      processor.prepare({
        bytes: big,
        mime: "image/png",
        kind: "image",
        imageBudget: budget,
        maxTextChars: 100,
      }),
      processor.prepare({
        bytes: await makeImage(10, 10),
        mime: "image/png",
        kind: "image",
        imageBudget: budget,
        maxTextChars: 100,
      }),
      processor.prepare({
        bytes: makePdf("Quarterly report revenue up"),
        mime: "application/pdf",
        kind: "pdf",
        imageBudget: budget,
        maxTextChars: 100,
      }),
      processor.prepare({
        bytes: new TextEncoder().encode("a,b\n1,2\n"),
        mime: "text/csv",
        kind: "text",
        imageBudget: budget,
        maxTextChars: 100,
      }),
      processor.prepare({
        bytes: new Uint8Array([0x89, 0x50]),
        mime: "image/png",
        kind: "image",
        imageBudget: budget,
        maxTextChars: 100,
      }),
    ]);
    assert.ok(image.image, "the large image got a model copy");
    assert.deepEqual(imageSize(image.image.bytes, image.image.mime), { width: 256, height: 128 });
    assert.equal(big.byteLength > 0, true, "the caller's bytes are still usable");
    assert.deepEqual(small, { imageAsIs: true });
    assert.equal(pdf.text, "Quarterly report revenue up");
    assert.equal(pdf.pages, 1);
    assert.equal(text.text, "a,b\n1,2\n");
    assert.match(broken.problem ?? "", /size could not be read/);
  } finally {
    processor.close();
  }
});
