import { equal } from "node:assert/strict";
import { serverUrl } from "./mod.ts";

Deno.test("serverUrl - drops channel_binding from Neon URLs and keeps sslmode", () => {
  const url = serverUrl(
    "postgresql://u:p@ep-x.eu-central-1.aws.neon.tech/db?sslmode=require&channel_binding=require",
  );
  equal(new URL(url).searchParams.get("sslmode"), "require");
  equal(new URL(url).searchParams.has("channel_binding"), false);
});
