/**
 * The app's settings: the one place a developer changes how deno-chatkit behaves.
 * Secrets and deployment values come from the environment instead (see README).
 */
import { defineConfig } from "./lib/settings.ts";

export default defineConfig({
  site: {
    title: "deno-chatkit",
    description: "A self-hosted ChatKit backend and site, running on Deno.",
  },
});
