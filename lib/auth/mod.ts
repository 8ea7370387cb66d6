/**
 * Identity (entry point): who is calling — a signed-in user (session cookie or Bearer token) or
 * an anonymous visitor (signed cookie) — and signing in and out. `AuthService` (`service.ts`) is
 * built once in `lib/services.ts`; `identity.ts` resolves a request; `better.ts` wraps
 * better-auth. CORS, CSRF, security headers and rate limits are the HTTP edge's (`lib/http/`).
 * @module
 */
export { type AuthOutcome, AuthService, type SocialProvider } from "./service.ts";
export type { AuthSession, AuthUser, Identity } from "./identity.ts";
