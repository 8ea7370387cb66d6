/**
 * The attachments of a turn's history as model input: what each adds to the history budget
 * (its text), and — for the items kept — the parts to send, with the bytes of only those
 * images and PDFs that go as image or file parts.
 * @module
 */
import type { ThreadItem } from "../chatkit/types.ts";
import {
  allowedParts,
  attachmentChars,
  type AttachmentInputOptions,
  attachmentParts,
  dataUrl,
  type ModelAttachment,
  type UserPart,
} from "./parts.ts";
import type { AttachmentService } from "./service.ts";
import type { AttachmentRecord } from "./store.ts";

/** What the agent input builder asks about attachments (lib/agent/input.ts). */
export interface AttachmentInputSource {
  /** Characters each attachment of these items adds to the history budget, by id. */
  chars(items: ThreadItem[]): Promise<Map<string, number>>;
  /** The parts of each attachment of the items kept, by id. */
  parts(items: ThreadItem[]): Promise<Map<string, UserPart[]>>;
}

function attachmentIds(items: ThreadItem[]): string[] {
  const ids: string[] = [];
  for (const item of items) {
    if (item.type === "user_message") ids.push(...item.attachments.map((a) => a.id));
  }
  return ids;
}

/** The attachment input of one owner's turn. */
export function attachmentInput(
  service: AttachmentService,
  owner: string,
  options: AttachmentInputOptions,
): AttachmentInputSource {
  const store = service.forOwner(owner);
  const records = new Map<string, AttachmentRecord>();

  async function load(items: ThreadItem[]): Promise<void> {
    const missing = attachmentIds(items).filter((id) => !records.has(id));
    for (const record of await store.load(missing)) records.set(record.id, record);
  }

  async function modelAttachment(
    id: string,
    fallback: { name: string; mime_type: string },
    send: { image: boolean; file: boolean },
  ): Promise<ModelAttachment> {
    const record = records.get(id);
    if (!record?.uploaded || !record.kind) {
      return {
        id,
        name: fallback.name,
        mime: fallback.mime_type,
        kind: "other",
        problem: "it is no longer stored",
      };
    }
    const info = await service.modelInfo(store, record);
    const out: ModelAttachment = { id, name: record.name, mime: record.mime, kind: record.kind };
    if (!info) out.problem = "it could not be prepared";
    else if (info.problem) out.problem = info.problem;
    if (info?.text !== undefined) out.text = info.text;
    if (info?.textTotal !== undefined) out.textTotal = info.textTotal;
    if (info?.pages !== undefined) out.pages = info.pages;
    if (out.problem) return out;
    if (record.kind === "image" && send.image && options.vision) {
      const copy = info?.image ? await store.readBytes(id, "m") : null;
      const bytes = copy ?? await store.readBytes(id, "o");
      if (bytes) {
        out.imageDataUrl = dataUrl(copy && info?.image ? info.image.mime : record.mime, bytes);
      }
    }
    if (record.kind === "pdf" && send.file) {
      const bytes = await store.readBytes(id, "o");
      if (bytes) out.fileDataUrl = dataUrl(record.mime, bytes);
    }
    return out;
  }

  return {
    async chars(items) {
      await load(items);
      const out = new Map<string, number>();
      for (const id of attachmentIds(items)) {
        const record = records.get(id);
        const kind = record?.kind ?? "other";
        // Texts of files count at their size; PDFs sent as files count as their text would.
        out.set(id, attachmentChars({ kind, text: record?.model?.text }));
      }
      return out;
    },
    async parts(items) {
      await load(items);
      const turns: ModelAttachment[][] = [];
      for (const item of items) {
        if (item.type !== "user_message") continue;
        turns.push(item.attachments.map((a) => {
          const record = records.get(a.id);
          return {
            id: a.id,
            name: a.name,
            mime: record?.mime ?? a.mime_type,
            kind: record?.kind ?? "other",
          };
        }));
      }
      const allowed = allowedParts(turns, service.model.history, options);
      const out = new Map<string, UserPart[]>();
      for (const item of items) {
        if (item.type !== "user_message") continue;
        for (const a of item.attachments) {
          const send = { image: allowed.images.has(a.id), file: allowed.files.has(a.id) };
          const model = await modelAttachment(a.id, a, send);
          out.set(a.id, attachmentParts(model, options, send));
        }
      }
      return out;
    },
  };
}
