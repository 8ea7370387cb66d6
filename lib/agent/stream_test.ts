import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { messageContent, toAnnotation, toolTaskTitle } from "./stream.ts";

Deno.test("toAnnotation - URL citations in both API shapes, file citations", () => {
  const expected = {
    type: "annotation",
    source: { type: "url", url: "https://a.test", title: "A" },
    index: 12,
  };
  assertEquals(
    toAnnotation({
      type: "url_citation",
      url: "https://a.test",
      title: "A",
      start_index: 0,
      end_index: 12,
    }),
    expected,
  );
  assertEquals(
    toAnnotation({
      type: "url_citation",
      url_citation: { url: "https://a.test", title: "A", start_index: 0, end_index: 12 },
    }),
    expected,
  );
  assertEquals(
    toAnnotation({ type: "file_citation", file_id: "file_1", filename: "r.pdf", index: 3 }),
    {
      type: "annotation",
      source: { type: "file", filename: "r.pdf", title: "r.pdf" },
      index: 3,
    },
  );
  assertEquals(toAnnotation({ type: "url_citation" }), null);
  assertEquals(toAnnotation("nope"), null);
});

Deno.test("messageContent - joins text parts, shifts annotation offsets, keeps refusals", () => {
  const { text, annotations } = messageContent({
    content: [
      { type: "output_text", text: "Hello ", annotations: [] },
      {
        type: "output_text",
        text: "world",
        providerData: {
          annotations: [{ type: "url_citation", url: "https://w.test", title: "", end_index: 5 }],
        },
      },
      { type: "refusal", refusal: "!" },
    ],
  });
  assertEquals(text, "Hello world!");
  assertEquals(annotations, [{
    type: "annotation",
    source: { type: "url", url: "https://w.test", title: "https://w.test" },
    index: 11,
  }]);
});

Deno.test("toolTaskTitle - function names and hosted tools", () => {
  assertEquals(toolTaskTitle({ type: "function_call", name: "get_weather" }), "Using get_weather");
  assertEquals(
    toolTaskTitle({ type: "hosted_tool_call", name: "web_search_call" }),
    "Searching the web",
  );
  assertEquals(toolTaskTitle({}), "Using a tool");
});
