/**
 * The `auth` section of `fresh.config.ts`.
 * @module
 */

/** What better-auth hands to `sendVerificationEmail`. */
export interface VerificationEmail {
  user: { id: string; email: string; name: string };
  /** The link that verifies the address. */
  url: string;
}

/** Sign-in options. */
export interface AuthSettings {
  /**
   * Require a verified email address before a password sign-in works (default false). Only
   * takes effect together with `sendVerificationEmail`, which must deliver the link.
   */
  requireEmailVerification?: boolean;
  /** Delivers a verification link (e.g. through your mail provider's HTTP API). */
  sendVerificationEmail?: (email: VerificationEmail) => Promise<void>;
  /** Shortest password accepted at sign-up (default 8). */
  minPasswordLength?: number;
  /** How long a sign-in lasts, in seconds (default 7 days). */
  sessionSeconds?: number;
  /** How long the anonymous visitor cookie lasts, in seconds (default 30 days). */
  visitorSeconds?: number;
  /** Brute-force limits on sign-in and sign-up (see `SignInLimits`). */
  signInLimits?: {
    perAddress?: Partial<SignInLimits["perAddress"]>;
    perAccount?: Partial<SignInLimits["perAccount"]>;
  };
}

/**
 * Brute-force limits, kept in Postgres so that every instance shares them.
 *
 * - `perAddress`: better-auth's own limiter on sign-in, sign-up and password or email changes,
 *   per client address (an IPv6 client's /64): at most `max` requests, then a 429 until
 *   `windowSeconds` have passed since the last one it allowed.
 * - `perAccount`: a slow-down per account *and* address: after `freeAttempts` sign-ins that did
 *   not succeed, each next try from that address must wait `delaySeconds`, doubling up to
 *   `maxDelaySeconds`; a success ends it. Keyed by address too so that an attacker hammering
 *   someone's account never locks its owner out, who signs in from their own address.
 */
export interface SignInLimits {
  perAddress: { max: number; windowSeconds: number };
  perAccount: { freeAttempts: number; delaySeconds: number; maxDelaySeconds: number };
}

/** Sign-in options with every default filled in. */
export interface ResolvedAuthSettings {
  requireEmailVerification: boolean;
  sendVerificationEmail?: (email: VerificationEmail) => Promise<void>;
  minPasswordLength: number;
  sessionSeconds: number;
  visitorSeconds: number;
  signInLimits: SignInLimits;
}

/** The defaults of the `auth` section. */
export const DEFAULT_AUTH_SETTINGS: ResolvedAuthSettings = {
  requireEmailVerification: false,
  minPasswordLength: 8,
  // A sign-in lasts 7 days; a visitor cookie 30 days.
  sessionSeconds: 7 * 24 * 60 * 60,
  visitorSeconds: 30 * 24 * 60 * 60,
  signInLimits: {
    // better-auth's own defaults for these paths.
    perAddress: { max: 3, windowSeconds: 10 },
    perAccount: { freeAttempts: 5, delaySeconds: 30, maxDelaySeconds: 60 * 60 },
  },
};

/** The `auth` section with every default filled in (`signInLimits` merged key by key). */
export function resolveAuthSettings(input: AuthSettings | undefined): ResolvedAuthSettings {
  const d = DEFAULT_AUTH_SETTINGS;
  const { signInLimits, ...rest } = input ?? {};
  const out: ResolvedAuthSettings = { ...d, ...defined(rest) };
  out.signInLimits = {
    perAddress: { ...d.signInLimits.perAddress, ...defined(signInLimits?.perAddress) },
    perAccount: { ...d.signInLimits.perAccount, ...defined(signInLimits?.perAccount) },
  };
  return out;
}

function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
