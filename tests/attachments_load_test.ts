/**
 * Large uploads do not hold up other requests on the embedded database: while several large
 * uploads are stored (in chunks, lib/attachments/store.ts), `/health` — one query through the
 * same single connection, answering 503 when the database does not answer within 2 s — keeps
 * answering 200. Measured numbers: `deno run -A bench/uploads.ts`.
 * @module
 */
import assert from "node:assert/strict";
import { startHarness } from "./chatkit_helpers.ts";
import { testDatabase } from "./support/db.ts";

Deno.test({
  name: "[pglite] attachment load - /health answers 200 throughout concurrent large uploads",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const h = await startHarness(await testDatabase("pglite"));
    try {
      const bytes = new Uint8Array(5 * 1024 * 1024).map((_, i) => 97 + (i % 26));
      let uploading = true;
      const during: number[] = [];
      const uploads = Promise.all([0, 1, 2, 3].map(async (i) => {
        const form = new FormData();
        form.append("file", new File([bytes], `big-${i}.txt`, { type: "text/plain" }));
        const res = await h.fetch("/chatkit/upload", {
          method: "POST",
          body: form,
          signal: AbortSignal.timeout(120_000),
        });
        await res.body?.cancel();
        return res.status;
      })).finally(() => uploading = false);
      while (uploading) {
        const res = await h.fetch("/health", { signal: AbortSignal.timeout(30_000) });
        await res.body?.cancel();
        // Only answers that began and ended while uploads were still running count.
        if (uploading) during.push(res.status);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(await uploads, [200, 200, 200, 200]);
      assert.ok(during.length > 0, "a /health answer arrived while the uploads were running");
      assert.deepEqual(during.filter((s) => s !== 200), [], "/health stayed 200");
    } finally {
      await h.close();
    }
  },
});
