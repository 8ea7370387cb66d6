/**
 * The HTTP edge: the client's network address, for per-address limits.
 * @module
 */

/**
 * The client's address: the peer address (`ctx.info`), or behind a trusted proxy
 * (`TRUST_PROXY`) the last `X-Forwarded-For` entry (the one the proxy added).
 */
export function clientAddress(
  req: Request,
  info: Deno.ServeHandlerInfo | undefined,
  trustProxy: boolean,
): string | undefined {
  if (trustProxy) {
    const forwarded = req.headers.get("x-forwarded-for")?.split(",").map((s) => s.trim())
      .filter(Boolean).at(-1);
    if (forwarded) return forwarded;
  }
  const addr = info?.remoteAddr as Deno.NetAddr | undefined;
  return addr?.hostname || undefined;
}
