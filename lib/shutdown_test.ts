import { equal } from "node:assert/strict";
import { Shutdown } from "./shutdown.ts";

Deno.test("Shutdown - stop aborts the signal and waits for tracked work, also work it starts", async () => {
  const shutdown = new Shutdown();
  const order: string[] = [];
  shutdown.track(
    new Promise<void>((resolve) => {
      shutdown.signal.addEventListener("abort", () => {
        order.push("aborted");
        // Saving after the abort, as a cancelled turn does; it tracks one more write.
        shutdown.track(Promise.resolve().then(() => order.push("second write")));
        setTimeout(() => {
          order.push("saved");
          resolve();
        }, 10);
      });
    }),
  );
  equal(await shutdown.stop(5_000), true);
  order.push("stopped");
  equal(order.join(" → "), "aborted → second write → saved → stopped");
  equal(shutdown.running, 0);
});

Deno.test("Shutdown - stop gives up after its deadline on work that never ends", async () => {
  const shutdown = new Shutdown();
  shutdown.track(new Promise(() => {}));
  equal(await shutdown.stop(20), false);
  equal(shutdown.signal.aborted, true);
});
