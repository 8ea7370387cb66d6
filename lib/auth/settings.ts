/**
 * The `auth` and `rateLimit` sections of `fresh.config.ts`.
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
}

/** Limits on new messages (`0` turns one off). */
export interface RateLimitSettings {
  /** Per signed-in user or anonymous visitor, per minute. */
  perMinute: number;
  /** Per signed-in user or anonymous visitor, per UTC day. */
  perDay: number;
  /** Per client address, per minute. */
  perAddressPerMinute: number;
  /** Per client address, per UTC day. */
  perAddressPerDay: number;
}

/** Defaults used for keys that `fresh.config.ts` leaves out. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = {
  perMinute: 60,
  perDay: 1000,
  perAddressPerMinute: 300,
  perAddressPerDay: 5000,
};
