/**
 * Images in answers come only from the app or `chatkit.allowedImageDomains` (issue 14, item 8):
 * the CSP's `img-src` says so to the browser, and new threads carry the list as the protocol's
 * `allowed_image_domains` (what ChatKit's own client reads). The browser side is in
 * e2e_markdown_images_test.ts.
 */
import assert from "node:assert/strict";
import { createRequest } from "./chatkit_helpers.ts";
import { startAuthHarness, Visitor } from "./auth_helpers.ts";
import { dbTest } from "./support/db.ts";

function imgSrc(res: Response): string {
  const csp = res.headers.get("content-security-policy") ?? "";
  const directive = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("img-src "));
  assert.ok(directive, csp);
  return directive;
}

dbTest(
  "image domains - img-src is the app, data:, blob: and the allowed domains; new threads carry them",
  async (db) => {
    const plain = await startAuthHarness(db);
    try {
      const res = await plain.app.fetch("/");
      await res.body?.cancel();
      // No `https:` at large: any https image would be a request an answer could make.
      assert.equal(imgSrc(res), "img-src 'self' data: blob:");
      const events = await new Visitor(plain.app).stream(createRequest("hi"));
      const created = events.find((e) => e.type === "thread.created");
      assert.ok(created?.type === "thread.created");
      assert.equal("allowed_image_domains" in created.thread, false, "none set: none sent");
    } finally {
      await plain.close();
    }

    const h = await startAuthHarness(db, {
      settings: { chatkit: { allowedImageDomains: ["images.example.com", "*.cdn.example.net"] } },
    });
    try {
      for (const path of ["/", "/health", "/static/chat.css", "/nowhere"]) {
        const res = await h.app.fetch(path);
        await res.body?.cancel();
        assert.equal(
          imgSrc(res),
          "img-src 'self' data: blob: images.example.com *.images.example.com " +
            "cdn.example.net *.cdn.example.net",
          path,
        );
      }
      const v = new Visitor(h.app);
      const events = await v.stream(createRequest("hi"));
      const created = events.find((e) => e.type === "thread.created");
      assert.ok(created?.type === "thread.created");
      assert.deepEqual(created.thread.allowed_image_domains, [
        "images.example.com",
        "*.cdn.example.net",
      ]);
      // Stored with the thread: it comes back when the thread is opened again.
      const thread = await v.json<{ allowed_image_domains?: string[] }>({
        type: "threads.get_by_id",
        params: { thread_id: created.thread.id },
      });
      assert.deepEqual(thread.allowed_image_domains, ["images.example.com", "*.cdn.example.net"]);
    } finally {
      await h.close();
    }
  },
);
