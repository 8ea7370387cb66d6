import assert from "node:assert/strict";
import { signEventPreviews, signPreviews } from "./present.ts";

const sign = (id: string) => Promise.resolve(`signed:${id}`);

Deno.test("present - image attachments anywhere in a value get signed preview URLs", async () => {
  const value = {
    data: [{
      type: "user_message",
      attachments: [
        {
          type: "image",
          id: "atc_1",
          name: "a.png",
          preview_url: "http://x/chatkit/preview/atc_1",
        },
        { type: "file", id: "atc_2", name: "b.pdf" },
      ],
    }],
    has_more: false,
  };
  const out = await signPreviews(value, sign);
  assert.equal(out.data[0].attachments[0].preview_url, "signed:atc_1");
  assert.deepEqual(out.data[0].attachments[1], value.data[0].attachments[1]);
  assert.equal(
    value.data[0].attachments[0].preview_url,
    "http://x/chatkit/preview/atc_1",
    "input untouched",
  );
});

Deno.test("present - stream events are signed, and return() reaches the inner stream at once", async () => {
  let returned = false;
  let release!: () => void;
  const inner: AsyncIterator<{ type: string }> = {
    next: () => new Promise((resolve) => release = () => resolve({ done: true, value: undefined })),
    return: () => {
      returned = true;
      return Promise.resolve({ done: true, value: undefined });
    },
  };
  const events = signEventPreviews({ [Symbol.asyncIterator]: () => inner }, sign);
  const it = events[Symbol.asyncIterator]();
  const pending = it.next();
  await it.return!();
  assert.equal(returned, true, "return() was not held behind the pending next()");
  release();
  await pending;

  const done = {
    type: "thread.item.done",
    item: { attachments: [{ type: "image", id: "atc_9", preview_url: "u" }] },
  };
  async function* two() {
    yield { type: "progress_update", text: "x" };
    yield done;
  }
  const out = [];
  for await (const e of signEventPreviews(two(), sign)) out.push(e);
  assert.deepEqual(out[0], { type: "progress_update", text: "x" });
  assert.equal((out[1] as typeof done).item.attachments[0].preview_url, "signed:atc_9");
});
