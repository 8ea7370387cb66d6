/**
 * The composer's attachments: one chip per file with its name, size, upload progress and a
 * remove button, and the messages of files that were refused before uploading.
 * @module
 */
import { formatSize, type UploadedAttachment } from "./uploads.ts";

/** One file in the composer. */
export interface Chip {
  key: string;
  name: string;
  size: number;
  status: "uploading" | "done" | "error";
  /** 0..1 while uploading. */
  progress: number;
  error?: string;
  /** A local object URL for image thumbnails. */
  thumbnail?: string;
  /** The stored attachment, once uploaded. */
  attachment?: UploadedAttachment;
}

export interface AttachmentChipsProps {
  chips: Chip[];
  errors: string[];
  onRemove(key: string): void;
  onDismissErrors(): void;
}

export function AttachmentChips(props: AttachmentChipsProps) {
  if (!props.chips.length && !props.errors.length) return null;
  return (
    <div class="ck-attachments">
      {props.errors.length > 0 && (
        <div class="ck-attach-errors" role="alert">
          <ul>
            {props.errors.map((e) => <li key={e}>{e}</li>)}
          </ul>
          <button type="button" class="ck-attach-dismiss" onClick={props.onDismissErrors}>
            Dismiss
          </button>
        </div>
      )}
      {props.chips.length > 0 && (
        <ul class="ck-chips" aria-label="Attachments">
          {props.chips.map((chip) => (
            <li key={chip.key} class={`ck-chip ck-chip-${chip.status}`} data-status={chip.status}>
              {chip.thumbnail && <img class="ck-chip-thumb" src={chip.thumbnail} alt="" />}
              <span class="ck-chip-text">
                <span class="ck-chip-name" title={chip.name}>{chip.name}</span>
                <span class="ck-chip-meta">
                  {formatSize(chip.size)}
                  {chip.status === "error" && ` — ${chip.error}`}
                </span>
                {chip.status === "uploading" && (
                  <progress
                    class="ck-chip-progress"
                    max={1}
                    value={chip.progress}
                    aria-label={`Uploading ${chip.name}`}
                  />
                )}
              </span>
              <button
                type="button"
                class="ck-chip-remove"
                aria-label={`Remove ${chip.name}`}
                title="Remove"
                onClick={() =>
                  props.onRemove(chip.key)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
