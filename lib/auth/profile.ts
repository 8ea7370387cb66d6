/**
 * Bounds of the profile fields a user gives (name, email, image URL), shared by the sign-up
 * page and the better-auth hook that checks API calls (`guards.ts`).
 * @module
 */

/** Longest name, in characters (the sign-up page says the same). */
export const MAX_NAME_CHARS = 100;
/** Longest email address (RFC 5321's path limit). */
export const MAX_EMAIL_CHARS = 254;
/** Longest profile image URL. */
export const MAX_IMAGE_CHARS = 2048;

/** The error of a profile field out of bounds (`code` names the field), or null. */
export function profileFieldError(
  body: Record<string, unknown>,
  required: boolean,
): { code: string; message: string } | null {
  const { name, email, image } = body;
  if (name !== undefined || required) {
    const chars = typeof name === "string" ? [...name.trim()].length : 0;
    if (chars === 0 || chars > MAX_NAME_CHARS) {
      return { code: "INVALID_NAME", message: `Name: use 1 to ${MAX_NAME_CHARS} characters` };
    }
  }
  if (typeof email === "string" && email.length > MAX_EMAIL_CHARS) {
    return {
      code: "INVALID_EMAIL",
      message: `Email: use at most ${MAX_EMAIL_CHARS} characters`,
    };
  }
  if (typeof image === "string" && image.length > MAX_IMAGE_CHARS) {
    return {
      code: "INVALID_IMAGE",
      message: `Image: use a URL of at most ${MAX_IMAGE_CHARS} characters`,
    };
  }
  return null;
}
