import { deepEqual as assertEquals } from "node:assert/strict";
import { compareRoutePatterns, routeFileKind } from "./router.ts";

Deno.test("routeFileKind - maps file names to Fresh URL patterns", () => {
  assertEquals(routeFileKind("./routes/index.tsx"), { kind: "route", pattern: "/" });
  assertEquals(routeFileKind("./routes/health.ts"), { kind: "route", pattern: "/health" });
  assertEquals(routeFileKind("./routes/auth/signin.tsx"), {
    kind: "route",
    pattern: "/auth/signin",
  });
  assertEquals(routeFileKind("./routes/chatkit/upload/[id].ts"), {
    kind: "route",
    pattern: "/chatkit/upload/:id",
  });
  assertEquals(routeFileKind("./routes/api/auth/[...path].ts"), {
    kind: "route",
    pattern: "/api/auth/:path{.+}",
  });
  assertEquals(routeFileKind("./routes/(marketing)/about.tsx"), {
    kind: "route",
    pattern: "/about",
  });
  assertEquals(routeFileKind("./routes/blog/index.tsx"), { kind: "route", pattern: "/blog" });
});

Deno.test("routeFileKind - recognises special files and their folder scope", () => {
  assertEquals(routeFileKind("./routes/_app.tsx"), { kind: "_app", scope: "/" });
  assertEquals(routeFileKind("./routes/_middleware.ts"), { kind: "_middleware", scope: "/" });
  assertEquals(routeFileKind("./routes/api/_middleware.ts"), {
    kind: "_middleware",
    scope: "/api",
  });
  assertEquals(routeFileKind("./routes/_404.tsx"), { kind: "_404", scope: "/" });
  assertEquals(routeFileKind("./routes/_500.tsx"), { kind: "_500", scope: "/" });
});

Deno.test("compareRoutePatterns - static before dynamic before catch-all", () => {
  const sorted = ["/api/auth/:path{.+}", "/chatkit/upload/:id", "/chatkit", "/"].sort(
    compareRoutePatterns,
  );
  assertEquals(sorted, ["/chatkit", "/", "/chatkit/upload/:id", "/api/auth/:path{.+}"]);
});
