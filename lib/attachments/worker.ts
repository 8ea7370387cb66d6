/**
 * The attachment worker's entry: prepares attachments for the model off the main thread.
 * Messages in: `{ id, input: PrepareInput }`; out: `{ id, result: Prepared }`.
 * @module
 */
import { prepareForModel, type PrepareInput } from "./prepare.ts";

// Typed locally: a `deno.worker` lib reference would change the globals of the whole program.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<{ id: number; input: PrepareInput }>) => void) | null;
  postMessage(message: unknown, options: { transfer: Transferable[] }): void;
};

scope.onmessage = async (event) => {
  const { id, input } = event.data;
  const result = await prepareForModel(input);
  // A fresh buffer of its own: codec output may be a view into a shared pool.
  if (result.image) result.image.bytes = new Uint8Array(result.image.bytes);
  const transfer = result.image ? [result.image.bytes.buffer as ArrayBuffer] : [];
  scope.postMessage({ id, result }, { transfer });
};
