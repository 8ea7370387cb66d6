/**
 * The text of `/embed.js`: a few lines that read the script tag, leave a call queue on
 * `window.DenoChatKit` (so `open()` works before the bundle arrived) and load the
 * content-hashed bundle from the same origin as the tag. It carries the defaults of
 * `fresh.config.ts`, so it is cached briefly while the bundle behind it is cached for a year.
 * @module
 */
import { serializeForScript } from "../fresh/islands.ts";
import type { EmbedBootConfig } from "./protocol.ts";

/** How long browsers and CDNs may keep `/embed.js` (seconds). */
export const LOADER_MAX_AGE = 300;

/** The loader script for a boot configuration. */
export function loaderScript(config: EmbedBootConfig): string {
  return `/* deno-chatkit embed loader (README: "Put the assistant on your site") */
(function () {
  "use strict";
  var script = document.currentScript;
  var api = (window.DenoChatKit = window.DenoChatKit || {});
  if (api._boot || !script || !script.src) return;
  var queue = (api._q = api._q || []);
  ["open", "close", "setSessionToken", "signIn", "signOut"].forEach(function (name) {
    if (typeof api[name] !== "function") {
      api[name] = function () {
        queue.push([name, Array.prototype.slice.call(arguments)]);
      };
    }
  });
  var config = ${serializeForScript(config)};
  api._boot = { script: script, base: new URL(script.src).origin, config: config };
  var bundle = document.createElement("script");
  bundle.src = new URL(config.bundle, script.src).href;
  bundle.async = true;
  (document.head || document.documentElement).appendChild(bundle);
})();
`;
}
