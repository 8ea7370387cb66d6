// The part of omggif's API this app uses (the package ships no types).
export class GifReader {
  constructor(buf: Uint8Array);
  width: number;
  height: number;
  numFrames(): number;
  decodeAndBlitFrameRGBA(frameNum: number, pixels: Uint8Array): void;
}
export class GifWriter {
  constructor(buf: Uint8Array, width: number, height: number, options?: { palette?: number[] });
  addFrame(x: number, y: number, w: number, h: number, indexed: Uint8Array): number;
  end(): number;
}
