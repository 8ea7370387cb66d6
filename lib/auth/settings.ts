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
}
