/**
 * The two credentials of an embed on another site, where third-party cookies are blocked:
 *
 * - a **visitor token**: signed (HMAC, no database row), bound to the host page's origin, with
 *   an expiry — an anonymous visitor of the embed, the same kind of owner as a visitor cookie;
 * - a **grant**: a random token handed to the embed after a sign-in in our popup, stored only as
 *   its SHA-256 in `embed_grants` with its user, session, origin and expiry. It is revocable
 *   (the widget's sign-out, or signing out of the session it came from deletes it) and limited
 *   to chat (see `EMBED_PATHS`), so the host page never holds the user's full session.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { sign, unsign } from "../auth/signing.ts";

/** The prefix of visitor tokens (and of their signed value). */
export const VISITOR_TOKEN_PREFIX = "ckv1.";
/** The prefix of grants. */
export const GRANT_PREFIX = "ckg_";

/** The only paths an embed credential is good for: the protocol endpoint and its files. */
export const EMBED_PATHS = /^\/chatkit(?:\/(?:upload|preview)(?:\/.*)?)?$/;

const VISITOR_ID = /^[A-Za-z0-9_-]{22,64}$/;
const encoder = new TextEncoder();

/** A visitor token's contents. */
export interface VisitorClaims {
  visitorId: string;
  /** The host page origin it was minted for. */
  origin: string;
  expiresAt: Date;
}

/**
 * The key that signs visitor tokens: derived from the app secret, so that a visitor token can
 * never pass as a signed cookie (or the other way round).
 */
function visitorKey(secret: string): string {
  return `${secret}\u0000embed-visitor-token`;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): string | null {
  try {
    const padded = text.replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Signs a visitor token for `visitorId` on `origin`, valid for `seconds`. */
export function signVisitorToken(
  secret: string,
  claims: { visitorId: string; origin: string; seconds: number },
  now = Date.now(),
): Promise<string> {
  const payload = {
    v: claims.visitorId,
    o: claims.origin,
    e: Math.floor(now / 1000) + Math.floor(claims.seconds),
  };
  const value = VISITOR_TOKEN_PREFIX + base64url(encoder.encode(JSON.stringify(payload)));
  return sign(visitorKey(secret), value);
}

/**
 * The claims of a valid visitor token minted for `origin`; null when it is forged, expired,
 * malformed or was minted for another origin.
 */
export async function verifyVisitorToken(
  secret: string,
  token: string,
  origin: string,
  now = Date.now(),
): Promise<VisitorClaims | null> {
  if (!token.startsWith(VISITOR_TOKEN_PREFIX) || token.length > 1024) return null;
  const value = await unsign(visitorKey(secret), token);
  if (!value) return null;
  const json = fromBase64url(value.slice(VISITOR_TOKEN_PREFIX.length));
  if (json === null) return null;
  let payload: { v?: unknown; o?: unknown; e?: unknown };
  try {
    payload = JSON.parse(json);
  } catch {
    return null;
  }
  if (typeof payload.v !== "string" || !VISITOR_ID.test(payload.v)) return null;
  if (typeof payload.o !== "string" || payload.o !== origin) return null;
  if (typeof payload.e !== "number" || payload.e * 1000 <= now) return null;
  return { visitorId: payload.v, origin: payload.o, expiresAt: new Date(payload.e * 1000) };
}

/** True when a Bearer value has the shape of one of the embed's own credentials. */
export function isEmbedCredential(token: string): boolean {
  return token.startsWith(VISITOR_TOKEN_PREFIX) || token.startsWith(GRANT_PREFIX);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A grant as the app sees it once verified. */
export interface GrantOwner {
  grantId: string;
  origin: string;
  expiresAt: Date;
  user: { id: string; name: string; email: string; image?: string };
}

interface GrantRow {
  id: string;
  origin: string;
  expires_at: Date;
  user_id: string;
  name: string;
  email: string;
  image: string | null;
}

/** Chat-scoped, revocable tokens for signed-in users of an embed (`embed_grants`). */
export class EmbedGrants {
  #sql: Sql;

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /**
   * Mints a grant for `userId` on `origin`, tied to the session it came from: it ends at the
   * earlier of `seconds` from now and that session's end, and dies with the session.
   */
  async mint(
    input: { userId: string; sessionId: string; origin: string; seconds: number },
  ): Promise<{ token: string; expiresAt: Date }> {
    const token = GRANT_PREFIX + base64url(crypto.getRandomValues(new Uint8Array(32)));
    const id = "egr_" + base64url(crypto.getRandomValues(new Uint8Array(16)));
    const [row] = await this.#sql<{ expires_at: Date }[]>`
      insert into embed_grants (id, token_hash, user_id, session_id, origin, expires_at)
      select ${id}, ${await sha256Hex(token)}, ${input.userId}, s.id, ${input.origin},
             least(now() + make_interval(secs => ${input.seconds}), s."expiresAt")
      from "session" s
      where s.id = ${input.sessionId} and s."userId" = ${input.userId} and s."expiresAt" > now()
      returning expires_at`;
    if (!row) throw new Error("the session behind this sign-in has ended");
    return { token, expiresAt: row.expires_at };
  }

  /** The owner of a live grant used from `origin`; null when unknown, revoked, expired or from elsewhere. */
  async verify(token: string, origin: string): Promise<GrantOwner | null> {
    if (!token.startsWith(GRANT_PREFIX) || token.length > 128) return null;
    const [row] = await this.#sql<GrantRow[]>`
      select g.id, g.origin, g.expires_at, u.id as user_id, u.name, u.email, u.image
      from embed_grants g
        join "session" s on s.id = g.session_id
        join "user" u on u.id = g.user_id
      where g.token_hash = ${await sha256Hex(token)} and g.origin = ${origin}
        and g.revoked_at is null and g.expires_at > now() and s."expiresAt" > now()`;
    if (!row) return null;
    const user: GrantOwner["user"] = { id: row.user_id, name: row.name, email: row.email };
    if (row.image) user.image = row.image;
    return { grantId: row.id, origin: row.origin, expiresAt: row.expires_at, user };
  }

  /** Revokes a grant (idempotent). Returns true when a live grant was revoked. */
  async revoke(token: string): Promise<boolean> {
    if (!token.startsWith(GRANT_PREFIX) || token.length > 128) return false;
    const result = await this.#sql`
      update embed_grants set revoked_at = now()
      where token_hash = ${await sha256Hex(token)} and revoked_at is null`;
    return result.count > 0;
  }

  /** Drops grants that ended more than a day ago. */
  async cleanup(): Promise<void> {
    await this.#sql`
      delete from embed_grants
      where expires_at < now() - interval '1 day' or revoked_at < now() - interval '1 day'`;
  }
}
