/**
 * Attachments the assistant reads, through `/chatkit` with the fake model, for both API
 * flavours: a PNG arrives as an image part, a PDF as a file part (Responses) or its text (Chat
 * Completions), a text file inline; a follow-up turn still carries them; `vision: false` sends
 * a note instead of the image.
 * @module
 */
import assert from "node:assert/strict";
import { uploadTwoPhase } from "./attachments_helpers.ts";
import { createRequest, startHarness, userInput } from "./chatkit_helpers.ts";
import { dbTest } from "./support/db.ts";
import { type FakeUserPart, userParts } from "./support/fake_openai.ts";
import { makeImage, makePdf } from "./support/files.ts";
import { imageSize } from "../lib/attachments/image.ts";

function decode(dataUrl: string): { mime: string; bytes: Uint8Array } {
  const [head, data] = dataUrl.split(",");
  return {
    mime: head.slice(5).split(";")[0],
    bytes: Uint8Array.from(atob(data), (c) => c.charCodeAt(0)),
  };
}

function allText(parts: FakeUserPart[]): string {
  return parts.map((p) => p.text ?? "").join("\n");
}

for (const api of ["responses", "chat_completions"] as const) {
  dbTest(
    `attachments (${api}) - image, PDF and text reach the model, and stay in the history`,
    async (db) => {
      const h = await startHarness(db, {
        env: { OPENAI_API: api },
        settings: { agent: { attachments: { image: { maxEdge: 512 } } } },
      });
      try {
        const png = await uploadTwoPhase(h, "chart.png", "image/png", await makeImage(1024, 256));
        const pdf = await uploadTwoPhase(
          h,
          "spec.pdf",
          "application/pdf",
          makePdf("The maximum speed is 42 knots"),
        );
        const ts = await uploadTwoPhase(
          h,
          "main.ts",
          "video/mp2t",
          new TextEncoder().encode("export const greeting = 'hello attachments';\n"),
        );
        assert.equal(ts.mime_type, "text/typescript", "the .ts file is text, not video");
        const events = await h.stream(
          createRequest("What do these say?", { attachments: [png.id, pdf.id, ts.id] }),
        );
        const created = events.find((e) => e.type === "thread.created");
        assert.ok(created?.type === "thread.created");
        const first = h.fake.replyRequests().at(-1)!;
        assert.equal(first.api, api);
        const [message] = userParts(first.body).slice(-1);

        const image = message.find((p) => p.kind === "image");
        assert.ok(image?.url, "an image part");
        const decoded = decode(image.url);
        assert.equal(decoded.mime, "image/png");
        assert.deepEqual(imageSize(decoded.bytes, "image/png"), { width: 512, height: 128 });

        if (api === "responses") {
          const file = message.find((p) => p.kind === "file");
          assert.equal(file?.filename, "spec.pdf");
          assert.equal(decode(file!.data!).mime, "application/pdf");
        } else {
          assert.match(allText(message), /The maximum speed is 42 knots/);
          assert.ok(!message.some((p) => p.kind === "file"), "no file part on Chat Completions");
        }
        assert.match(allText(message), /export const greeting = 'hello attachments';/);
        assert.match(allText(message), /What do these say\?/);

        // The follow-up turn still carries all three.
        await h.stream({
          type: "threads.add_user_message",
          params: { thread_id: created.thread.id, input: userInput("And the speed?") },
        });
        const second = userParts(h.fake.replyRequests().at(-1)!.body);
        assert.equal(second.length, 2, "both user messages");
        assert.ok(second[0].some((p) => p.kind === "image"), "the image is still there");
        assert.match(
          allText(second[0]) + second[0].map((p) => p.filename ?? "").join(),
          api === "responses" ? /spec\.pdf/ : /42 knots/,
        );
        assert.match(allText(second[0]), /hello attachments/);
        assert.match(allText(second[1]), /And the speed\?/);
      } finally {
        await h.close();
      }
    },
  );
}

dbTest("attachments - a model without vision gets a note instead of the image", async (db) => {
  const h = await startHarness(db, { settings: { agent: { vision: false } } });
  try {
    const png = await uploadTwoPhase(h, "photo.png", "image/png", await makeImage(32, 32));
    await h.stream(createRequest("Describe it", { attachments: [png.id] }));
    const [message] = userParts(h.fake.replyRequests().at(-1)!.body).slice(-1);
    assert.ok(!message.some((p) => p.kind === "image"), "no image part");
    assert.match(allText(message), /photo\.png — not shown: this model does not take images/);
  } finally {
    await h.close();
  }
});

dbTest("attachments - fileInput text sends a PDF's text on the Responses API too", async (db) => {
  const h = await startHarness(db, {
    env: { OPENAI_API: "responses" },
    settings: { agent: { fileInput: "text" } },
  });
  try {
    const pdf = await uploadTwoPhase(h, "a.pdf", "application/pdf", makePdf("Forty two pages"));
    await h.stream(createRequest("Summarise", { attachments: [pdf.id] }));
    const [message] = userParts(h.fake.replyRequests().at(-1)!.body).slice(-1);
    assert.ok(!message.some((p) => p.kind === "file"));
    assert.match(allText(message), /Forty two pages/);
  } finally {
    await h.close();
  }
});
