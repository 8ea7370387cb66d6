import assert from "node:assert/strict";
import { makeImage, makeNoisyPng, webpHeader } from "../../tests/support/files.ts";
import { fitImage, imageSize, ImageUnusableError, targetSize } from "./image.ts";

Deno.test("image - sizes are read from the headers of png, jpeg, gif and webp", async () => {
  assert.deepEqual(imageSize(await makeImage(37, 21, "image/png"), "image/png"), {
    width: 37,
    height: 21,
  });
  assert.deepEqual(imageSize(await makeImage(64, 48, "image/jpeg"), "image/jpeg"), {
    width: 64,
    height: 48,
  });
  assert.deepEqual(imageSize(await makeImage(9, 7, "image/gif"), "image/gif"), {
    width: 9,
    height: 7,
  });
  assert.deepEqual(imageSize(webpHeader(300, 200), "image/webp"), { width: 300, height: 200 });
});

Deno.test("image - target size keeps the aspect ratio within edge and pixel budget", () => {
  const budget = { maxEdge: 1000, maxPixels: 250_000, maxBytes: 1e9 };
  assert.deepEqual(targetSize({ width: 4000, height: 1000 }, budget), { width: 1000, height: 250 });
  assert.deepEqual(targetSize({ width: 1000, height: 1000 }, budget), { width: 500, height: 500 });
  assert.deepEqual(targetSize({ width: 100, height: 50 }, budget), { width: 100, height: 50 });
});

Deno.test("image - within budget the upload is used as it is", async () => {
  const png = await makeImage(100, 80);
  const fitted = await fitImage(png, "image/png", { maxEdge: 200, maxPixels: 1e6, maxBytes: 1e6 });
  assert.equal(fitted.changed, false);
  assert.equal(fitted.bytes, png);
});

Deno.test("image - over the edge budget it is scaled down and stays a PNG", async () => {
  const png = await makeImage(1200, 600);
  const fitted = await fitImage(png, "image/png", { maxEdge: 300, maxPixels: 1e6, maxBytes: 1e6 });
  assert.equal(fitted.changed, true);
  assert.equal(fitted.mime, "image/png");
  assert.deepEqual(imageSize(fitted.bytes, "image/png"), { width: 300, height: 150 });
});

Deno.test("image - over the byte budget a PNG becomes a smaller JPEG", async () => {
  const png = await makeNoisyPng(200, 200);
  const budget = { maxEdge: 4096, maxPixels: 1e8, maxBytes: Math.floor(png.byteLength / 3) };
  const fitted = await fitImage(png, "image/png", budget);
  assert.equal(fitted.mime, "image/jpeg");
  assert.ok(fitted.bytes.byteLength <= budget.maxBytes);
  assert.deepEqual(imageSize(fitted.bytes, "image/jpeg"), { width: 200, height: 200 });
});

Deno.test("image - an over-budget WebP is refused with a reason", async () => {
  await assert.rejects(
    fitImage(webpHeader(5000, 5000), "image/webp"),
    ImageUnusableError,
  );
});
