/**
 * Bundles the client entry and every island with esbuild: ES modules, shared chunks split out,
 * content-hashed file names. The result is kept in memory and served under `/_frsh/js/`, or
 * written to `_fresh/` by `deno task build` for hosts that cannot run esbuild at boot.
 * Development only: production imports this module only when there is no `_fresh/` build.
 * @module
 */
import * as esbuild from "esbuild";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { islandName } from "./islands.ts";
import { CLIENT_PREFIX, type ClientBuild } from "./snapshot.ts";
import type { Manifest } from "./types.ts";

export interface BuildOptions {
  /** The project root (where `deno.json` and `node_modules/` are). */
  root: string;
  /** Island name → absolute file path. */
  islands: Record<string, string>;
  /**
   * Stand-alone scripts (name → absolute entry path): one self-contained classic script each
   * (no module, no shared chunks), for pages that are not ours (e.g. `/embed.js` on other sites).
   * They may import files as strings (`import css from "./x.css" with { type: "text" }`).
   */
  scripts?: Record<string, string>;
  minify: boolean;
}

const clientEntry = fileURLToPath(new URL("./client/main.ts", import.meta.url));

/** Island name → absolute file path, for every island of a manifest. */
export function islandFiles(manifest: Manifest): Record<string, string> {
  return Object.fromEntries(
    Object.keys(manifest.islands).map((key) => [
      islandName(key),
      fileURLToPath(new URL(key, manifest.baseUrl)),
    ]),
  );
}

/** Builds the client code. */
export async function buildClient(
  { root, islands, scripts = {}, minify }: BuildOptions,
): Promise<ClientBuild> {
  const entryPoints = [
    { in: clientEntry, out: "main" },
    ...Object.entries(islands).map(([name, path]) => ({ in: path, out: `island-${name}` })),
  ];
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints,
      outdir: join(root, "_frsh_out"),
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      jsx: "automatic",
      jsxImportSource: "preact",
      minify,
      write: false,
      metafile: true,
      entryNames: "[name]-[hash]",
      chunkNames: "chunk-[hash]",
      logLevel: "silent",
    });
    const files = new Map<string, Uint8Array<ArrayBuffer>>();
    for (const file of result.outputFiles) {
      files.set(baseName(file.path), new Uint8Array(file.contents));
    }
    const islandUrls: Record<string, string> = {};
    let main = "";
    const chunks: string[] = [];
    for (const [output, meta] of Object.entries(result.metafile.outputs)) {
      const url = CLIENT_PREFIX + baseName(output);
      if (!meta.entryPoint) {
        chunks.push(url);
        continue;
      }
      const entry = join(root, meta.entryPoint);
      if (entry === clientEntry) main = url;
      for (const [name, path] of Object.entries(islands)) {
        if (path === entry) islandUrls[name] = url;
      }
    }
    const scriptUrls: Record<string, string> = {};
    for (const [name, path] of Object.entries(scripts)) {
      const built = await esbuild.build({
        absWorkingDir: root,
        entryPoints: [{ in: path, out: `script-${name}` }],
        outdir: join(root, "_frsh_out"),
        bundle: true,
        format: "iife",
        platform: "browser",
        target: "es2022",
        jsx: "automatic",
        jsxImportSource: "preact",
        minify,
        write: false,
        entryNames: "[name]-[hash]",
        logLevel: "silent",
      });
      for (const file of built.outputFiles) {
        files.set(baseName(file.path), new Uint8Array(file.contents));
        if (file.path.endsWith(".js")) scriptUrls[name] = CLIENT_PREFIX + baseName(file.path);
      }
    }
    return { assets: { main, islands: islandUrls, chunks, scripts: scriptUrls }, files };
  } finally {
    // esbuild keeps a child process alive otherwise; stopping it lets the process (and tests) end.
    await esbuild.stop();
  }
}

function baseName(path: string): string {
  return path.replace(/^.*[\\/]/, "");
}

export { CLIENT_PREFIX, type ClientBuild, readSnapshot, writeSnapshot } from "./snapshot.ts";
