/**
 * Serves `static/`: content type by extension, ETag with `If-None-Match` → 304, and
 * `asset()` URLs cached for a year (a stale build id is redirected to the plain URL).
 * @module
 */
import { extname, join, normalize } from "node:path";
import { ASSET_CACHE_KEY, getBuildId } from "./runtime.ts";

const CONTENT_TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".woff2": "font/woff2",
  ".webmanifest": "application/manifest+json",
};

interface CachedFile {
  mtime: number;
  etag: string;
  body: Uint8Array<ArrayBuffer>;
}

/** Returns a function that answers a request from `dir`, or null when no file matches. */
export function staticFiles(dir: string): (req: Request, url: URL) => Promise<Response | null> {
  const cache = new Map<string, CachedFile>();
  return async (req, url) => {
    if (req.method !== "GET" && req.method !== "HEAD") return null;
    const path = safePath(dir, url.pathname);
    if (!path) return null;
    const file = await load(cache, path);
    if (!file) return null;
    const key = url.searchParams.get(ASSET_CACHE_KEY);
    if (key !== null && key !== getBuildId()) {
      return new Response(null, { status: 307, headers: { location: url.pathname } });
    }
    const headers = new Headers({
      "content-type": CONTENT_TYPES[extname(path)] ?? "application/octet-stream",
      etag: file.etag,
      "cache-control": key !== null ? "public, max-age=31536000, immutable" : "no-cache",
    });
    if (req.headers.get("if-none-match") === file.etag) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(req.method === "HEAD" ? null : file.body, { headers });
  };
}

function safePath(dir: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const path = normalize(join(dir, decoded));
  return path.startsWith(normalize(dir) + "/") ? path : null;
}

async function load(cache: Map<string, CachedFile>, path: string): Promise<CachedFile | null> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch {
    return null;
  }
  if (!stat.isFile) return null;
  const mtime = stat.mtime?.getTime() ?? 0;
  const cached = cache.get(path);
  if (cached && cached.mtime === mtime) return cached;
  const body = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", body));
  const etag = `"${
    Array.from(digest.slice(0, 10), (b) => b.toString(16).padStart(2, "0")).join("")
  }"`;
  const file = { mtime, etag, body };
  cache.set(path, file);
  return file;
}
