/**
 * Reading the `Cookie` header and writing `Set-Cookie` values.
 * @module
 */

/** The cookies of a request, by name (the first of duplicates wins, as browsers send the most specific first). */
export function readCookies(req: Request): Map<string, string> {
  const out = new Map<string, string>();
  const header = req.headers.get("cookie");
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}

/** Attributes of a cookie we set. */
export interface CookieOptions {
  maxAge: number;
  secure: boolean;
}

/** A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/. `maxAge: 0` deletes the cookie. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAge))}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Returns a response whose headers can be changed: responses made by `Response.redirect()` or
 * `fetch()` have immutable headers, so those are copied into a new response.
 */
export function mutable(response: Response): Response {
  try {
    response.headers.set("x-probe", "1");
    response.headers.delete("x-probe");
    return response;
  } catch {
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: new Headers(response.headers),
    });
  }
}

/** The `name=value` pairs a response sets (value still URL-encoded). */
export function setCookies(response: Response): { name: string; value: string; raw: string }[] {
  return response.headers.getSetCookie().map((raw) => {
    const first = raw.split(";")[0];
    const eq = first.indexOf("=");
    return { name: first.slice(0, eq).trim(), value: first.slice(eq + 1).trim(), raw };
  });
}
