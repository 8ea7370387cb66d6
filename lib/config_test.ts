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
  const secret = "Zq3v9LkP0aR7wYtB2nXc5MhD8sFj1GeU4oIi6VbN+/=";
  equal(loadConfig({ BETTER_AUTH_SECRET: secret }, "production").secret, secret);
});

Deno.test("loadConfig - production refuses a long but guessable BETTER_AUTH_SECRET", () => {
  for (
    const weak of [
      "a".repeat(32),
      "x".repeat(40),
      "passwordpasswordpasswordpassword",
      "abababababababababababababababab",
      "0123456789012345678901234567890123456789",
    ]
  ) {
    throws(
      () => loadConfig({ BETTER_AUTH_SECRET: weak }, "production"),
      /BETTER_AUTH_SECRET: too easy to guess .*openssl rand -base64 32/,
      weak,
    );
  }
  // What the README and the message suggest passes, as do other random formats.
  const random = (bytes: number) => crypto.getRandomValues(new Uint8Array(bytes));
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  for (let i = 0; i < 50; i++) {
    for (const strong of [btoa(String.fromCharCode(...random(32))), hex(random(16))]) {
      equal(loadConfig({ BETTER_AUTH_SECRET: strong }, "production").secret, strong);
    }
  }
  // Development keeps working with whatever a developer typed.
  equal(loadConfig({ BETTER_AUTH_SECRET: "a".repeat(32) }, "development").secret, "a".repeat(32));
});

Deno.test("loadConfig - empty values count as unset", () => {
  equal(loadConfig({ PORT: "", DATABASE_URL: "" }, "development").port, 8000);
});

// Production (issue 15): the metrics token and the database's CA.
Deno.test("loadConfig - METRICS_TOKEN needs 16+ characters; a CA from either variable", () => {
  throws(() => loadConfig({ METRICS_TOKEN: "short" }, "development"), /METRICS_TOKEN: .*16/);
  equal(loadConfig({ METRICS_TOKEN: "x".repeat(16) }, "development").metricsToken, "x".repeat(16));
  equal(loadConfig({ PGSSLROOTCERT: "/ca.pem" }, "development").databaseCaCert, "/ca.pem");
  equal(
    loadConfig({ PGSSLROOTCERT: "/ca.pem", DATABASE_CA_CERT: "/mine.pem" }, "development")
      .databaseCaCert,
    "/mine.pem",
  );
});
