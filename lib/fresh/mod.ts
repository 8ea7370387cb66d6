/**
 * Our stand-in for `$fresh/server.ts`: the names Fresh exports, on Hono + Preact.
 * @module
 */
export { createDefine, type Define } from "./define.ts";
export { HttpError } from "./error.ts";
export { createHandler, type HandlerOptions } from "./server.ts";
// The bundler (`./build.ts`, esbuild) is development-only and deliberately not re-exported here.
export { type ClientBuild, readSnapshot, writeSnapshot } from "./snapshot.ts";
export { generateManifest, writeManifest } from "./manifest.ts";
export type {
  FreshContext,
  Handler,
  Handlers,
  IslandModule,
  Manifest,
  PageProps,
  RouteConfig,
  RouteModule,
} from "./types.ts";
