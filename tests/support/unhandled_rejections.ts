/**
 * Loaded before every test module (`tests/run.ts` passes it to `deno test --preload`).
 *
 * The Agents SDK's tracing provider listens for `unhandledRejection` on `process` and, when it is
 * the only listener, calls `process.exit(1)`. Inside `deno test` that exit is refused with a
 * rejection of its own, which reaches the same listener again: the test process spins, printing
 * "Unhandled rejection object" without the reason, until the per-file time limit ends the run.
 * Listening here first means the SDK never exits, and the original rejection is rethrown as an
 * uncaught error, so Deno fails the module at once and names the rejection and where it came from.
 * @module
 */
import process from "node:process";

process.on("unhandledRejection", (reason) => {
  console.error("An unhandled promise rejection in the test process:", reason);
  throw reason;
});
