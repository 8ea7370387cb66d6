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

/**
 * The network a client address stands for in per-address limits: an IPv4 address itself (also
 * when written IPv4-mapped, `::ffff:192.0.2.1`), an IPv6 address its /64 (`2001:db8:0:1::/64`).
 * One IPv6 host usually holds a whole /64 and can pick any address in it, so counting single
 * IPv6 addresses would give it 2^64 budgets. Anything else (a hostname, garbage) is used as it is.
 */
export function addressKey(address: string): string {
  let text = address.trim().toLowerCase();
  if (text.startsWith("[") && text.includes("]")) text = text.slice(1, text.indexOf("]"));
  text = text.replace(/%.*$/, ""); // a zone id (fe80::1%eth0) names an interface, not a host
  if (!text.includes(":")) return text;
  const groups = ipv6Groups(text);
  if (!groups) return text;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  let tail: number[] = [];
  let head = text;
  const v4 = text.match(/^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const bytes = v4.slice(2, 6).map(Number);
    if (bytes.some((b) => b > 255)) return null;
    tail = [(bytes[0] << 8) | bytes[1], (bytes[2] << 8) | bytes[3]];
    head = v4[1].endsWith("::") ? v4[1] : v4[1].slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const left = parse(halves[0]);
  const right = halves.length === 2 ? parse(halves[1]) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  const missing = 8 - tail.length - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [
    ...left.map((g) => parseInt(g, 16)),
    ...Array(halves.length === 2 ? missing : 0).fill(0),
    ...right.map((g) => parseInt(g, 16)),
    ...tail,
  ];
}
