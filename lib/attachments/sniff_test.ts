import assert from "node:assert/strict";
import { makeImage, makePdf, webpHeader } from "../../tests/support/files.ts";
import { detectType, expectedType, inlineSafe, isUtf8Text, MimeMismatchError } from "./sniff.ts";

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("sniff - a .ts file the browser calls video/mp2t is TypeScript text", () => {
  const expected = expectedType("main.ts", "video/mp2t");
  assert.deepEqual(expected, { mime: "text/typescript", kind: "text" });
  assert.deepEqual(detectType(text("export const a = 1;\n"), expected), expected);
});

Deno.test("sniff - images and PDFs are recognised by their bytes", async () => {
  const png = await makeImage(4, 4, "image/png");
  const jpeg = await makeImage(4, 4, "image/jpeg");
  const gif = await makeImage(4, 4, "image/gif");
  assert.equal(detectType(png, expectedType("a.png", "image/png")).mime, "image/png");
  assert.equal(detectType(jpeg, expectedType("a.jpg", "")).mime, "image/jpeg");
  assert.equal(detectType(gif, expectedType("a.gif", "image/gif")).mime, "image/gif");
  assert.equal(detectType(webpHeader(5, 5), expectedType("a.webp", "")).mime, "image/webp");
  assert.deepEqual(detectType(makePdf("hi"), expectedType("spec.pdf", "application/pdf")), {
    mime: "application/pdf",
    kind: "pdf",
  });
  // A generic declared type does not hide what the bytes are.
  assert.deepEqual(detectType(png, expectedType("blob", "application/octet-stream")), {
    mime: "image/png",
    kind: "image",
  });
});

Deno.test("sniff - a MIME lie is refused", async () => {
  assert.throws(
    () => detectType(text("<html><script>alert(1)</script>"), expectedType("x.png", "image/png")),
    MimeMismatchError,
  );
  assert.throws(
    () => detectType(makePdf("x"), expectedType("photo.png", "image/png")),
    /not image\/png \(it is application\/pdf\)/,
  );
  assert.throws(
    () => detectType(text("not a pdf"), expectedType("a.pdf", "application/pdf")),
    MimeMismatchError,
  );
  const binary = new Uint8Array([0x00, 0x01, 0xff, 0xfe]);
  assert.throws(() => detectType(binary, expectedType("notes.txt", "text/plain")), /UTF-8/);
  // The extension decides the promise even when the declared type agrees with the lie.
  const png = await makeImage(2, 2);
  assert.equal(detectType(png, expectedType("shot.png", "text/plain")).mime, "image/png");
});

Deno.test("sniff - UTF-8 text check", () => {
  assert.equal(isUtf8Text(text("héllo ✓")), true);
  assert.equal(isUtf8Text(new Uint8Array([0xc3, 0x28])), false);
  assert.equal(isUtf8Text(new Uint8Array([0x61, 0x00, 0x62])), false);
});

Deno.test("sniff - only raster images are inline-safe, never SVG or HTML", () => {
  assert.equal(inlineSafe("image/png"), true);
  assert.equal(inlineSafe("IMAGE/JPEG; q=1"), true);
  assert.equal(inlineSafe("image/svg+xml"), false);
  assert.equal(inlineSafe("text/html"), false);
  assert.equal(expectedType("logo.svg", "image/svg+xml").kind, "text");
});
