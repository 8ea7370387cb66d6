/**
 * Not a test of its own: `tests/run_interrupt_test.ts` runs `tests/run.ts` on this file and then
 * interrupts it. The test here starts what a real run starts — a child process, a folder in the
 * run's TMPDIR and (when asked) Chromium — reports them, and then hangs until it is stopped.
 * @module
 */
import { launchBrowser } from "./browser.ts";
import { makeSharedTempDir } from "./shared_dir.ts";

Deno.test({
  name: "interrupt fixture - starts processes and a folder, then hangs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "interrupt-fixture-" });
    // As PgBouncer's and the TLS server's folders are made (outside TMPDIR).
    const shared = await makeSharedTempDir("interrupt-fixture");
    const sleeper = new Deno.Command("sleep", { args: ["600"], stdin: "null" }).spawn();
    if (Deno.env.get("INTERRUPT_FIXTURE_BROWSER") === "1") await launchBrowser();
    // Written aside and renamed: the test reads it as soon as it exists.
    const report = Deno.env.get("INTERRUPT_FIXTURE_REPORT")!;
    await Deno.writeTextFile(
      `${report}.partial`,
      JSON.stringify({
        runId: Deno.env.get("TEST_RUN_ID"),
        tmp: Deno.env.get("TMPDIR"),
        dir,
        shared,
        sleeper: sleeper.pid,
      }),
    );
    await Deno.rename(`${report}.partial`, report);
    // Hang (a timer keeps the event loop alive) until the run stops this process.
    await new Promise(() => setInterval(() => {}, 60_000));
  },
});
