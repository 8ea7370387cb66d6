/**
 * better-auth, configured for this app: our postgres.js client (through kysely-postgres-js, so
 * the embedded database's single connection is shared), email + password, GitHub and Google
 * when their credentials are set, Bearer tokens, and its log lines routed to ours.
 *
 * Its tables come from `migrations/0002_auth.sql` (our runner applies it); the SQL was generated
 * with better-auth's `compileMigrations()` (see `authMigrationSql`).
 * @module
 */
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { bearer } from "better-auth/plugins/bearer";
import { authGuards } from "./guards.ts";
import { PostgresJSDialect } from "kysely-postgres-js";
import type { Config } from "../config.ts";
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import { DEFAULT_AUTH_SETTINGS, type ResolvedAuthSettings } from "./settings.ts";

/** Where better-auth's endpoints are mounted. */
export const AUTH_BASE_PATH = "/api/auth";

/**
 * The one request header better-auth reads the client address from (its limiter's key, the
 * session's `ipAddress`). `AuthService` sets it from the connection (or, under `TRUST_PROXY`,
 * the proxy's `X-Forwarded-For` entry) and drops any copy the client sent, so that a client
 * cannot pick its own key by sending `X-Forwarded-For`.
 */
export const CLIENT_ADDRESS_HEADER = "x-chatkit-client-address";

/** The paths `signInLimits.perAddress` applies to (better-auth's own list of sensitive ones). */
const GUARDED_PATHS = ["/sign-in/*", "/sign-up/*", "/change-password", "/change-email"];

/** Default lifetime of a sign-in. */
export const DEFAULT_SESSION_SECONDS = DEFAULT_AUTH_SETTINGS.sessionSeconds;

/**
 * Whether the app's cookies (better-auth's session cookie and our visitor cookie alike) are
 * `Secure` and `__Secure-` named: when the app's public URL (`BETTER_AUTH_URL`) is https, or,
 * without one, in production — better-auth's own rule (its `createCookieGetter`: baseURL's
 * scheme, else `isProduction`), with our mode standing in for `NODE_ENV`. It does not depend on
 * the request: behind a TLS proxy the app may see plain http, and a cookie that is Secure only
 * when a proxy says so could leak over http.
 */
export function useSecureCookies(config: Pick<Config, "auth" | "mode">): boolean {
  const baseUrl = config.auth.baseUrl;
  return baseUrl ? baseUrl.startsWith("https:") : config.mode === "production";
}

/** What better-auth needs from the app. */
export interface BetterAuthInput {
  sql: Sql;
  secret: string;
  config: Config;
  settings: ResolvedAuthSettings;
}

function options({ sql, secret, config, settings }: BetterAuthInput) {
  const send = settings.sendVerificationEmail;
  const socialProviders: Record<string, { clientId: string; clientSecret: string }> = {};
  if (config.auth.github) socialProviders.github = { ...config.auth.github };
  if (config.auth.google) socialProviders.google = { ...config.auth.google };
  const baseUrl = config.auth.baseUrl;
  const limits = settings.signInLimits;
  return {
    database: { dialect: new PostgresJSDialect({ postgres: sql }), type: "postgres" as const },
    secret,
    // Unset → better-auth takes the origin each request was sent to.
    baseURL: baseUrl,
    basePath: AUTH_BASE_PATH,
    trustedOrigins: config.auth.allowedOrigins,
    emailAndPassword: {
      enabled: true,
      autoSignIn: true,
      minPasswordLength: settings.minPasswordLength,
      requireEmailVerification: settings.requireEmailVerification && Boolean(send),
    },
    emailVerification: send
      ? {
        sendOnSignUp: settings.requireEmailVerification,
        sendVerificationEmail: ({ user, url }: { user: VerificationUser; url: string }) =>
          send({ user: { id: user.id, email: user.email, name: user.name }, url }),
      }
      : undefined,
    socialProviders,
    session: { expiresIn: settings.sessionSeconds },
    // Only the signed token (`set-auth-token`) works as a Bearer token: the raw one is what the
    // database keeps, and a copy of a "session" row must not be a credential.
    plugins: [bearer({ requireSignature: true }), authGuards(sql, limits.perAccount)],
    // On in every mode (better-auth's default is production only), stored in the "rateLimit"
    // table (migrations/0006) so that all instances count together.
    rateLimit: {
      enabled: true,
      storage: "database" as const,
      customRules: Object.fromEntries(GUARDED_PATHS.map((path) => [path, {
        max: limits.perAddress.max,
        window: limits.perAddress.windowSeconds,
      }])),
    },
    telemetry: { enabled: false },
    advanced: {
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
      useSecureCookies: useSecureCookies(config),
    },
    logger: {
      level: "info" as const,
      log(level: "debug" | "info" | "warn" | "error", message: string, ...args: unknown[]) {
        // Only the message and error messages: never the arguments (they may hold user data).
        const error = args.find((a): a is Error => a instanceof Error);
        const fields = error ? { error: error.message } : undefined;
        const text = `better-auth: ${message.replace(/^\[better-auth\]\s*/, "")}`;
        if (/Base URL is not set/.test(message)) return; // by design: see `baseURL` above
        log[level](text, fields);
      },
    },
  };
}

interface VerificationUser {
  id: string;
  email: string;
  name: string;
}

/** Builds the better-auth instance. */
export function createBetterAuth(input: BetterAuthInput) {
  return betterAuth(options(input));
}

/** The better-auth instance type of this app. */
export type BetterAuth = ReturnType<typeof createBetterAuth>;

/**
 * The DDL better-auth would still run against the database (empty when
 * `migrations/0002_auth.sql` created everything it needs).
 */
export async function authMigrationSql(input: BetterAuthInput): Promise<string> {
  const { compileMigrations } = await getMigrations(options(input));
  // With nothing to do it compiles to a lone ";".
  return (await compileMigrations()).replace(/^[\s;]+$/, "").trim();
}
