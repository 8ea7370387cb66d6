/**
 * `AuthService`, identity only: better-auth (sessions, sign-in and sign-out), caller
 * resolution (session or visitor), the visitor cookie, and handing a visitor's data to the user
 * who signs in. CORS, CSRF, security headers and rate limits are the HTTP edge's (`lib/http/`).
 * @module
 */
import type { Config } from "../config.ts";
import type { Database } from "../db/mod.ts";
import { withBufferedBody } from "../http/body.ts";
import { log } from "../log.ts";
import type { Settings } from "../settings.ts";
import type { Store } from "../store/mod.ts";
import { clientAddress } from "../http/client_address.ts";
import {
  AUTH_BASE_PATH,
  type BetterAuth,
  CLIENT_ADDRESS_HEADER,
  createBetterAuth,
  useSecureCookies,
} from "./better.ts";
import { mutable, setCookies } from "./cookies.ts";
import {
  checkVisitor,
  clearVisitorCookies,
  DEFAULT_UPDATE_SECONDS,
  findSession,
  type Identity,
  resolveIdentity,
  SESSION_COOKIES,
  type SessionPolicy,
  tokenFromSignedValue,
  visitorCookie,
  visitorOwner,
  type VisitorPolicy,
} from "./identity.ts";

/** Sign-in providers other than email + password that are configured. */
export type SocialProvider = "github" | "google";

/** The outcome of a sign-in, sign-up or sign-out done by a page. */
export type AuthOutcome =
  | { ok: true; headers: Headers; userId?: string; redirectUrl?: string }
  | { ok: false; status: number; code: string; message: string; retryAfterSeconds?: number };

/** The request an auth call is made for, and its connection (a route's `ctx` is one). */
export interface AuthCaller {
  req: Request;
  info?: Deno.ServeHandlerInfo;
}

/** The app's auth service. */
export class AuthService {
  readonly better: BetterAuth;
  readonly allowedOrigins: string[];
  readonly baseUrl?: string;
  readonly trustProxy: boolean;
  readonly socialProviders: SocialProvider[];
  readonly visitorSeconds: number;
  /**
   * Whether our cookies are `Secure` (and `__Secure-` named): the same rule as better-auth's
   * session cookie (`useSecureCookies`), so that both are Secure behind a TLS proxy in production
   * even when neither `BETTER_AUTH_URL` nor `TRUST_PROXY` is set.
   */
  readonly secureCookies: boolean;
  readonly #sql: Database["sql"];
  readonly #secret: string;
  readonly #sessionPolicy: SessionPolicy;
  readonly #visitorPolicy: VisitorPolicy;

  readonly #store: Store;

