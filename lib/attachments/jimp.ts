/**
 * A slim jimp: PNG and JPEG codecs and resizing only. The `jimp` bundle is avoided on purpose:
 * its GIF codec pulls in type declarations of an old Node.js that break the app's type check.
 * GIFs are decoded (first frame) with omggif instead.
 * @module
 */
import { createJimp } from "@jimp/core";
import jpeg from "@jimp/js-jpeg";
import png from "@jimp/js-png";
import { methods as resize } from "@jimp/plugin-resize";
// @ts-types="./omggif.d.ts"
import { GifReader, GifWriter } from "omggif";

export const Jimp = createJimp({ formats: [png, jpeg], plugins: [resize] });

/** The first frame of a GIF as RGBA pixels. */
export function decodeGif(bytes: Uint8Array): { data: Uint8Array; width: number; height: number } {
  const reader = new GifReader(bytes);
  const data = new Uint8Array(reader.width * reader.height * 4);
  reader.decodeAndBlitFrameRGBA(0, data);
  return { data, width: reader.width, height: reader.height };
}

/** A one-frame GIF of `width`×`height` in one colour (tests make GIFs with it). */
export function encodeGif(width: number, height: number, rgb: number): Uint8Array {
  const buffer = new Uint8Array(1024 + width * height * 2);
  const writer = new GifWriter(buffer, width, height, { palette: [rgb, 0xffffff] });
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < Math.min(width, height); i++) pixels[i * width + i] = 1;
  writer.addFrame(0, 0, width, height, pixels);
  return buffer.slice(0, writer.end());
}
