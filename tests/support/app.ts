/**
 * Boots the real app in-process on 127.0.0.1 (port 0) against a test database: real HTTP on
 * loopback, real middleware, real routes.
 * @module
 */
import settingsFile from "../../fresh.config.ts";
import manifest from "../../fresh.gen.ts";
import { type RunningServer, serve } from "../../lib/app.ts";
import { loadConfig } from "../../lib/config.ts";
import { log } from "../../lib/log.ts";
import type { Database } from "../../lib/db/mod.ts";
import type { Services } from "../../lib/services.ts";
import type { Settings } from "../../lib/settings.ts";
import { asAppDatabase, type TestDatabase } from "./db.ts";

/** A secret for tests only (never used outside them). */
export const TEST_SECRET = "test-secret-for-deno-chatkit-tests-only-0123456789";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface TestAppOptions {
  /** A shared test database, or `database`: one the test opened itself (closed with the app). */
  db?: TestDatabase;
  database?: Database;
  /** Environment variables for `loadConfig` (nothing is read from the real environment). */
  env?: Record<string, string>;
  /** Overrides of `fresh.config.ts`, merged section by section. */
  settings?: DeepPartial<Settings>;
}

/** A running app for one test. */
export interface TestApp {
  url: string;
  /** `fetch` relative to the app's URL. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  services: Services;
  close(): Promise<void>;
  server: RunningServer;
}

/** Starts the app; call `close()` at the end of the test. */
export async function startTestApp(options: TestAppOptions): Promise<TestApp> {
  log.setLevel((Deno.env.get("LOG_LEVEL") as "error" | undefined) ?? "error");
  const config = loadConfig({
    BETTER_AUTH_SECRET: TEST_SECRET,
    ...options.env,
    PORT: "0",
    HOSTNAME: "127.0.0.1",
  }, "development");
  const settings = merge(
    merge(settingsFile, RELAXED_SIGN_IN_LIMITS),
    options.settings ?? {},
  ) as Settings;
  const server = await serve({
    config,
    settings,
    manifest,
    database: options.database ?? asAppDatabase(options.db!),
    quiet: true,
  });
  return {
    url: server.url,
    fetch: (path, init) => fetch(new URL(path, server.url), init),
    services: server.app.services,
    close: () => server.shutdown(),
    server,
  };
}

/**
 * Tests sign up and in many times a second from 127.0.0.1 on one shared database: the sign-in
 * limits are out of their way unless a test sets them (tests/auth_limits_test.ts does).
 */
const RELAXED_SIGN_IN_LIMITS: DeepPartial<Settings> = {
  auth: {
    signInLimits: {
      perAddress: { max: 1_000_000 },
      perAccount: { freeAttempts: 1_000_000 },
    },
  },
};

function merge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override ?? base;
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    result[key] = value === undefined ? base[key] : merge(base[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
