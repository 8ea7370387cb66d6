import { equal, match, throws } from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

Deno.test("loadConfig - defaults need no variable at all in development", () => {
  const config = loadConfig({}, "development");
  equal(config.port, 8000);
  equal(config.dataDir, ".data");
  equal(config.databaseUrl, undefined);
});

Deno.test("loadConfig - a bad value names the variable and what is expected", () => {
  throws(() => loadConfig({ PORT: "eighty" }, "development"), (error: unknown) => {
    equal(error instanceof ConfigError, true);
    equal((error as ConfigError).variable, "PORT");
    match((error as Error).message, /^PORT: expected a whole number/);
    return true;
  });
  throws(
    () => loadConfig({ DATABASE_URL: "mysql://localhost/db" }, "development"),
    /DATABASE_URL: expected a postgres:\/\/ or postgresql:\/\/ URL/,
  );
  throws(() => loadConfig({ PORT: "70000" }, "development"), /PORT: expected at most 65535/);
});

Deno.test("loadConfig - production requires BETTER_AUTH_SECRET", () => {
  throws(() => loadConfig({}, "production"), /BETTER_AUTH_SECRET: required in production/);
  throws(
    () => loadConfig({ BETTER_AUTH_SECRET: "short" }, "production"),
    /BETTER_AUTH_SECRET: expected at least 32 characters/,
  );
  const secret = "x".repeat(40);
  equal(loadConfig({ BETTER_AUTH_SECRET: secret }, "production").secret, secret);
});

Deno.test("loadConfig - empty values count as unset", () => {
  equal(loadConfig({ PORT: "", DATABASE_URL: "" }, "development").port, 8000);
});
