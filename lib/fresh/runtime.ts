/**
 * What components may import on both sides (Fresh's `$fresh/runtime.ts`).
 * @module
 */

let buildId = "dev";

/** Sets the id that `asset()` appends; the server calls it once at start-up. */
export function setBuildId(id: string): void {
  buildId = id;
}

/** The current build id. */
export function getBuildId(): string {
  return buildId;
}

let clientScripts: Record<string, string> = {};

/** Sets the URLs of the built stand-alone scripts; the server calls it once at start-up. */
export function setClientScripts(scripts: Record<string, string>): void {
  clientScripts = { ...scripts };
}

/** The URL of a built stand-alone script (content-hashed), if there is one of that name. */
export function clientScript(name: string): string | undefined {
  return clientScripts[name];
}

/** The query key that marks a cache-busted static URL. */
export const ASSET_CACHE_KEY = "__frsh_c";

/**
 * Adds the build id to a static file's URL so it can be cached for ever.
 * @example
 * ```tsx
 * <link rel="stylesheet" href={asset("/styles.css")} />
 * ```
 */
export function asset(path: string): string {
  if (!path.startsWith("/") || path.startsWith("//")) return path;
  const url = new URL(path, "http://localhost");
  url.searchParams.set(ASSET_CACHE_KEY, buildId);
  return url.pathname + url.search;
}
