/**
 * The embed service: which origins may embed the assistant (`ALLOWED_ORIGINS`), the start-up
 * exchange that gives an embed its visitor token, the Bearer credentials of embeds, and the
 * grants handed over by the sign-in popup.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { newVisitorId, recordVisitor, visitorOwner } from "../auth/identity.ts";
import { countMint } from "./mint_limit.ts";
import type { EmbedSettings } from "./settings.ts";
import type { EmbedUser, StartRequest, StartResponse } from "./protocol.ts";
import {
  EMBED_PATHS,
  EmbedGrants,
  GRANT_PREFIX,
  type GrantOwner,
  isEmbedCredential,
  signVisitorToken,
  verifyVisitorToken,
  VISITOR_TOKEN_PREFIX,
} from "./tokens.ts";

/** The caller behind an embed's Bearer credential. */
export type EmbedIdentity =
  | { kind: "embed-visitor"; owner: string; visitorId: string; origin: string }
  | {
    kind: "embed-user";
    owner: string;
    user: GrantOwner["user"];
    origin: string;
    grantId: string;
  };

/** What resolving an `Authorization` header found. */
export type EmbedResolution =
  /** Not an embed credential (a session token, or none): the usual resolution applies. */
  | { kind: "none" }
  /** An embed credential that does not hold here (wrong path, origin, forged, expired, revoked). */
  | { kind: "invalid" }
  | { kind: "ok"; identity: EmbedIdentity };

/** A visitor token in use is renewed once it has been out for more than a day. */
const RENEWAL_AGE_SECONDS = 24 * 60 * 60;

export interface EmbedServiceOptions {
  sql: Sql;
  secret: string;
  allowedOrigins: string[];
  settings: EmbedSettings;
}

export class EmbedService {
  readonly settings: EmbedSettings;
  readonly grants: EmbedGrants;
  readonly #sql: Sql;
  readonly #secret: string;
  readonly #allowed: Set<string>;

  constructor(options: EmbedServiceOptions) {
    this.#sql = options.sql;
    this.#secret = options.secret;
    this.#allowed = new Set(options.allowedOrigins);
    this.settings = options.settings;
    this.grants = new EmbedGrants(options.sql);
  }

  /** True when `origin` may use the embed. */
  allows(origin: string | null | undefined): origin is string {
    return typeof origin === "string" && this.#allowed.has(origin);
  }

  /**
   * The start-up exchange for an allowed `origin`: the visitor token the embed sent back when it
   * still holds, else a new visitor (counted against the address's mint limit), and the user
   * of the grant it sent when that still holds.
   */
  async start(origin: string, body: StartRequest, address?: string): Promise<StartResponse> {
    let claims = body.visitorToken
      ? await verifyVisitorToken(this.#secret, body.visitorToken, origin)
      : null;
    let visitorToken = body.visitorToken ?? "";
    const renewBelow = (this.settings.visitorSeconds - RENEWAL_AGE_SECONDS) * 1000;
    if (claims && claims.expiresAt.getTime() - Date.now() < renewBelow) {
      // In use: another full lifetime, as the visitor cookie gets (same visitor, same threads).
      // Seen before the token goes out, as the visitor cookie's renewal is: the sweep of
      // unreachable visitor threads keeps this visitor's threads while the token may hold.
      await recordVisitor(this.#sql, claims.visitorId);
      visitorToken = await this.signVisitor(claims.visitorId, origin);
      claims = (await verifyVisitorToken(this.#secret, visitorToken, origin))!;
    }
    if (!claims) {
      if (address) await countMint(this.#sql, address, this.settings.mintLimits);
      const visitorId = newVisitorId();
      await recordVisitor(this.#sql, visitorId);
      visitorToken = await this.signVisitor(visitorId, origin);
      claims = (await verifyVisitorToken(this.#secret, visitorToken, origin))!;
    }
    const out: StartResponse = {
      visitorToken,
      visitorId: claims.visitorId,
      expiresAt: claims.expiresAt.toISOString(),
    };
    if (body.grant) {
      const grant = await this.grants.verify(body.grant, origin);
      if (grant) out.user = embedUser(grant.user);
    }
    return out;
  }

  /** A new visitor token for `visitorId` on `origin`. */
  signVisitor(visitorId: string, origin: string): Promise<string> {
    return signVisitorToken(this.#secret, {
      visitorId,
      origin,
      seconds: this.settings.visitorSeconds,
    });
  }

  /** The visitor id of a visitor token minted for `origin`, if it holds. */
  async visitorOf(token: string, origin: string): Promise<string | undefined> {
    return (await verifyVisitorToken(this.#secret, token, origin))?.visitorId;
  }

  /**
   * Resolves an embed's `Authorization: Bearer` credential. It holds only on the protocol
   * endpoint and its upload/preview routes, and only when sent by a page of an allowed origin
   * that is the origin it was minted for.
   */
  async resolve(req: Request, pathname: string): Promise<EmbedResolution> {
    const bearer = bearerToken(req);
    if (!bearer || !isEmbedCredential(bearer)) return { kind: "none" };
    const origin = req.headers.get("origin");
    if (!EMBED_PATHS.test(pathname) || !this.allows(origin)) return { kind: "invalid" };
    if (bearer.startsWith(VISITOR_TOKEN_PREFIX)) {
      const claims = await verifyVisitorToken(this.#secret, bearer, origin);
      if (!claims) return { kind: "invalid" };
      return {
        kind: "ok",
        identity: {
          kind: "embed-visitor",
          owner: visitorOwner(claims.visitorId),
          visitorId: claims.visitorId,
          origin,
        },
      };
    }
    if (bearer.startsWith(GRANT_PREFIX)) {
      const grant = await this.grants.verify(bearer, origin);
      if (!grant) return { kind: "invalid" };
      return {
        kind: "ok",
        identity: {
          kind: "embed-user",
          owner: grant.user.id,
          user: grant.user,
          origin,
          grantId: grant.grantId,
        },
      };
    }
    return { kind: "invalid" };
  }
}

/** The Bearer value of a request's `Authorization` header, if any. */
export function bearerToken(req: Request): string | undefined {
  return req.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** The user as the embed shows it. */
export function embedUser(user: { id: string; name: string; email: string }): EmbedUser {
  return { id: user.id, name: user.name || user.email };
}
