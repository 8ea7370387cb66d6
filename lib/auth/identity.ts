/**
 * Who is calling: a better-auth session (Bearer token or session cookie, signature and expiry
 * checked against the database) or else an anonymous visitor (signed cookie with a random id and
 * its issue time). Expired, revoked and forged sessions and visitor cookies count as none.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { readCookies, serializeCookie } from "./cookies.ts";
import { DEFAULT_AUTH_SETTINGS } from "./settings.ts";
import { sign, unsign } from "./signing.ts";

/** better-auth's session cookie, under both of its names. */
export const SESSION_COOKIES = ["__Secure-better-auth.session_token", "better-auth.session_token"];
/** Our anonymous visitor cookie, under both names (`__Secure-` on https). */
export const VISITOR_COOKIES = ["__Secure-chatkit.visitor", "chatkit.visitor"];
/** Default lifetime of the visitor cookie. */
export const DEFAULT_VISITOR_SECONDS = DEFAULT_AUTH_SETTINGS.visitorSeconds;

/** The signed-in user, as pages and handlers see it (never any credential). */
export interface AuthUser {
  id: string;
  name: string;
  email: string;
  image?: string;
}

/** The session behind a signed-in request. */
export interface AuthSession {
  id: string;
  expiresAt: Date;
  /** How the request proved it: a cookie, or an `Authorization: Bearer` header. */
  via: "cookie" | "bearer";
}

/** The resolved caller. */
export interface Identity {
  owner: string;
  user?: AuthUser;
  session?: AuthSession;
  /** The visitor id from a valid visitor cookie, if the request has one. */
  visitorId?: string;
  /** A visitor id minted for this request (its cookie goes on the response). */
  newVisitorId?: string;
  /** True when the request carries our cookies and is not authenticated by a Bearer token. */
  cookieAuthenticated: boolean;
  /** A renewed session cookie for the response (the session was extended; see `resolveIdentity`). */
  renewedCookie?: string;
  /** A renewed visitor cookie for the response (see {@link VisitorPolicy}). */
  renewedVisitorCookie?: string;
}

/** How sessions are kept alive. */
export interface SessionPolicy {
  /** A session's lifetime, in seconds. */
  sessionSeconds: number;
  /** A session in use is extended once it is older than this (better-auth's `updateAge`). */
  updateSeconds: number;
}

/** better-auth's default `updateAge`: one day. */
export const DEFAULT_UPDATE_SECONDS = 24 * 60 * 60;

const VISITOR_ID = /^[A-Za-z0-9_-]{22,64}$/;

/** Owner id of an anonymous visitor. */
export function visitorOwner(visitorId: string): string {
  return `anon:${visitorId}`;
}

/** A new random visitor id (128 bits, base64url). */
export function newVisitorId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * How the visitor cookie lives. Its signed value carries the time it was issued, so that it
 * expires on the server too (a copied cookie is not good forever). A cookie in use is renewed
 * (another full lifetime) once it is older than {@link renewalAgeSeconds}, at most once a day,
 * and each renewal records the visitor as seen (`visitors.seen_at`): the sweep of unreachable
 * visitor threads (lib/auth/visitor_sweep.ts) keeps the threads of every visitor whose cookie
 * may still be valid.
 */
export interface VisitorPolicy {
  /** The cookie's lifetime, in seconds (`auth.visitorSeconds`). */
  visitorSeconds: number;
  /** Whether the cookie is `Secure` (and `__Secure-` named). */
  secure: boolean;
}

/** A cookie older than this is renewed when used: a day, or half its lifetime if shorter. */
export function renewalAgeSeconds(visitorSeconds: number): number {
  return Math.min(24 * 60 * 60, Math.floor(visitorSeconds / 2));
}

/** The `Set-Cookie` value of a visitor cookie (signed), or of its deletion (`id` null). */
export async function visitorCookie(
  secret: string,
  id: string | null,
  options: { secure: boolean; maxAge: number; issuedAt?: number },
): Promise<string> {
  const name = options.secure ? VISITOR_COOKIES[0] : VISITOR_COOKIES[1];
  if (id === null) return serializeCookie(name, "", { secure: options.secure, maxAge: 0 });
  const issued = Math.floor((options.issuedAt ?? Date.now()) / 1000);
  return serializeCookie(name, await sign(secret, `${id}.${issued}`), options);
}

