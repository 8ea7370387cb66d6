/**
 * Attachments end to end: creating and uploading them (type decided from the bytes, limits,
 * quota, rate), preparing what the model reads (in the worker, after the upload answered),
 * signed preview URLs, and the sweep of uploads no message uses.
 * @module
 */
import { HttpError, NotFoundError } from "../errors.ts";
import { mimeAllowed } from "../chatkit/items.ts";
import { newAttachmentId } from "../chatkit/ids.ts";
import type { Attachment } from "../chatkit/types.ts";
import type { Sql } from "../db/mod.ts";
import { log } from "../log.ts";
import type { PreviewSigner } from "./present.ts";
import type { Prepared } from "./prepare.ts";
import type { AttachmentProcessor } from "./processor.ts";
import { textFileText } from "./text.ts";
import type { AttachmentModelSettings, AttachmentStorageSettings } from "./settings.ts";
import { clientAttachment } from "./mime.ts";
import { type DetectedType, detectType, expectedType, inlineSafe } from "./sniff.ts";

export { clientAttachment };
import { signAttachmentUrl, verifyAttachmentSignature } from "./signed_url.ts";
import {
  AttachmentBytes,
  type AttachmentRecord,
  type ModelInfo,
  QuotaExceededError,
  sweepUnreferenced,
} from "./store.ts";

/** Size and type limits of uploads (`limits.maxAttachmentBytes`, `limits.attachmentMimeTypes`). */
export interface UploadLimits {
  maxAttachmentBytes: number;
  attachmentMimeTypes: string[];
}

/** Everything the service needs. */
export interface AttachmentServiceOptions {
  sql: Sql;
  limits: UploadLimits;
  storage: AttachmentStorageSettings;
  model: AttachmentModelSettings;
  processor: AttachmentProcessor;
  /** Signs preview URLs (the app's secret). */
  secret: string;
}

function textPrepared(bytes: Uint8Array, maxChars: number): Prepared {
  const { text, totalChars } = textFileText(bytes, maxChars);
  return { text, textTotal: totalChars };
}

/** Attachment operations for every owner. */
export class AttachmentService {
  readonly limits: UploadLimits;
  readonly storage: AttachmentStorageSettings;
  readonly model: AttachmentModelSettings;
  readonly #sql: Sql;
  readonly #processor: AttachmentProcessor;
  readonly #secret: string;
  /** Preparations running in this process, by attachment id (a turn waits for them). */
  readonly #preparing = new Map<string, Promise<ModelInfo>>();
  #sweeper?: ReturnType<typeof setInterval>;

  constructor(options: AttachmentServiceOptions) {
    this.#sql = options.sql;
    this.limits = options.limits;
    this.storage = options.storage;
    this.model = options.model;
    this.#processor = options.processor;
    this.#secret = options.secret;
  }

