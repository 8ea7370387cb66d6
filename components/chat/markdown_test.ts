import { equal } from "node:assert/strict";
import { imageAllowed } from "./markdown.ts";

const PAGE = "https://chat.example.org/some/page";

Deno.test("imageAllowed - the page's origin and allowed domains only", () => {
  const cases: [string, string[], boolean][] = [
    ["/static/logo.png", [], true],
    ["https://chat.example.org/a.png", [], true],
    ["https://attacker.example/leak?secret=1", [], false],
    ["https://attacker.example/leak?secret=1", ["example.org"], false],
    ["https://img.example.com/a.png", ["example.com"], true],
    ["https://example.com/a.png", ["example.com"], true],
    ["https://badexample.com/a.png", ["example.com"], false],
    ["https://example.com.attacker.example/a.png", ["example.com"], false],
    ["http://chat.example.org:8080/a.png", [], false],
    ["//attacker.example/a.png", [], false],
    ["javascript:alert(1)", ["example.com"], false],
    ["data:image/png;base64,iVBORw0KGgo=", [], true],
    ["data:text/html;base64,PHA+", [], false],
    // Ports: a bare host is its default port only (as in the CSP); `host:port` names one.
    ["https://img.example.com:8443/a.png", ["example.com"], false],
    ["http://localhost:9000/a.png", ["localhost:9000"], true],
    ["http://localhost:9001/a.png", ["localhost:9000"], false],
    ["http://img.localhost:9000/a.png", ["*.localhost:9000"], true],
  ];
  for (const [src, domains, expected] of cases) {
    equal(imageAllowed(src, domains, PAGE), expected, `${src} with ${domains}`);
  }
});
