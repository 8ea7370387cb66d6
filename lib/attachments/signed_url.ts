/**
 * Signed, expiring URLs for an owner's attachment bytes.
 *
 * An `<img>` in the ChatKit component's iframe, or in an embed on another site, cannot send our
 * cookies or an `Authorization` header, so a preview URL carries its own proof: an HMAC over
 * the attachment id, its owner and the expiry time. The owner is inside the MAC but not in the
 * URL (owner ids stay private): the route looks the attachment up by id and checks the MAC with
 * the owner stored on it, so a URL is good only for the owner it was minted for, and only
 * until it expires.
 *
 * Reusable by anything that hands out attachment URLs (embeds use it for `<img>` on other
 * sites):
 * @example
 * ```ts
 * const url = await signAttachmentUrl(secret, {
 *   base: "https://chat.example.com/chatkit/preview/", attachmentId: "atc_…", owner,
 *   ttlSeconds: 3600,
 * });
 * // in the route: the owner comes from the stored attachment, never from the request
 * const ok = await verifyAttachmentSignature(secret, { attachmentId, owner: row.owner_id,
 *   expires: url.searchParams.get("exp"), signature: url.searchParams.get("sig") });
 * ```
 * @module
 */

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

/** The MAC is over a purpose-tagged string, so it can never be confused with another signed value. */
const PURPOSE = "deno-chatkit attachment url v1";

function key(secret: string): Promise<CryptoKey> {
  let found = keys.get(secret);
  if (!found) {
    found = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(secret, found);
  }
  return found;
}

function message(attachmentId: string, owner: string, expires: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${PURPOSE}\n${attachmentId}\n${owner}\n${expires}`);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]{43}$/.test(text)) return null; // 32 bytes, unpadded
  try {
    const b64 = text.replaceAll("-", "+").replaceAll("_", "/") + "=";
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** What {@link signAttachmentUrl} needs. */
export interface SignUrlOptions {
  /** The URL the id is appended to, e.g. `https://host/chatkit/preview/`. */
  base: string;
  attachmentId: string;
  /** The attachment's owner (bound into the signature, not written into the URL). */
  owner: string;
  /** How long the URL works, in seconds. */
  ttlSeconds: number;
  /** The current time in ms (tests); default `Date.now()`. */
  now?: number;
}

/**
 * A URL `base + id + "?exp=<unix seconds>&sig=<mac>"`. The expiry is rounded up to a whole
 * minute so that the same image keeps the same URL for a while (browser caches reuse it).
 */
export async function signAttachmentUrl(secret: string, options: SignUrlOptions): Promise<string> {
  const now = options.now ?? Date.now();
  const expires = Math.ceil((now / 1000 + options.ttlSeconds) / 60) * 60;
  const mac = await crypto.subtle.sign(
    "HMAC",
    await key(secret),
    message(options.attachmentId, options.owner, expires),
  );
  const url = new URL(encodeURIComponent(options.attachmentId), options.base);
  url.searchParams.set("exp", String(expires));
  url.searchParams.set("sig", toBase64Url(new Uint8Array(mac)));
  return url.toString();
}

/** What {@link verifyAttachmentSignature} checks. */
export interface VerifyOptions {
  attachmentId: string;
  /** The owner stored with the attachment. */
  owner: string;
  /** The URL's `exp` parameter. */
  expires: string | null | undefined;
  /** The URL's `sig` parameter. */
  signature: string | null | undefined;
  now?: number;
}

/** Why a signed URL is refused, or `ok`. */
export type SignatureCheck = "ok" | "expired" | "invalid";

/** Checks a signed URL's parameters (the MAC in constant time, then the expiry). */
export async function verifyAttachmentSignature(
  secret: string,
  options: VerifyOptions,
): Promise<SignatureCheck> {
  const expires = Number(options.expires);
  if (!options.expires || !Number.isSafeInteger(expires) || expires <= 0) return "invalid";
  const mac = options.signature ? fromBase64Url(options.signature) : null;
  if (!mac) return "invalid";
  const valid = await crypto.subtle.verify(
    "HMAC",
    await key(secret),
    mac,
    message(options.attachmentId, options.owner, expires),
  );
  if (!valid) return "invalid";
  return (options.now ?? Date.now()) / 1000 < expires ? "ok" : "expired";
}

/** Whether a request carries signed-URL parameters at all. */
export function hasSignature(url: URL): boolean {
  return url.searchParams.has("sig") || url.searchParams.has("exp");
}