  /** The owner's attachment store. */
  forOwner(owner: string): AttachmentBytes {
    return new AttachmentBytes(this.#sql, owner);
  }

  /** 415 outside the allow-list, 413 over the size limit. */
  checkTypeAndSize(mime: string, size: number): void {
    if (!mimeAllowed(mime, this.limits.attachmentMimeTypes)) {
      throw new HttpError(415, `Attachments of type ${mime} are not allowed`, {
        code: "unsupported_media_type",
      });
    }
    if (size > this.limits.maxAttachmentBytes) {
      throw new HttpError(
        413,
        `Attachment is larger than the limit of ${this.limits.maxAttachmentBytes} bytes`,
        { code: "payload_too_large" },
      );
    }
  }

  /**
   * The type an announced upload will be stored as (`attachments.create`): from its name and
   * declared type, checked against the allow-list and the size limit, and refused early when
   * the owner's quota cannot take it.
   */
  async checkAnnounced(
    owner: string,
    name: string,
    declaredMime: string,
    size: number,
  ): Promise<DetectedType> {
    const expected = expectedType(name, declaredMime);
    this.checkTypeAndSize(expected.mime, size);
    const used = await this.forOwner(owner).usedBytes();
    if (used + size > this.storage.maxStoredBytes) {
      throw new QuotaExceededError(used, this.storage.maxStoredBytes);
    }
    return expected;
  }

  /**
   * Stores the bytes of an attachment created by `attachments.create` (two-phase upload) and
   * answers it without its upload descriptor. A refused upload stores nothing.
   */
  async upload(
    owner: string,
    attachmentId: string,
    bytes: Uint8Array,
    origin: string,
  ): Promise<Attachment> {
    const store = this.forOwner(owner);
    const [record] = await store.load([attachmentId]);
    if (!record) throw new NotFoundError("Attachment not found");
    return await this.#store(store, record.id, record.name, record.mime, bytes, origin);
  }

  /** Direct upload: a new attachment from uploaded bytes. A refused upload stores nothing. */
  async createUploaded(
    owner: string,
    file: { name: string; mimeType: string; bytes: Uint8Array },
    origin: string,
  ): Promise<Attachment> {
    const store = this.forOwner(owner);
    const expected = expectedType(file.name, file.mimeType);
    // Type, size and lies are refused before any row exists.
    const detected = detectType(file.bytes, expected);
    this.checkTypeAndSize(detected.mime, file.bytes.byteLength);
    const id = newAttachmentId();
    const attachment = clientAttachment(id, file.name, detected, origin);
    await this.#sql`
      insert into attachments (id, owner_id, type, name, mime_type, size, payload)
      values (${id}, ${owner}, ${attachment.type}, ${file.name}, ${detected.mime},
              ${file.bytes.byteLength}, ${this.#sql.json(attachment as never)})`;
    try {
      return await this.#store(store, id, file.name, detected.mime, file.bytes, origin);
    } catch (error) {
      await store.deleteUnreferenced(id).catch(() => {});
      throw error;
    }
  }

  async #store(
    store: AttachmentBytes,
    id: string,
    name: string,
    mime: string,
    bytes: Uint8Array,
    origin: string,
  ): Promise<Attachment> {
    const detected = detectType(bytes, expectedType(name, mime));
    this.checkTypeAndSize(detected.mime, bytes.byteLength);
    await store.admitUpload(id, bytes.byteLength, this.storage);
    try {
      if (!await store.writeChunks(id, "o", bytes)) throw new NotFoundError("Attachment not found");
      const attachment = clientAttachment(id, name, detected, origin);
      const done = await store.finishUpload(id, {
        mime: detected.mime,
        kind: detected.kind,
        size: bytes.byteLength,
        payload: attachment,
      });
      if (!done) throw new NotFoundError("Attachment not found");
      // Prepared after the answer: the client does not wait for image or PDF processing.
      this.#startPreparing(store, id, bytes, detected);
      return attachment;
    } catch (error) {
      await store.releaseUpload(id).catch(() => {});
      throw error;
    }
  }

  #startPreparing(
    store: AttachmentBytes,
    id: string,
    bytes: Uint8Array,
    type: DetectedType,
  ): Promise<ModelInfo> {
    const running = (async () => {
      // Text files are cheap once bounded: prepared here, without a copy to the worker.
      const prepared = type.kind === "text"
        ? textPrepared(bytes, this.model.maxTextChars)
        : await this.#processor.prepare({
          bytes,
          mime: type.mime,
          kind: type.kind,
          imageBudget: this.model.image,
          maxTextChars: this.model.maxTextChars,
        });
      const info: ModelInfo = {};
      if (prepared.text !== undefined) info.text = prepared.text;
      if (prepared.textTotal !== undefined) info.textTotal = prepared.textTotal;
      if (prepared.pages !== undefined) info.pages = prepared.pages;
      if (prepared.problem) info.problem = prepared.problem;
      let copyBytes = 0;
      if (prepared.image) {
        const { bytes: copy, mime, width, height } = prepared.image;
        if (await store.writeChunks(id, "m", copy)) {
          info.image = { mime, width, height };
          copyBytes = copy.byteLength;
        }
      }
      await store.saveModel(id, info, copyBytes);
      return info;
    })();
    this.#preparing.set(id, running);
    running
      .catch((error) => log.warn("attachment preparation failed", { id, error: String(error) }))
      .finally(() => this.#preparing.delete(id));
    return running;
  }

