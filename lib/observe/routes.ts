/**
 * The route pattern a URL belongs to, for log lines and metric labels: the `routes/` file's
 * pattern (`/chatkit/upload/:id`), `static` for files and built client code, `unmatched`
 * otherwise. Labels therefore never carry ids from the path, and their number stays bounded.
 * @module
 */
import { CLIENT_PREFIX } from "../fresh/snapshot.ts";
import { compareRoutePatterns, routeFileKind } from "../fresh/router.ts";
import type { Manifest } from "../fresh/types.ts";

/** Builds the matcher for a manifest's routes. */
export function routeMatcher(manifest: Manifest): (url: URL) => string {
  const patterns = Object.keys(manifest.routes)
    .map((key) => ({ key, kind: routeFileKind(key) }))
    .flatMap(({ key, kind }) =>
      kind.kind === "route" ? [manifest.routes[key].config?.routeOverride ?? kind.pattern] : []
    )
    .sort(compareRoutePatterns)
    .map((pattern) => ({
      pattern,
      // Hono's `:rest{.+}` is URLPattern's `:rest(.+)`.
      matcher: new URLPattern({ pathname: pattern.replace(/\{\.\+\}/g, "(.+)") }),
    }));
  // Patterns without parameters match exactly their own path: one lookup, not a URLPattern test
  // per pattern until one matches (each request pays this, for its log line and metrics).
  const exact = new Set(patterns.map((p) => p.pattern).filter((p) => /^[\w/.~-]*$/.test(p)));
  return (url) => {
    if (url.pathname.startsWith(CLIENT_PREFIX)) return "static";
    if (exact.has(url.pathname)) return url.pathname;
    for (const { pattern, matcher } of patterns) {
      if (matcher.test({ pathname: url.pathname })) return pattern;
    }
    return /\.[a-z0-9]+$/i.test(url.pathname) ? "static" : "unmatched";
  };
}
