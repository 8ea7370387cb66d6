/**
 * Development needs no variable at all: each secret it lacks is generated once and kept in
 * `DATA_DIR/secrets.json`, so cookies stay valid across restarts.
 * @module
 */
import { join } from "node:path";
import type { Config } from "./config.ts";
import { makePrivateDir } from "./private_files.ts";

/** Returns the config with every missing development secret filled in from `DATA_DIR`. */
export async function withDevSecrets(config: Config): Promise<Config> {
  if (config.mode !== "development" || config.secret) return config;
  const path = join(config.dataDir, "secrets.json");
  let secrets: Record<string, string> = {};
  try {
    secrets = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (!secrets.BETTER_AUTH_SECRET) {
    secrets.BETTER_AUTH_SECRET = randomSecret();
    await makePrivateDir(config.dataDir);
    await Deno.writeTextFile(path, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  }
  return { ...config, secret: secrets.BETTER_AUTH_SECRET };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes));
}
