import { equal } from "node:assert/strict";
import { islandName, serializeForScript } from "./islands.ts";

Deno.test("serializeForScript - a prop holding </script> cannot close the element", () => {
  const text = serializeForScript({ note: "</script><script>alert(1)</script>", amp: "a&b" });
  equal(text.includes("</script"), false);
  equal(text.includes("<"), false);
  equal(JSON.parse(text).note, "</script><script>alert(1)</script>");
  equal(JSON.parse(text).amp, "a&b");
});

Deno.test("serializeForScript - line separators survive as escapes", () => {
  const text = serializeForScript("a\u2028b\u2029c");
  equal(/[\u2028\u2029]/.test(text), false);
  equal(JSON.parse(text), "a\u2028b\u2029c");
});

Deno.test("islandName - derives the name from the manifest key", () => {
  equal(islandName("./islands/ChatWidget.tsx"), "ChatWidget");
  equal(islandName("./islands/chat/Launcher.tsx"), "Launcher");
});
