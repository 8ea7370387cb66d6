/**
 * The helpers of the sign-in and sign-up pages' POST handlers: form body parsing (capped),
 * field validation and safe redirects.
 * @module
 */
import { BadRequestError } from "../../lib/errors.ts";
import { readBodyCapped } from "../../lib/http/body.ts";
import type { AuthOutcome, SocialProvider } from "../../lib/auth/mod.ts";
import { MAX_EMAIL_CHARS, MAX_NAME_CHARS } from "../../lib/auth/profile.ts";

export type FieldErrors = Partial<Record<"name" | "email" | "password" | "form", string>>;

/** What a sign-in or sign-up page renders. */
export interface AuthFormData {
  values: { name?: string; email?: string };
  errors: FieldErrors;
  next: string;
  providers: SocialProvider[];
}

const MAX_FORM_BYTES = 16 * 1024;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads an `application/x-www-form-urlencoded` form body, capped at 16 KiB (multipart never gets
 * here: the edge accepts it on the upload routes only, lib/http/body_guard.ts).
 */
export async function readForm(req: Request): Promise<URLSearchParams> {
  const type = req.headers.get("content-type") ?? "";
  const body = await readBodyCapped(req, MAX_FORM_BYTES);
  if (!type.startsWith("application/x-www-form-urlencoded") && body.byteLength > 0 && !type) {
    throw new BadRequestError("Expected a form");
  }
  return new URLSearchParams(new TextDecoder().decode(body));
}

/** A same-site path to go to after signing in: only `/…` paths, never `//host` or `/\host`. */
export function safeNext(value: string | null | undefined): string {
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return "/";
  }
  // Control characters (tabs, newlines) are dropped by URL parsers: `/\t/evil` would be `//evil`.
  for (const c of value) if (c.charCodeAt(0) < 0x20 || c === "\u007f") return "/";
  return value;
}

/** Checks the sign-in fields. */
export function validateSignIn(email: string, password: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!email) errors.email = "Enter your email address.";
  else if (!EMAIL.test(email)) errors.email = "Enter an email address like name@example.com.";
  if (!password) errors.password = "Enter your password.";
  return errors;
}

/** Checks the sign-up fields. */
export function validateSignUp(
  name: string,
  email: string,
  password: string,
  minPasswordLength: number,
): FieldErrors {
  const errors: FieldErrors = {};
  if (!name) errors.name = "Enter your name.";
  else if ([...name].length > MAX_NAME_CHARS) {
    errors.name = `Use at most ${MAX_NAME_CHARS} characters.`;
  }
  if (!email) errors.email = "Enter your email address.";
  else if (!EMAIL.test(email) || email.length > MAX_EMAIL_CHARS) {
    errors.email = "Enter an email address like name@example.com.";
  }
  if (!password) errors.password = "Choose a password.";
  else if (password.length < minPasswordLength) {
    errors.password = `Use at least ${minPasswordLength} characters.`;
  } else if (password.length > 128) errors.password = "Use at most 128 characters.";
  return errors;
}

/**
 * A refused sign-in or sign-up that was rate limited (too many tries from this address, or at
 * this account from this address): what the page says, and its `Retry-After`.
 */
export function tooManyAttempts(
  outcome: AuthOutcome,
): { message: string; headers: HeadersInit } | null {
  if (outcome.ok || outcome.status !== 429) return null;
  const seconds = Math.max(1, Math.ceil(outcome.retryAfterSeconds ?? 60));
  const wait = seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
  return {
    message: `Too many attempts. Try again in ${wait}.`,
    headers: { "retry-after": String(seconds) },
  };
}
