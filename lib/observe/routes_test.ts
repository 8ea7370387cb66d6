import { equal } from "node:assert/strict";
import manifest from "../../fresh.gen.ts";
import { routeMatcher } from "./routes.ts";

Deno.test("routeMatcher - URLs map to their route pattern, never to ids in the path", () => {
  const routeOf = routeMatcher(manifest);
  const at = (path: string) => routeOf(new URL(path, "http://x"));
  equal(at("/"), "/");
  equal(at("/chatkit"), "/chatkit");
  equal(at("/health"), "/health");
  equal(at("/api/auth/sign-in/email"), "/api/auth/:path{.+}");
  equal(at("/_frsh/js/main-ABC.js"), "static");
  equal(at("/styles.css"), "static");
  equal(at("/no/such/page"), "unmatched");
});
