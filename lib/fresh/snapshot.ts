/**
 * A finished client build and its on-disk form, `_fresh/` (written by `deno task build`). Kept
 * apart from the bundler so that a production start from `_fresh/` never loads esbuild.
 * @module
 */
import { join } from "node:path";
import type { ClientAssets } from "./render.tsx";

/** The URL prefix of built client code. */
export const CLIENT_PREFIX = "/_frsh/js/";

/** A finished client build. */
export interface ClientBuild {
  assets: ClientAssets;
  /** File name (below CLIENT_PREFIX) → contents. */
  files: Map<string, Uint8Array<ArrayBuffer>>;
}

/** Writes a build to `dir` with a `snapshot.json` that `readSnapshot` loads. */
export async function writeSnapshot(build: ClientBuild, dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "js"), { recursive: true });
  for (const [name, contents] of build.files) await Deno.writeFile(join(dir, "js", name), contents);
  await Deno.writeTextFile(
    join(dir, "snapshot.json"),
    JSON.stringify({ assets: build.assets, files: [...build.files.keys()] }, null, 2) + "\n",
  );
}

/** Loads a build written by `writeSnapshot`, or returns null when there is none. */
export async function readSnapshot(dir: string): Promise<ClientBuild | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "snapshot.json"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const snapshot = JSON.parse(text) as { assets: ClientAssets; files: string[] };
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of snapshot.files) files.set(name, await Deno.readFile(join(dir, "js", name)));
  return { assets: snapshot.assets, files };
}
