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

/** Sign-in options with every default filled in. */
export interface ResolvedAuthSettings {
  requireEmailVerification: boolean;
  sendVerificationEmail?: (email: VerificationEmail) => Promise<void>;
  minPasswordLength: number;
  sessionSeconds: number;
  visitorSeconds: number;
}

/** The defaults of the `auth` section. */
export const DEFAULT_AUTH_SETTINGS: ResolvedAuthSettings = {
  requireEmailVerification: false,
  minPasswordLength: 8,
  // A sign-in lasts 7 days; a visitor cookie 30 days.
  sessionSeconds: 7 * 24 * 60 * 60,
  visitorSeconds: 30 * 24 * 60 * 60,
};
