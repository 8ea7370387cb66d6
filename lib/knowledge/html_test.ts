import { deepEqual, equal, ok } from "node:assert/strict";
import { parseHtml } from "./html.ts";

Deno.test("parseHtml - the main content only, cut at headings with their ids", () => {
  const doc = parseHtml(
    `<html><head><title>Page</title><style>.x{}</style></head><body>
      <header>Site header</header><nav>Menu</nav>
      <main><h1>Page</h1><p>Intro <b>bold</b> text.</p>
        <h2 id="one">One</h2><p>First.</p><ul><li>a</li><li>b</li></ul>
        <h3>Sub</h3><p>Deep.</p><script>evil()</script>
        <h2><a name="two"></a>Two</h2><pre>code  line</pre><div hidden>secret</div>
      </main><footer>Foot</footer></body></html>`,
    "fallback",
  );
  equal(doc.title, "Page");
  deepEqual(doc.sections.map((s) => [s.headings.join("/"), s.anchor, s.text]), [
    ["", undefined, "Intro bold text."],
    ["One", "one", "First.\n\na\n\nb"],
    ["One/Sub", undefined, "Deep."],
    ["Two", "two", "```\ncode  line\n```"],
  ]);
  const all = JSON.stringify(doc);
  for (const gone of ["Site header", "Menu", "evil", "secret", "Foot"]) {
    ok(!all.includes(gone), gone);
  }
});

Deno.test("parseHtml - without <main>, the body minus its page header and footer", () => {
  const doc = parseHtml("<body><header>H</header><p>Text</p><footer>F</footer></body>", "Name");
  equal(doc.title, "Name");
  deepEqual(doc.sections.map((s) => s.text), ["Text"]);
});

Deno.test("parseHtml - a fragment without <html> or <body> is read too", () => {
  deepEqual(parseHtml("<h2 id='a'>A</h2><p>Text</p>", "N").sections, [
    { headings: ["A"], anchor: "a", text: "Text" },
  ]);
});