  constructor(config: Config, settings: Settings, db: Database, store: Store) {
    this.#store = store;
    if (!config.secret) throw new Error("BETTER_AUTH_SECRET is missing (see lib/dev_secrets.ts)");
    this.#sql = db.sql;
    this.#secret = config.secret;
    this.allowedOrigins = config.auth.allowedOrigins;
    this.baseUrl = config.auth.baseUrl;
    this.trustProxy = config.auth.trustProxy;
    this.visitorSeconds = settings.auth.visitorSeconds;
    this.secureCookies = useSecureCookies(config);
    this.#visitorPolicy = { visitorSeconds: this.visitorSeconds, secure: this.secureCookies };
    this.#sessionPolicy = {
      sessionSeconds: settings.auth.sessionSeconds,
      updateSeconds: DEFAULT_UPDATE_SECONDS,
    };
    this.socialProviders = [];
    if (config.auth.github) this.socialProviders.push("github");
    if (config.auth.google) this.socialProviders.push("google");
    this.better = createBetterAuth({
      sql: db.sql,
      secret: config.secret,
      config,
      settings: settings.auth,
    });
  }

  /** Resolves the caller of a request. */
  resolve(req: Request): Promise<Identity> {
    return resolveIdentity(this.#sql, this.#secret, req, this.#sessionPolicy, this.#visitorPolicy);
  }

  /** The visitor id of the request's visitor cookie while it holds (not renewed here). */
  async #visitorOf(req: Request): Promise<string | undefined> {
    return (await checkVisitor(this.#sql, this.#secret, req, this.#visitorPolicy))?.id;
  }

  /** The `Set-Cookie` value that gives a new visitor its cookie. */
  newVisitorCookie(id: string): Promise<string> {
    return visitorCookie(this.#secret, id, {
      secure: this.secureCookies,
      maxAge: this.visitorSeconds,
    });
  }

  /**
   * Serves better-auth's endpoints (`/api/auth/*`). Session tokens are taken out of JSON bodies
   * (API clients read the `set-auth-token` header instead), and a sign-in claims the visitor's
   * threads.
   */
  async handleApi({ req, info }: AuthCaller): Promise<Response> {
    const visitorId = await this.#visitorOf(req);
    // Read here, within the edge's cap and deadline, so that a refused body is our 413/408.
    const buffered = await withBufferedBody(req);
    const headers = new Headers(buffered.headers);
    this.#setAddress(headers, buffered, info);
    const response = mutable(
      await this.better.handler(
        withOwnOrigin(new Request(buffered, { headers }), this.baseUrl),
      ),
    );
    withRetryAfter(response.headers);
    const out = await withoutTokens(response);
    await this.#afterAuth(out.headers, visitorId);
    return out;
  }

  /** Email + password sign-in for the sign-in page. */
  signInEmail(caller: AuthCaller, email: string, password: string): Promise<AuthOutcome> {
    return this.#pageCall(caller, "/sign-in/email", { email, password, rememberMe: true });
  }

  /** Email + password sign-up (signs the new user in at once) for the sign-up page. */
  signUpEmail(
    caller: AuthCaller,
    name: string,
    email: string,
    password: string,
  ): Promise<AuthOutcome> {
    return this.#pageCall(caller, "/sign-up/email", { name, email, password });
  }

  /** Starts a GitHub or Google sign-in: the outcome's `redirectUrl` is the provider's page. */
  signInSocial(
    caller: AuthCaller,
    provider: SocialProvider,
    callbackURL: string,
  ): Promise<AuthOutcome> {
    return this.#pageCall(caller, "/sign-in/social", {
      provider,
      callbackURL,
      disableRedirect: true,
    });
  }

  /** Signs out (deletes the session and its cookie). */
  signOut(caller: AuthCaller): Promise<AuthOutcome> {
    return this.#pageCall(caller, "/sign-out", {});
  }

  /**
   * Sets the client address better-auth keys its limits on (`CLIENT_ADDRESS_HEADER`), in place
   * of any the client sent: the connection's peer, or under `TRUST_PROXY` the proxy's entry.
   */
  #setAddress(headers: Headers, req: Request, info: Deno.ServeHandlerInfo | undefined): void {
    headers.delete(CLIENT_ADDRESS_HEADER);
    const address = clientAddress(req, info, this.trustProxy);
    if (address) headers.set(CLIENT_ADDRESS_HEADER, address);
  }

  /**
   * Calls one of better-auth's endpoints on behalf of a page's POST, as a request to the same
   * origin (so that better-auth derives callback URLs from it), with the caller's cookies and
   * address.
   */
  async #pageCall({ req, info }: AuthCaller, path: string, body: unknown): Promise<AuthOutcome> {
    const visitorId = await this.#visitorOf(req);
    const url = new URL(AUTH_BASE_PATH + path, req.url);
    const headers = new Headers({
      "content-type": "application/json",
      origin: this.baseUrl ?? url.origin,
    });
    for (const name of ["cookie", "user-agent", "accept-language"]) {
      const value = req.headers.get(name);
      if (value) headers.set(name, value);
    }
    this.#setAddress(headers, req, info);
    const response = await this.better.handler(
      new Request(url, { method: "POST", headers, body: JSON.stringify(body) }),
    );
    const text = await response.text();
    let parsed: { code?: string; message?: string; url?: string } = {};
    try {
      parsed = JSON.parse(text);
    } catch { /* not JSON */ }
    if (!response.ok) {
      const retryAfter = Number(
        response.headers.get("retry-after") ?? response.headers.get("x-retry-after"),
      );
      return {
        ok: false,
        status: response.status,
        code: parsed.code ?? (response.status === 429 ? "TOO_MANY_REQUESTS" : "AUTH_FAILED"),
        message: parsed.message ?? "Request failed",
        ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
      };
    }
    const out = new Headers();
    for (const cookie of response.headers.getSetCookie()) out.append("set-cookie", cookie);
    const userId = await this.#afterAuth(out, visitorId);
    return { ok: true, headers: out, userId, redirectUrl: parsed.url };
  }

  /**
   * When `headers` set a new session cookie: claims the visitor's threads for the user and
   * clears the visitor cookie. Returns the signed-in user id, if any.
   */
  async #afterAuth(
    headers: Headers,
    visitorId: string | undefined,
  ): Promise<string | undefined> {
    const session = setCookies(new Response(null, { headers })).find((c) =>
      SESSION_COOKIES.includes(c.name) && c.value !== "" && !/;\s*max-age=0(;|$)/i.test(c.raw)
    );
    if (!session) return undefined;
    const token = await tokenFromSignedValue(this.#secret, decodeURIComponent(session.value));
    const found = token ? await findSession(this.#sql, token) : null;
    if (!found) return undefined;
    if (visitorId) {
      await this.claim(visitorId, found.user.id);
      for (const cookie of clearVisitorCookies(this.secureCookies)) {
        headers.append("set-cookie", cookie);
      }
    }
    return found.user.id;
  }

  /**
   * Moves everything an anonymous visitor owns to a user (the store's `transferOwner`, one
   * transaction). Returns the number of threads moved.
   */
  async claim(visitorId: string, userId: string): Promise<number> {
    const moved = await this.#store.forOwner(visitorOwner(visitorId)).transferOwner(userId);
    if (moved > 0) log.info("visitor threads claimed", { threads: moved });
    return moved;
  }
}

/**
 * better-auth refuses cookie-bearing requests without `Origin`. Our middleware has already
 * applied the app's CSRF rule (a browser's cross-site request is refused; a request with
 * neither `Origin` nor `Sec-Fetch-Site` is a non-browser client and allowed), so such a request
 * is passed on as coming from the app's own origin.
 */
function withOwnOrigin(req: Request, baseUrl: string | undefined): Request {
  if (req.headers.has("origin") || req.headers.has("sec-fetch-site")) return req;
  if (req.method === "GET" || req.method === "HEAD") return req;
  const headers = new Headers(req.headers);
  headers.set("origin", baseUrl ?? new URL(req.url).origin);
  return new Request(req, { headers });
}

/**
 * better-auth's limiter answers 429 with `X-Retry-After` only: `Retry-After` (the standard
 * header clients and proxies know) is added with the same value. Returns the value, if any.
 */
function withRetryAfter(headers: Headers): string | null {
  const seconds = headers.get("retry-after") ?? headers.get("x-retry-after");
  if (seconds && !headers.has("retry-after")) headers.set("retry-after", seconds);
  return seconds;
}

const TOKEN_KEYS = new Set(["token", "accessToken", "refreshToken", "idToken"]);

/** A JSON response with every token-like key removed (other responses are returned as they are). */
async function withoutTokens(response: Response): Promise<Response> {
  if (!(response.headers.get("content-type") ?? "").includes("application/json")) return response;
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return new Response(text, { status: response.status, headers: response.headers });
  }
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(JSON.stringify(strip(body)), { status: response.status, headers });
}

function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => !TOKEN_KEYS.has(k)).map(([k, v]) => [k, strip(v)]),
  );
}
