/**
 * The `fetch` every protocol request goes through (also handed to `<openai-chatkit>` as
 * `api.fetch`): it sends the session cookie, or a Bearer token for cross-origin embeds, and
 * passes the caller's headers (content type, `Accept-Language`) through untouched.
 * @module
 */

export interface ApiFetchOptions {
  /** A Bearer token (cross-origin embeds); unset → cookies only. */
  authToken?: string;
  /** The underlying fetch (default: the global one). */
  baseFetch?: typeof fetch;
}

/** Builds the authenticated fetch. */
export function createApiFetch(options: ApiFetchOptions = {}): typeof fetch {
  const { authToken } = options;
  return (input: RequestInfo | URL, init: RequestInit = {}) => {
    const base = options.baseFetch ?? globalThis.fetch;
    const headers = new Headers(init.headers);
    if (authToken && !headers.has("authorization")) {
      headers.set("authorization", `Bearer ${authToken}`);
    }
    // With a token the request carries its own credentials: no cookies to a foreign origin.
    const credentials: RequestCredentials = authToken ? "omit" : "include";
    return base(input, { ...init, headers, credentials });
  };
}
