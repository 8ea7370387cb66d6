/**
 * Images within the model's budget: a picture over the pixel, edge or byte budget is scaled
 * down and re-encoded (jimp and omggif: pure JavaScript, no native add-on, so it runs on Deno Deploy too).
 * Decoding a 12-megapixel JPEG takes over a second of CPU, so callers run {@link fitImage} in
 * the attachment worker (processor.ts), never on a request's thread.
 * @module
 */

/** Limits of the images handed to the model. */
export interface ImageBudget {
  /** Longest side, in pixels. */
  maxEdge: number;
  /** Width × height. */
  maxPixels: number;
  /** Encoded size, in bytes (the data URL is a third larger). */
  maxBytes: number;
}

export const DEFAULT_IMAGE_BUDGET: ImageBudget = {
  maxEdge: 2048,
  maxPixels: 2048 * 2048,
  maxBytes: 3 * 1024 * 1024,
};

/** Width and height of an image. */
export interface Size {
  width: number;
  height: number;
}

function u16be(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
}
function u16le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8);
}
function u24le(b: Uint8Array, i: number): number {
  return b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
}

function jpegSize(b: Uint8Array): Size | null {
  let i = 2;
  while (i + 9 < b.byteLength) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    // Standalone markers carry no length.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    const length = u16be(b, i + 2);
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) hold the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

function webpSize(b: Uint8Array): Size | null {
  const chunk = String.fromCharCode(b[12], b[13], b[14], b[15]);
  if (chunk === "VP8X" && b.byteLength >= 30) {
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  }
  if (chunk === "VP8 " && b.byteLength >= 30) {
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  }
  if (chunk === "VP8L" && b.byteLength >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  return null;
}

/** The size an image's header states (png, jpeg, gif, webp), without decoding it. */
export function imageSize(bytes: Uint8Array, mime: string): Size | null {
  if (mime === "image/png" && bytes.byteLength >= 24) {
    return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  }
  if (mime === "image/gif" && bytes.byteLength >= 10) {
    return { width: u16le(bytes, 6), height: u16le(bytes, 8) };
  }
  if (mime === "image/jpeg") return jpegSize(bytes);
  if (mime === "image/webp" && bytes.byteLength >= 16) return webpSize(bytes);
  return null;
}

/** Whether an image of this size and byte count is within the budget as it is. */
export function withinBudget(size: Size, byteLength: number, budget: ImageBudget): boolean {
  return Math.max(size.width, size.height) <= budget.maxEdge &&
    size.width * size.height <= budget.maxPixels && byteLength <= budget.maxBytes;
}

/** The largest size with the same aspect ratio within the edge and pixel budget. */
export function targetSize(size: Size, budget: ImageBudget): Size {
  const scale = Math.min(
    1,
    budget.maxEdge / Math.max(size.width, size.height),
    Math.sqrt(budget.maxPixels / (size.width * size.height)),
  );
  return {
    width: Math.max(1, Math.floor(size.width * scale)),
    height: Math.max(1, Math.floor(size.height * scale)),
  };
}

/** An image ready for the model. */
export interface FittedImage {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
  /** Whether it differs from the upload. */
  changed: boolean;
}

/** Why an image cannot be given to the model. */
export class ImageUnusableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageUnusableError";
  }
}

/**
 * The image as the model should get it: the upload itself when within budget, else scaled
 * down (PNG stays PNG while it fits the byte budget, to keep sharp text in screenshots; then
 * JPEG at falling quality). GIFs give their first frame. WebP cannot be decoded in pure
 * JavaScript here, so an over-budget WebP is {@link ImageUnusableError}.
 */
export async function fitImage(
  bytes: Uint8Array,
  mime: string,
  budget: ImageBudget = DEFAULT_IMAGE_BUDGET,
): Promise<FittedImage> {
  const size = imageSize(bytes, mime);
  if (!size || size.width <= 0 || size.height <= 0) {
    throw new ImageUnusableError("The image's size could not be read");
  }
  if (withinBudget(size, bytes.byteLength, budget)) {
    return { bytes, mime, ...size, changed: false };
  }
  if (mime === "image/webp") {
    throw new ImageUnusableError("WebP images over the size budget cannot be resized");
  }
  // jimp is loaded only here: most turns never resize anything.
  const { Jimp, decodeGif } = await import("./jimp.ts");
  const image = mime === "image/gif" ? Jimp.fromBitmap(decodeGif(bytes)) : await Jimp.fromBuffer(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  );
  const target = targetSize({ width: image.width, height: image.height }, budget);
  if (target.width !== image.width || target.height !== image.height) {
    image.resize({ w: target.width, h: target.height });
  }
  if (mime === "image/png") {
    const png = new Uint8Array(await image.getBuffer("image/png"));
    if (png.byteLength <= budget.maxBytes) {
      return { bytes: png, mime: "image/png", ...target, changed: true };
    }
  }
  for (const quality of [85, 70, 55, 40]) {
    const jpeg = new Uint8Array(await image.getBuffer("image/jpeg", { quality }));
    if (jpeg.byteLength <= budget.maxBytes) {
      return { bytes: jpeg, mime: "image/jpeg", ...target, changed: true };
    }
  }
  throw new ImageUnusableError("The image could not be made small enough");
}
