import assert from "node:assert/strict";
import freshConfig from "../fresh.config.ts";
import { DEFAULT_SETTINGS, resolveSettings } from "./settings.ts";

/** Every key path of an object's leaves (arrays are leaves). */
function leafPaths(value: unknown, prefix = ""): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === "function" ? [] : leafPaths(v, prefix ? `${prefix}.${key}` : key)
  );
}

function has(value: unknown, path: string): boolean {
  let at = value as Record<string, unknown> | undefined;
  for (const key of path.split(".")) {
    if (!at || typeof at !== "object" || !(key in at)) return false;
    at = at[key] as Record<string, unknown>;
  }
  return true;
}

Deno.test("settings - fresh.config.ts shows every default", () => {
  const missing = leafPaths(DEFAULT_SETTINGS).filter((path) => !has(freshConfig, path));
  assert.deepEqual(missing, [], "add these to fresh.config.ts, with their default values");
});

Deno.test("settings - unset keys take the defaults, given ones win, env overrides rate limits", () => {
  const settings = resolveSettings(
    {
      site: { title: "T", description: "D" },
      limits: { maxMessageChars: 10, maxBodyBytes: undefined },
      auth: { minPasswordLength: 12 },
      rateLimit: { perMinute: 5, perDay: 50 },
    },
    { rateLimit: { perDay: 7 } },
  );
  assert.equal(settings.limits.maxMessageChars, 10);
  assert.equal(settings.limits.maxBodyBytes, DEFAULT_SETTINGS.limits.maxBodyBytes);
  assert.equal(settings.auth.minPasswordLength, 12);
  assert.equal(settings.auth.sessionSeconds, DEFAULT_SETTINGS.auth.sessionSeconds);
  assert.deepEqual(settings.agent, DEFAULT_SETTINGS.agent);
  assert.deepEqual(settings.chatkit, DEFAULT_SETTINGS.chatkit);
  assert.deepEqual(settings.rateLimit, {
    ...DEFAULT_SETTINGS.rateLimit,
    perMinute: 5,
    perDay: 7,
  });
});
