/**
 * The composer's attachment state: files checked before upload, uploaded one by one with
 * progress, removable (a removed upload is deleted on the server), cleared once sent.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Chip } from "./AttachmentChips.tsx";
import {
  checkFiles,
  deleteUpload,
  type UploadedAttachment,
  uploadFile,
  type UploadRules,
  type UploadTransport,
} from "./uploads.ts";

export interface AttachmentsState {
  chips: Chip[];
  errors: string[];
  /** Every chip uploaded (nothing still running or failed). */
  ready: boolean;
  /** The uploaded attachments, in order. */
  uploaded: UploadedAttachment[];
  add(files: File[]): void;
  remove(key: string): void;
  dismissErrors(): void;
  /** Forgets the chips after sending (their uploads now belong to the message). */
  clear(): void;
}

let counter = 0;

export function useAttachments(
  transport: UploadTransport | undefined,
  rules: UploadRules | undefined,
): AttachmentsState {
  const [chips, setChips] = useState<Chip[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const controllers = useRef(new Map<string, AbortController>());
  const latest = useRef(chips);
  latest.current = chips;

  const update = (key: string, change: Partial<Chip>) =>
    setChips((all) => all.map((c) => (c.key === key ? { ...c, ...change } : c)));

  const add = useCallback((files: File[]) => {
    if (!transport || !rules || !files.length) return;
    const checked = checkFiles(files, latest.current.length, rules);
    setErrors(checked.errors);
    for (const { file, mime } of checked.accepted) {
      const key = `chip-${++counter}`;
      const chip: Chip = {
        key,
        name: file.name || "pasted image",
        size: file.size,
        status: "uploading",
        progress: 0,
      };
      if (mime.startsWith("image/") && mime !== "image/svg+xml") {
        chip.thumbnail = URL.createObjectURL(file);
      }
      setChips((all) => [...all, chip]);
      const controller = new AbortController();
      controllers.current.set(key, controller);
      uploadFile(transport, file, mime, (progress) => update(key, { progress }), controller.signal)
        .then((attachment) => update(key, { status: "done", progress: 1, attachment }))
        .catch((error: Error) => {
          if (error.name === "AbortError") return;
          update(key, { status: "error", error: error.message });
        })
        .finally(() => controllers.current.delete(key));
    }
  }, [transport, rules]);

  const remove = useCallback((key: string) => {
    const chip = latest.current.find((c) => c.key === key);
    controllers.current.get(key)?.abort();
    if (chip?.attachment && transport) deleteUpload(transport, chip.attachment.id);
    if (chip?.thumbnail) URL.revokeObjectURL(chip.thumbnail);
    setChips((all) => all.filter((c) => c.key !== key));
  }, [transport]);

  const clear = useCallback(() => {
    for (const chip of latest.current) if (chip.thumbnail) URL.revokeObjectURL(chip.thumbnail);
    setChips([]);
    setErrors([]);
  }, []);

  useEffect(() => () => {
    for (const c of controllers.current.values()) c.abort();
  }, []);

  return {
    chips,
    errors,
    ready: chips.every((c) => c.status === "done"),
    uploaded: chips.flatMap((c) => (c.attachment ? [c.attachment] : [])),
    add,
    remove,
    dismissErrors: () => setErrors([]),
    clear,
  };
}