/** Deletions of the visitor cookie under both names. */
export function clearVisitorCookies(secure: boolean): string[] {
  return VISITOR_COOKIES.filter((name) => secure || !name.startsWith("__Secure-")).map((name) =>
    serializeCookie(name, "", { secure: name.startsWith("__Secure-"), maxAge: 0 })
  );
}

/** What a request's visitor cookie says, once its signature is checked. */
export interface VisitorCookie {
  id: string;
  /** When it was issued; absent for a cookie of the first format (before issue times). */
  issuedAt?: Date;
}

const VISITOR_VALUE = /^([A-Za-z0-9_-]{22,64})\.(\d{1,12})$/;

/**
 * The request's visitor cookie when its signature is right: the id and the time it was issued
 * (its expiry is checked by {@link checkVisitor}).
 */
export async function readVisitorCookie(
  secret: string,
  req: Request,
): Promise<VisitorCookie | undefined> {
  const cookies = readCookies(req);
  for (const name of VISITOR_COOKIES) {
    const value = cookies.get(name);
    if (!value) continue;
    const signed = await unsign(secret, value);
    if (!signed) continue;
    const stamped = signed.match(VISITOR_VALUE);
    if (stamped) return { id: stamped[1], issuedAt: new Date(Number(stamped[2]) * 1000) };
    if (VISITOR_ID.test(signed)) return { id: signed };
  }
  return undefined;
}

/** The visitor id of a request's signed visitor cookie that has not expired by its issue time. */
export async function readVisitorId(
  secret: string,
  req: Request,
  visitorSeconds = DEFAULT_VISITOR_SECONDS,
): Promise<string | undefined> {
  const cookie = await readVisitorCookie(secret, req);
  if (!cookie?.issuedAt) return cookie?.id;
  return Date.now() - cookie.issuedAt.getTime() < visitorSeconds * 1000 ? cookie.id : undefined;
}

/**
 * The visitor of a request whose cookie still holds, and whether to renew it now. A cookie
 * past its lifetime is refused (the caller becomes a new visitor). A cookie of the first format
 * (no issue time) holds only while the visitor was seen within the lifetime (migrations 0006
 * and 0010 record every visitor who had threads), and is renewed into the current format.
 */
export async function checkVisitor(
  sql: Sql,
  secret: string,
  req: Request,
  policy: VisitorPolicy,
): Promise<{ id: string; renew: boolean } | undefined> {
  const cookie = await readVisitorCookie(secret, req);
  if (!cookie) return undefined;
  if (!cookie.issuedAt) {
    const [seen] = await sql`
      select 1 from visitors
      where id = ${cookie.id} and seen_at > now() - make_interval(secs => ${policy.visitorSeconds})`;
    return seen ? { id: cookie.id, renew: true } : undefined;
  }
  const age = Date.now() - cookie.issuedAt.getTime();
  if (age >= policy.visitorSeconds * 1000) return undefined;
  return { id: cookie.id, renew: age > renewalAgeSeconds(policy.visitorSeconds) * 1000 };
}

/**
 * Records that a visitor was seen now (a renewed cookie, or an embed's new or renewed visitor
 * token): its threads stay while any credential issued until now may hold.
 */
export async function recordVisitor(sql: Sql, id: string): Promise<void> {
  await sql`
    insert into visitors (id, seen_at) values (${id}, now())
    on conflict (id) do update set seen_at = now()`;
}

interface SessionRow {
  session_id: string;
  expires_at: Date;
  user_id: string;
  name: string;
  email: string;
  image: string | null;
}

/**
 * Looks up a live session by its token (expired ones are not found). With a policy, a session
 * used more than `updateSeconds` after it was last extended is extended again (as better-auth's
 * own session check does); `renewed` says so.
 */
