import { deepEqual, equal, throws } from "node:assert/strict";
import { resolveKnowledgeSettings } from "./settings.ts";

Deno.test("resolveKnowledgeSettings - defaults, and sources given as strings", () => {
  const s = resolveKnowledgeSettings({ sources: ["docs/", "https://x.example/sitemap.xml"] });
  deepEqual(s.sources, [{ path: "docs/" }, { url: "https://x.example/sitemap.xml" }]);
  equal(s.topK, 5);
  equal(s.mode, "always");
  equal(s.answerOnlyFromSources, true);
});

Deno.test("resolveKnowledgeSettings - values a typo would break are refused by name", () => {
  throws(() => resolveKnowledgeSettings({ topK: 0 }), /knowledge: topK/);
  throws(() => resolveKnowledgeSettings({ minSimilarity: 2 }), /minSimilarity/);
  throws(() => resolveKnowledgeSettings({ language: "english; drop" }), /language/);
  throws(() => resolveKnowledgeSettings({ chunk: { maxChars: 100 } }), /chunk\.maxChars/);
  throws(
    () => resolveKnowledgeSettings({ sources: [{ path: "a", url: "http://b" }] }),
    /exactly one/,
  );
});