  /**
   * What the model reads for an attachment: waits for a preparation still running here, and
   * prepares one that never ran (the process stopped, or another instance took the upload).
   */
  async modelInfo(store: AttachmentBytes, record: AttachmentRecord): Promise<ModelInfo | null> {
    if (record.model) return record.model;
    if (!record.uploaded || !record.kind) return null;
    const running = this.#preparing.get(record.id);
    if (running) return await running.catch(() => null);
    const bytes = await store.readBytes(record.id, "o");
    if (!bytes) return null;
    return await this.#startPreparing(store, record.id, bytes, {
      mime: record.mime,
      kind: record.kind,
    }).catch(() => null);
  }

  /** A signed preview URL of an owner's image (works without cookies until it expires). */
  previewUrl(owner: string, attachmentId: string, origin: string): Promise<string> {
    return signAttachmentUrl(this.#secret, {
      base: `${origin}/chatkit/preview/`,
      attachmentId,
      owner,
      ttlSeconds: this.storage.previewUrlSeconds,
    });
  }

  /** Signs the preview URLs of an owner's images (for `present.ts`). */
  signer(owner: string, origin: string): PreviewSigner {
    return (attachmentId) => this.previewUrl(owner, attachmentId, origin);
  }

  /** Attachments with fresh signed preview URLs (what is sent to a client). */
  async withSignedPreviews<T extends Attachment>(
    owner: string,
    attachments: T[],
    origin: string,
  ): Promise<T[]> {
    return await Promise.all(attachments.map(async (a) => {
      if (a.type !== "image") return a;
      return { ...a, preview_url: await this.previewUrl(owner, a.id, origin) };
    }));
  }

  /**
   * The preview of an image for a signed URL (`owner` unknown) or for its owner (identity from
   * the request). null when there is nothing to show: unknown, foreign, expired or forged,
   * not uploaded, or not a raster image (SVG and HTML are never served inline).
   */
  async preview(
    attachmentId: string,
    access: { owner?: string; expires?: string | null; signature?: string | null },
  ): Promise<
    { mime: string; size: number; chunks: AsyncGenerator<Uint8Array> } | "expired" | null
  > {
    let owner = access.owner;
    if (access.signature || access.expires) {
      // The owner comes from the row; the signature proves the URL was minted for that owner.
      const [row] = await this.#sql<{ owner_id: string }[]>`
        select owner_id from attachments where id = ${attachmentId}`;
      if (!row) return null;
      const check = await verifyAttachmentSignature(this.#secret, {
        attachmentId,
        owner: row.owner_id,
        expires: access.expires,
        signature: access.signature,
      });
      if (check === "expired") return "expired";
      if (check !== "ok") return null;
      owner = row.owner_id;
    }
    if (!owner) return null;
    const store = this.forOwner(owner);
    const [record] = await store.load([attachmentId]);
    if (!record?.uploaded || record.kind !== "image" || !inlineSafe(record.mime)) return null;
    return { mime: record.mime, size: record.size, chunks: store.streamBytes(attachmentId, "o") };
  }

  /** Deletes uploads no message used within `unattachedHours`. */
  async sweep(): Promise<number> {
    const cutoff = new Date(Date.now() - this.storage.unattachedHours * 3600 * 1000);
    const removed = await sweepUnreferenced(this.#sql, cutoff);
    if (removed) log.info("swept unattached uploads", { removed });
    return removed;
  }

  /** Sweeps now and then every `everyMs` (default: a twelfth of the age limit, at most hourly). */
  startSweeping(everyMs?: number): void {
    const interval = everyMs ?? Math.min(3600_000, this.storage.unattachedHours * 300_000);
    const run = () =>
      this.sweep().catch((error) => log.warn("sweep failed", { error: String(error) }));
    run();
    this.#sweeper = setInterval(run, interval);
    Deno.unrefTimer(this.#sweeper as unknown as number);
  }

  /** Stops the sweeper and the worker. */
  close(): void {
    if (this.#sweeper !== undefined) clearInterval(this.#sweeper);
    this.#processor.close();
  }
}
