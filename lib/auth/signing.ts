/**
 * Signed values in better-auth's cookie format: `value + "." + base64(HMAC-SHA256(secret, value))`
 * (standard base64 with padding), so that one check serves both its session cookie and our
 * visitor cookie.
 * @module
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Returns `value.signature`. */
export async function sign(secret: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(value));
  return `${value}.${toBase64(new Uint8Array(mac))}`;
}

/**
 * Signed strings already verified, per key: every request of a conversation carries the same
 * cookie, and its HMAC check was about 4 % of the app's CPU per turn (BENCHMARKS.md). Only exact
 * strings that verified are kept, so a changed one is always checked; the oldest go first.
 */
const VERIFIED_MAX = 4096;
const verified = new Map<string, Map<string, string>>();

function remember(secret: string, signed: string, value: string): void {
  let forKey = verified.get(secret);
  if (!forKey) verified.set(secret, forKey = new Map());
  if (forKey.size >= VERIFIED_MAX) forKey.delete(forKey.keys().next().value!);
  forKey.set(signed, value);
}

/** Returns the value of a `value.signature` string when the signature is right, else null. */
export async function unsign(secret: string, signed: string): Promise<string | null> {
  const known = verified.get(secret)?.get(signed);
  if (known !== undefined) return known;
  const dot = signed.lastIndexOf(".");
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const signature = fromBase64(signed.slice(dot + 1));
  // An HMAC-SHA256 is 32 bytes; anything else is forged (verify() compares in constant time).
  if (!signature || signature.byteLength !== 32) return null;
  const ok = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(value),
  );
  if (!ok) return null;
  remember(secret, signed, value);
  return value;
}

/** How many verified strings are kept for `secret` (tests: the cache stays bounded). */
export function verifiedCount(secret: string): number {
  return verified.get(secret)?.size ?? 0;
}
