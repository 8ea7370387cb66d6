import { deepEqual } from "node:assert/strict";
import { log } from "./log.ts";

Deno.test("log - secret-looking fields are redacted, counts and durations are kept", () => {
  const lines: string[] = [];
  const original = console.log;
  console.log = (line: string) => lines.push(line);
  try {
    log.setLevel("info");
    log.info("model turn", {
      inputTokens: 5,
      timeToFirstTokenMs: 12,
      token: "abc",
      headers: { authorization: "Bearer x", cookie: "a=b" },
    });
  } finally {
    console.log = original;
  }
  const { inputTokens, timeToFirstTokenMs, token, headers } = JSON.parse(lines[0]);
  deepEqual({ inputTokens, timeToFirstTokenMs, token, headers }, {
    inputTokens: 5,
    timeToFirstTokenMs: 12,
    token: "[redacted]",
    headers: { authorization: "[redacted]", cookie: "[redacted]" },
  });
});
