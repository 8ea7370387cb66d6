import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { AnchorSet, slugify } from "./anchors.ts";
import { parseMarkdown, splitFrontMatter, stripMdx } from "./markdown.ts";

Deno.test("parseMarkdown - front matter title and slug; the matching h1 is not a section", () => {
  const doc = parseMarkdown(
    "---\ntitle: Hello\nslug: /hi\n---\n# Hello\n\nIntro text.\n\n## Part *one*\n\nBody [link](x).\n",
    "fallback",
  );
  equal(doc.title, "Hello");
  equal(doc.slug, "/hi");
  deepEqual(doc.sections, [
    { headings: [], anchor: "hello", text: "Intro text." },
    { headings: ["Part one"], anchor: "part-one", text: "Body link." },
  ]);
});

Deno.test("parseMarkdown - nested headings, explicit anchors, lists, tables and code", () => {
  const doc = parseMarkdown(
    "# T\n\n## A {#custom}\n\n- one\n- two\n\n### B\n\n| k | v |\n|---|---|\n| x | y |\n\n```sh\nrun me\n```\n\n## A\n\ntext\n",
    "f",
  );
  deepEqual(doc.sections.map((s) => [s.headings.join("/"), s.anchor]), [
    ["A", "custom"],
    ["A/B", "b"],
    ["A", "a"],
  ]);
  equal(doc.sections[0].text, "- one\n- two");
  ok(doc.sections[1].text.includes("k | v\nx | y"));
  ok(doc.sections[1].text.includes("```\nrun me\n```"));
});

Deno.test("parseMarkdown - no title anywhere falls back to the given name", () => {
  equal(parseMarkdown("just text", "From name").title, "From name");
});

Deno.test("splitFrontMatter - bad YAML is a clear error", () => {
  throws(
    () => splitFrontMatter("---\ntitle: [unclosed\n---\nbody"),
    /front matter is not valid YAML/,
  );
});

Deno.test("stripMdx - ESM and JSX go, text between tags and fenced code stay", () => {
  const out = stripMdx(
    'import A from "a";\nimport {\n  B,\n} from "b";\nexport const x = 1;\n\n<Note kind="x">\nKept text.\n</Note>\n<Icon />\n{/* hidden */}\n```jsx\n<Keep />\nimport y from "y";\n```\n',
  );
  ok(!/import A|from "b"|export const|<Note|<Icon|hidden/.test(out), out);
  ok(out.includes("Kept text."));
  ok(out.includes("<Keep />") && out.includes('import y from "y";'), "code fences are untouched");
});

Deno.test("anchors - slugs as documentation sites make them, repeats numbered", () => {
  equal(slugify("Reset your password!"), "reset-your-password");
  equal(slugify("Über uns & Co."), "über-uns--co");
  const set = new AnchorSet();
  deepEqual([set.next("Intro"), set.next("Intro"), set.next("Intro")], [
    "intro",
    "intro-1",
    "intro-2",
  ]);
});
