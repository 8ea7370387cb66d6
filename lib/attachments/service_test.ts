import assert from "node:assert/strict";
import { dbTest, freshOwner, type TestDatabase } from "../../tests/support/db.ts";
import { makeImage, makePdf } from "../../tests/support/files.ts";
import type { ThreadItem, UserMessageItem } from "../chatkit/types.ts";
import { HttpError } from "../errors.ts";
import { imageSize } from "./image.ts";
import { attachmentInput } from "./model_input.ts";
import { workerProcessor } from "./processor.ts";
import { AttachmentService } from "./service.ts";
import { resolveAttachmentModelSettings, resolveAttachmentStorage } from "./settings.ts";

const ORIGIN = "http://127.0.0.1:1";

async function withService(
  db: TestDatabase,
  fn: (service: AttachmentService) => Promise<void>,
  storage = {},
) {
  const service = new AttachmentService({
    sql: db.sql,
    limits: {
      maxAttachmentBytes: 1024 * 1024,
      attachmentMimeTypes: ["image/*", "application/pdf", "text/*", "application/json"],
    },
    storage: resolveAttachmentStorage(storage),
    model: resolveAttachmentModelSettings({ image: { maxEdge: 64 } }),
    processor: workerProcessor(),
    secret: "service-test-secret-0123456789abcdef",
  });
  try {
    await fn(service);
  } finally {
    service.close();
  }
}

function message(attachments: { id: string; name: string; mime_type: string }[]): UserMessageItem {
  return {
    id: `msg_${crypto.randomUUID()}`,
    thread_id: "thr_x",
    created_at: new Date().toISOString(),
    type: "user_message",
    content: [{ type: "input_text", text: "look" }],
    attachments: attachments.map((a) => ({ type: "file", ...a })),
    inference_options: {},
  };
}

dbTest("attachment service - direct uploads become model parts for both APIs", async (db) => {
  await withService(db, async (service) => {
    const owner = freshOwner();
    const png = await service.createUploaded(owner, {
      name: "shot.png",
      mimeType: "image/png",
      bytes: await makeImage(256, 128),
    }, ORIGIN);
    assert.equal(png.type, "image");
    const pdf = await service.createUploaded(owner, {
      name: "spec.pdf",
      mimeType: "application/octet-stream",
      bytes: makePdf("The launch code is 4711"),
    }, ORIGIN);
    assert.equal(pdf.mime_type, "application/pdf");
    const ts = await service.createUploaded(owner, {
      name: "main.ts",
      mimeType: "video/mp2t",
      bytes: new TextEncoder().encode("export const answer = 42;\n"),
    }, ORIGIN);
    assert.equal(ts.mime_type, "text/typescript");
    const items: ThreadItem[] = [message([png, pdf, ts])];

    const responses = attachmentInput(service, owner, {
      api: "responses",
      vision: true,
      fileInput: "auto",
    });
    const parts = await responses.parts(items);
    const image = parts.get(png.id)!.find((p) => p.type === "input_image");
    assert.ok(image && image.type === "input_image");
    const bytes = Uint8Array.from(atob(image.image.split(",")[1]), (c) => c.charCodeAt(0));
    assert.deepEqual(imageSize(bytes, "image/png"), { width: 64, height: 32 }, "resized copy");
    assert.equal(parts.get(pdf.id)![0].type, "input_file");
    assert.match(JSON.stringify(parts.get(ts.id)), /export const answer = 42;/);

    const chat = attachmentInput(service, owner, {
      api: "chat_completions",
      vision: false,
      fileInput: "auto",
    });
    const chatParts = await chat.parts(items);
    assert.match(JSON.stringify(chatParts.get(pdf.id)), /The launch code is 4711/);
    assert.match(JSON.stringify(chatParts.get(png.id)), /does not take images/);
    assert.ok((await chat.chars(items)).get(pdf.id)! > 20, "the PDF's text counts in the budget");
  });
});

dbTest(
  "attachment service - a MIME lie, a disallowed type or an oversize upload stores nothing",
  async (db) => {
    await withService(db, async (service) => {
      const owner = freshOwner();
      const attempts = [
        { name: "x.png", mimeType: "image/png", bytes: new TextEncoder().encode("<svg/>") },
        { name: "x.zip", mimeType: "application/zip", bytes: new Uint8Array([0x50, 0x4b, 3, 4]) },
        {
          name: "big.txt",
          mimeType: "text/plain",
          bytes: new Uint8Array(1024 * 1024 + 1).fill(97),
        },
      ];
      const statuses = [];
      for (const file of attempts) {
        try {
          await service.createUploaded(owner, file, ORIGIN);
        } catch (error) {
          assert.ok(error instanceof HttpError);
          statuses.push(error.status);
        }
      }
      assert.deepEqual(statuses, [415, 415, 413]);
      const [{ n }] = await db
        .sql`select count(*)::int as n from attachments where owner_id = ${owner}`;
      assert.equal(n, 0);
    });
  },
);

dbTest(
  "attachment service - over the quota a direct upload answers 413 and keeps nothing",
  async (db) => {
    await withService(db, async (service) => {
      const owner = freshOwner();
      const file = { name: "a.txt", mimeType: "text/plain", bytes: new Uint8Array(600).fill(97) };
      await service.createUploaded(owner, file, ORIGIN);
      await assert.rejects(service.createUploaded(owner, file, ORIGIN), /Storage quota exceeded/);
      const [{ n }] = await db
        .sql`select count(*)::int as n from attachments where owner_id = ${owner}`;
      assert.equal(n, 1);
    }, { maxStoredBytes: 1000 });
  },
);

dbTest(
  "attachment service - previews work with a signed URL without identity, and only for raster images",
  async (db) => {
    await withService(db, async (service) => {
      const owner = freshOwner();
      const png = await service.createUploaded(owner, {
        name: "a.png",
        mimeType: "image/png",
        bytes: await makeImage(8, 8),
      }, ORIGIN);
      const url = new URL(await service.previewUrl(owner, png.id, ORIGIN));
      const signed = await service.preview(png.id, {
        expires: url.searchParams.get("exp"),
        signature: url.searchParams.get("sig"),
      });
      assert.ok(signed && signed !== "expired");
      assert.equal(signed.mime, "image/png");
      const forged = await service.preview(png.id, {
        expires: url.searchParams.get("exp"),
        signature: "x".repeat(43),
      });
      assert.equal(forged, null);
      assert.equal(
        await service.preview(png.id, { owner: freshOwner() }),
        null,
        "not another owner's",
      );
      const svg = await service.createUploaded(owner, {
        name: "logo.svg",
        mimeType: "image/svg+xml",
        bytes: new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"),
      }, ORIGIN);
      assert.equal(svg.type, "file", "SVG is a file, not an image with a preview");
      assert.equal(await service.preview(svg.id, { owner }), null);
    });
  },
);
