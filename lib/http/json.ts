/**
 * The HTTP edge: a JSON answer from already serialised JSON text.
 * @module
 */

/**
 * A JSON `Response` (status 200 unless given).
 * @example
 * ```ts
 * return jsonResponse(JSON.stringify({ ok: true }));
 * ```
 */
export function jsonResponse(json: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return new Response(json, { ...init, headers });
}
