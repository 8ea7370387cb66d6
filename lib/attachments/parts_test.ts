import assert from "node:assert/strict";
import {
  allowedParts,
  type AttachmentInputOptions,
  attachmentParts,
  dataUrl,
  type ModelAttachment,
} from "./parts.ts";

const responses: AttachmentInputOptions = { api: "responses", vision: true, fileInput: "auto" };
const chat: AttachmentInputOptions = { api: "chat_completions", vision: true, fileInput: "auto" };

const image: ModelAttachment = {
  id: "atc_i",
  name: "shot.png",
  mime: "image/png",
  kind: "image",
  imageDataUrl: "data:image/png;base64,AAAA",
};
const pdf: ModelAttachment = {
  id: "atc_p",
  name: "spec.pdf",
  mime: "application/pdf",
  kind: "pdf",
  fileDataUrl: "data:application/pdf;base64,JVBE",
  text: "Section 1",
  textTotal: 9,
  pages: 1,
};
const text: ModelAttachment = {
  id: "atc_t",
  name: "notes.md",
  mime: "text/markdown",
  kind: "text",
  text: "# Notes",
  textTotal: 5000,
};

Deno.test("parts - an image is an image part on both APIs, a note without vision", () => {
  for (const options of [responses, chat]) {
    const parts = attachmentParts(image, options);
    assert.deepEqual(parts.at(-1), { type: "input_image", image: "data:image/png;base64,AAAA" });
  }
  const blind = attachmentParts(image, { ...responses, vision: false });
  assert.equal(blind.length, 1);
  assert.equal(blind[0].type, "input_text");
  assert.match((blind[0] as { text: string }).text, /does not take images/);
});

Deno.test("parts - a PDF is a file on Responses (auto), text on Chat Completions or fileInput text", () => {
  assert.deepEqual(attachmentParts(pdf, responses), [
    { type: "input_file", file: "data:application/pdf;base64,JVBE", filename: "spec.pdf" },
  ]);
  for (const options of [chat, { ...responses, fileInput: "text" as const }]) {
    const [part] = attachmentParts(pdf, options);
    assert.equal(part.type, "input_text");
    assert.match(
      (part as { text: string }).text,
      /spec\.pdf \(application\/pdf, 1 page, 9 characters\)\]\nSection 1\n/,
    );
  }
});

Deno.test("parts - a text file is inlined and says when it was cut", () => {
  const [part] = attachmentParts(text, chat);
  assert.match(
    (part as { text: string }).text,
    /first 7 characters of 5,000\)\]\n# Notes\n\[End of notes\.md\]/,
  );
});

Deno.test("parts - older images past the budget become notes first, the newest turn keeps all", () => {
  const img = (id: string): ModelAttachment => ({ ...image, id });
  const turns = [[img("a"), { ...pdf, id: "p1" }], [img("b")], [img("c"), img("d")]];
  const allowed = allowedParts(turns, { maxImages: 3, maxFiles: 0 }, responses);
  assert.deepEqual([...allowed.images].sort(), ["b", "c", "d"]);
  assert.deepEqual([...allowed.files], []);
  const [note] = attachmentParts(img("a"), responses, { image: false, file: false });
  assert.match((note as { text: string }).text, /shown in an earlier turn/);
  // On Chat Completions no PDF is ever a file part.
  assert.equal(allowedParts(turns, { maxImages: 9, maxFiles: 9 }, chat).files.size, 0);
});

Deno.test("parts - data URLs encode large byte arrays", () => {
  const bytes = new Uint8Array(200_000).map((_, i) => i % 251);
  const url = dataUrl("application/pdf", bytes);
  const decoded = Uint8Array.from(atob(url.split(",")[1]), (c) => c.charCodeAt(0));
  assert.deepEqual(decoded, bytes);
});
