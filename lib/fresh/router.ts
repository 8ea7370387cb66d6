/**
 * Maps file names in `routes/` to URL patterns, following Fresh's file-routing rules.
 * @module
 */

/** The special files of `routes/` (not URLs of their own). */
export type SpecialFile = "_app" | "_middleware" | "_404" | "_500";

/** What a `routes/` file is: a URL route or one of the special files scoped to a folder. */
export type RouteFileKind =
  | { kind: "route"; pattern: string }
  | { kind: SpecialFile; scope: string };

/**
 * Classifies a manifest key such as `./routes/chatkit/upload/[id].ts`.
 * @example
 * ```ts
 * routeFileKind("./routes/index.tsx"); // { kind: "route", pattern: "/" }
 * routeFileKind("./routes/api/auth/[...path].ts"); // { kind: "route", pattern: "/api/auth/:path{.+}" }
 * ```
 */
export function routeFileKind(key: string): RouteFileKind {
  const path = key.replace(/^\.\/routes\//, "").replace(/\.(tsx|ts|jsx|js)$/, "");
  const segments = path.split("/");
  const last = segments[segments.length - 1];
  const folder = segments.slice(0, -1).filter((s) => !/^\(.*\)$/.test(s));
  const scope = "/" + folder.map(segmentPattern).join("/");
  if (last === "_app" || last === "_middleware" || last === "_404" || last === "_500") {
    return { kind: last, scope: scope === "/" ? "/" : scope };
  }
  const parts = [...folder, last].filter((s) => s !== "index" && !/^\(.*\)$/.test(s));
  return { kind: "route", pattern: "/" + parts.map(segmentPattern).join("/") };
}

function segmentPattern(segment: string): string {
  const rest = segment.match(/^\[\.\.\.(\w+)\]$/);
  if (rest) return `:${rest[1]}{.+}`;
  const param = segment.match(/^\[(\w+)\]$/);
  if (param) return `:${param[1]}`;
  return segment;
}

/**
 * Orders route patterns so that static ones win over dynamic ones and catch-alls come last,
 * as Fresh does.
 */
export function compareRoutePatterns(a: string, b: string): number {
  return rank(a) - rank(b) || b.length - a.length || a.localeCompare(b);
}

function rank(pattern: string): number {
  if (pattern.includes("{.+}") || pattern.includes("*")) return 2;
  if (pattern.includes(":")) return 1;
  return 0;
}