export async function findSession(
  sql: Sql,
  token: string,
  policy?: SessionPolicy,
): Promise<{ user: AuthUser; session: Omit<AuthSession, "via">; renewed: boolean } | null> {
  const [row] = await sql<SessionRow[]>`
    select s.id as session_id, s."expiresAt" as expires_at,
           u.id as user_id, u.name, u.email, u.image
    from "session" s join "user" u on u.id = s."userId"
    where s.token = ${token} and s."expiresAt" > now()`;
  if (!row) return null;
  const user: AuthUser = { id: row.user_id, name: row.name, email: row.email };
  if (row.image) user.image = row.image;
  let expiresAt = row.expires_at;
  let renewed = false;
  if (
    policy &&
    expiresAt.getTime() - Date.now() < (policy.sessionSeconds - policy.updateSeconds) * 1000
  ) {
    const [updated] = await sql<{ expires_at: Date }[]>`
      update "session"
      set "expiresAt" = now() + make_interval(secs => ${policy.sessionSeconds}), "updatedAt" = now()
      where token = ${token} and "userId" = ${row.user_id} and "expiresAt" > now()
      returning "expiresAt" as expires_at`;
    if (updated) {
      expiresAt = updated.expires_at;
      renewed = true;
    }
  }
  return { user, session: { id: row.session_id, expiresAt }, renewed };
}

/** The session token of a signed cookie value, or null when the signature is wrong. */
export function tokenFromSignedValue(secret: string, value: string): Promise<string | null> {
  return unsign(secret, value);
}

/**
 * Resolves the caller of a request. A Bearer token must be signed, as a cookie must: the signed
 * form sign-in hands out (`set-auth-token`). The raw token is only what the database keeps
 * (`"session".token`), so a copy of that row (a backup, a local user reading the embedded
 * database) is not a credential without the secret.
 */
export async function resolveIdentity(
  sql: Sql,
  secret: string,
  req: Request,
  policy?: SessionPolicy,
  visitors: VisitorPolicy = { visitorSeconds: DEFAULT_VISITOR_SECONDS, secure: false },
): Promise<Identity> {
  const cookies = readCookies(req);
  const hasOurCookies = [...SESSION_COOKIES, ...VISITOR_COOKIES].some((n) => cookies.has(n));

  const authorization = req.headers.get("authorization");
  const bearer = authorization?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  if (bearer) {
    const token = await unsign(secret, bearer);
    const found = token ? await findSession(sql, token, policy) : null;
    if (found) {
      return {
        owner: found.user.id,
        user: found.user,
        session: { ...found.session, via: "bearer" },
        cookieAuthenticated: false,
      };
    }
  }

  for (const name of SESSION_COOKIES) {
    const value = cookies.get(name);
    if (!value) continue;
    const token = await unsign(secret, value);
    const found = token ? await findSession(sql, token, policy) : null;
    if (found) {
      const identity: Identity = {
        owner: found.user.id,
        user: found.user,
        session: { ...found.session, via: "cookie" },
        cookieAuthenticated: true,
      };
      if (found.renewed && policy) {
        // The same signed value, for another full lifetime in the browser too.
        identity.renewedCookie = serializeCookie(name, value, {
          secure: name.startsWith("__Secure-"),
          maxAge: policy.sessionSeconds,
        });
      }
      return identity;
    }
  }

  const visitor = await checkVisitor(sql, secret, req, visitors);
  if (visitor) {
    const identity: Identity = {
      owner: visitorOwner(visitor.id),
      visitorId: visitor.id,
      cookieAuthenticated: hasOurCookies,
    };
    if (visitor.renew) {
      // Seen before the new cookie goes out: the sweep never outruns a cookie it could not see.
      await recordVisitor(sql, visitor.id);
      identity.renewedVisitorCookie = await visitorCookie(secret, visitor.id, {
        secure: visitors.secure,
        maxAge: visitors.visitorSeconds,
      });
    }
    return identity;
  }
  const minted = newVisitorId();
  return { owner: visitorOwner(minted), newVisitorId: minted, cookieAuthenticated: hasOurCookies };
}
