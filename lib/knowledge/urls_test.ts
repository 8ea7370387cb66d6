import { equal } from "node:assert/strict";
import { fileUrl, pageKey } from "./urls.ts";

Deno.test("fileUrl - files map to pages under the source's base URL", () => {
  const base = "https://docs.example.com/v2";
  equal(fileUrl("guide/install.md", base), "https://docs.example.com/v2/guide/install");
  equal(fileUrl("guide/index.mdx", base), "https://docs.example.com/v2/guide/");
  equal(fileUrl("index.html", base), "https://docs.example.com/v2/");
  equal(fileUrl("files/manual.pdf", base), "https://docs.example.com/v2/files/manual.pdf");
  equal(fileUrl("guide/a b.md", base), "https://docs.example.com/v2/guide/a%20b");
});

Deno.test("fileUrl - a front-matter slug wins: absolute from the base, relative beside the file", () => {
  const base = "https://docs.example.com/";
  equal(fileUrl("guide/install.md", base, "/start"), "https://docs.example.com/start");
  equal(fileUrl("guide/install.md", base, "setup"), "https://docs.example.com/guide/setup");
});

Deno.test("fileUrl - without a base URL, the path inside the source", () => {
  equal(fileUrl("guide\\install.md", undefined), "guide/install.md");
});

Deno.test("pageKey - drops the fragment", () => {
  equal(pageKey("https://x.example/a?b=1#c"), "https://x.example/a?b=1");
});
