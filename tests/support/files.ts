/**
 * Small real files for attachment tests: PDFs with known text, PNG/JPEG/GIF images of a given
 * size (encoded by jimp), WebP headers.
 * @module
 */
import { encodeGif, Jimp } from "../../lib/attachments/jimp.ts";

/** A one-page PDF whose text is `text` (Helvetica; ASCII without parentheses or backslashes). */
export function makePdf(text: string): Uint8Array {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " +
    "/Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/** An image of one colour with a diagonal line, encoded as `mime` (png, jpeg, gif). */
export async function makeImage(
  width: number,
  height: number,
  mime: "image/png" | "image/jpeg" | "image/gif" = "image/png",
  color = 0x3366ccff,
): Promise<Uint8Array> {
  if (mime === "image/gif") return encodeGif(width, height, color >>> 8);
  const image = new Jimp({ width, height, color });
  for (let i = 0; i < Math.min(width, height); i++) image.setPixelColor(0xffffffff, i, i);
  return new Uint8Array(await image.getBuffer(mime));
}

/** Random-looking bytes that compress badly (a PNG of noise is large for its size). */
export async function makeNoisyPng(width: number, height: number): Promise<Uint8Array> {
  const image = new Jimp({ width, height, color: 0 });
  let seed = 7;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      image.setPixelColor(((seed & 0xffffff00) | 0xff) >>> 0, x, y);
    }
  }
  return new Uint8Array(await image.getBuffer("image/png"));
}

/** The first bytes of a lossless WebP of the given size (enough for header checks). */
export function webpHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(30);
  b.set([0x52, 0x49, 0x46, 0x46], 0);
  b.set([0x57, 0x45, 0x42, 0x50], 8);
  b.set([0x56, 0x50, 0x38, 0x4c], 12); // "VP8L"
  b[20] = 0x2f;
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  b[21] = bits & 0xff;
  b[22] = (bits >> 8) & 0xff;
  b[23] = (bits >> 16) & 0xff;
  b[24] = (bits >> 24) & 0xff;
  return b;
}
