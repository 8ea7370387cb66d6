/**
 * Attachment bytes, quotas and clean-up in Postgres, bound to one owner (every statement
 * filters by it; the sweep is the one exception: no owner is acting, see {@link sweepUnreferenced}).
 *
 * Bytes are written in {@link CHUNK_BYTES} rows, one statement each and outside a transaction:
 * on the embedded database (one connection, one query at a time) eight concurrent 10 MB uploads
 * as single statements held `select 1` for 5.5 s; in chunks, at most 92 ms (measured with
 * PGlite 0.5.16). A half-written upload is never marked uploaded and is swept like any orphan.
 * @module
 */
import type { Sql } from "../db/mod.ts";
import { HttpError, TooManyRequestsError } from "../errors.ts";
import type { AttachmentKind } from "./sniff.ts";

/** Bytes per stored chunk. */
export const CHUNK_BYTES = 256 * 1024;

/** Chunks read per statement (1 MiB). */
const CHUNKS_PER_READ = 4;

/** Which bytes: the upload (`o`) or the model's copy (`m`). */
export type Variant = "o" | "m";

/** Per-owner limits on stored attachments. */
export interface AttachmentQuota {
  /** Bytes an owner may keep in attachments (uploads and their model copies). */
  maxStoredBytes: number;
  /** Uploads an owner may make per hour (0: no limit). */
  uploadsPerHour: number;
}

export const DEFAULT_ATTACHMENT_QUOTA: AttachmentQuota = {
  maxStoredBytes: 100 * 1024 * 1024,
  uploadsPerHour: 20,
};

/** The owner's stored-bytes quota would be exceeded (413). */
export class QuotaExceededError extends HttpError {
  constructor(usedBytes: number, limitBytes: number) {
    const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;
    super(
      413,
      `Storage quota exceeded: your attachments use ${mb(usedBytes)} of ${mb(limitBytes)}. ` +
        "Delete old conversations to make room.",
      { code: "attachment_quota_exceeded" },
    );
  }
}

/** The attachment already belongs to a message (409). */
export class AttachmentInUseError extends HttpError {
  constructor(message: string) {
    super(409, message, { code: "attachment_in_use" });
  }
}

/** What the model reads for an attachment (the `model` column). */
export interface ModelInfo {
  text?: string;
  textTotal?: number;
  pages?: number;
  problem?: string;
  /** Set when a smaller copy (variant `m`) was stored. */
  image?: { mime: string; width: number; height: number };
}

/** An attachment row as the model input builder needs it. */
export interface AttachmentRecord {
  id: string;
  name: string;
  mime: string;
  kind: AttachmentKind | null;
  uploaded: boolean;
  itemId: string | null;
  threadId: string | null;
  /** null until prepared. */
  model: ModelInfo | null;
  /** The upload's size in bytes. */
  size: number;
  storedBytes: number;
}

interface Row {
  id: string;
  name: string;
  mime_type: string;
  kind: AttachmentKind | null;
  uploaded: boolean;
  item_id: string | null;
  thread_id: string | null;
  model: ModelInfo | null;
  size: string | number;
  stored_bytes: string | number;
}

function toRecord(row: Row): AttachmentRecord {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime_type,
    kind: row.kind,
    uploaded: row.uploaded,
    itemId: row.item_id,
    threadId: row.thread_id,
    model: row.model,
    size: Number(row.size),
    storedBytes: Number(row.stored_bytes),
  };
}

/** A lock key per owner (transaction-scoped advisory locks are safe behind PgBouncer). */
const LOCK_NAMESPACE = 13;

/** Attachment bytes and limits of one owner. */
export class AttachmentBytes {
  readonly #sql: Sql;
  readonly owner: string;

  constructor(sql: Sql, owner: string) {
    this.#sql = sql;
    this.owner = owner;
  }

  /** The owner's attachments by id (missing ids are left out), in the order asked. */
  async load(ids: string[]): Promise<AttachmentRecord[]> {
    if (!ids.length) return [];
    const rows = await this.#sql<Row[]>`
      select id, name, mime_type, kind, uploaded_at is not null as uploaded, item_id, thread_id,
             model, size, stored_bytes
      from attachments where owner_id = ${this.owner} and id = any(${[...new Set(ids)]}::text[])`;
    const byId = new Map(rows.map((r) => [r.id, toRecord(r)]));
    return ids.map((id) => byId.get(id)).filter((r): r is AttachmentRecord => r !== undefined);
  }

  /** Bytes the owner's attachments hold. */
  async usedBytes(): Promise<number> {
    const [row] = await this.#sql<{ used: string }[]>`
      select coalesce(sum(stored_bytes), 0) as used from attachments where owner_id = ${this.owner}`;
    return Number(row.used);
  }

  /**
   * Admits an upload of `size` bytes to attachment `id` (already created): refuses it when the
   * owner's hourly upload count or stored-bytes quota would be exceeded (429 / 413, nothing
   * stored), else counts it and reserves its bytes, all under a per-owner lock so concurrent
   * uploads cannot overshoot together. Throws 409 when the attachment belongs to a message.
   */
  async admitUpload(id: string, size: number, quota: AttachmentQuota): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${this.owner}))`;
      const [current] = await tx<{ item_id: string | null; stored_bytes: string }[]>`
        select item_id, stored_bytes from attachments
        where id = ${id} and owner_id = ${this.owner} for update`;
      if (!current) throw new HttpError(404, "Attachment not found", { code: "not_found" });
      if (current.item_id) {
        throw new AttachmentInUseError(
          "This attachment is part of a sent message; its content cannot be replaced",
        );
      }
      if (quota.uploadsPerHour > 0) {
        const [window] = await tx<{ count: number; retry: number }[]>`
          select count, ceil(extract(epoch from (window_start + interval '1 hour'
            - (now() at time zone 'utc'))))::int as retry
          from attachment_upload_windows
          where owner_id = ${this.owner}
            and window_start = date_trunc('hour', now() at time zone 'utc')`;
        if (window && window.count >= quota.uploadsPerHour) {
          throw new TooManyRequestsError(
            window.retry,
            `Too many uploads: at most ${quota.uploadsPerHour} per hour. Try again later.`,
          );
        }
      }
      const [{ used }] = await tx<{ used: string }[]>`
        select coalesce(sum(stored_bytes), 0) as used from attachments
        where owner_id = ${this.owner} and id <> ${id}`;
      if (Number(used) + size > quota.maxStoredBytes) {
        throw new QuotaExceededError(Number(used), quota.maxStoredBytes);
      }
      if (quota.uploadsPerHour > 0) {
        await tx`
          insert into attachment_upload_windows (owner_id, window_start, count)
          values (${this.owner}, date_trunc('hour', now() at time zone 'utc'), 1)
          on conflict (owner_id, window_start)
          do update set count = attachment_upload_windows.count + 1`;
      }
      await tx`update attachments set stored_bytes = ${size}, uploaded_at = null, model = null
        where id = ${id} and owner_id = ${this.owner}`;
    });
  }

  /**
   * Writes bytes as chunks (replacing the variant's earlier chunks). Returns false when the
   * attachment is gone (deleted meanwhile).
   */
  async writeChunks(id: string, variant: Variant, bytes: Uint8Array): Promise<boolean> {
    await this.#sql`delete from attachment_chunks c using attachments a
      where c.attachment_id = a.id and a.id = ${id} and a.owner_id = ${this.owner}
        and c.variant = ${variant}`;
    for (let ord = 0, offset = 0; offset < bytes.byteLength || ord === 0; ord++) {
      const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
      offset += CHUNK_BYTES;
      const rows = await this.#sql`
        insert into attachment_chunks (attachment_id, variant, ord, data)
        select id, ${variant}, ${ord}, ${chunk} from attachments
        where id = ${id} and owner_id = ${this.owner}
        returning ord`;
      if (!rows.length) return false;
    }
    return true;
  }

  /**
   * Marks an upload complete: its decided type and kind, the payload the client sees, and its
   * stored size. Returns false when the attachment is gone.
   */
  async finishUpload(
    id: string,
    fields: { mime: string; kind: AttachmentKind; size: number; payload: unknown },
  ): Promise<boolean> {
    const rows = await this.#sql`
      update attachments set mime_type = ${fields.mime}, kind = ${fields.kind},
        size = ${fields.size}, stored_bytes = ${fields.size}, uploaded_at = now(), model = null,
        payload = ${this.#sql.json(fields.payload as never)}
      where id = ${id} and owner_id = ${this.owner}
      returning id`;
    return rows.length > 0;
  }

  /** Stores what the model reads (and the size of a model copy, which counts against the quota). */
  async saveModel(id: string, model: ModelInfo, copyBytes = 0): Promise<void> {
    await this.#sql`
      update attachments set model = ${this.#sql.json(model as never)},
        stored_bytes = size + ${copyBytes}
      where id = ${id} and owner_id = ${this.owner}`;
  }

  /** Releases a refused or failed upload's reservation (its bytes are dropped). */
  async releaseUpload(id: string): Promise<void> {
    await this.#sql`delete from attachment_chunks c using attachments a
      where c.attachment_id = a.id and a.id = ${id} and a.owner_id = ${this.owner}`;
    await this.#sql`update attachments set stored_bytes = 0, uploaded_at = null, model = null
      where id = ${id} and owner_id = ${this.owner} and item_id is null`;
  }

  /** Reads a variant's bytes a few chunks per statement; null when there are none. */
  async readBytes(id: string, variant: Variant): Promise<Uint8Array | null> {
    const parts: Uint8Array[] = [];
    for await (const chunk of this.streamBytes(id, variant)) parts.push(chunk);
    if (!parts.length) return null;
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.byteLength;
    }
    return out;
  }

  /** The chunks of a variant, in order (previews stream them out). */
  async *streamBytes(id: string, variant: Variant): AsyncGenerator<Uint8Array> {
    let next = 0;
    while (true) {
      const rows = await this.#sql<{ ord: number; data: Uint8Array }[]>`
        select c.ord, c.data from attachment_chunks c join attachments a on a.id = c.attachment_id
        where a.id = ${id} and a.owner_id = ${this.owner} and c.variant = ${variant}
          and c.ord >= ${next}
        order by c.ord limit ${CHUNKS_PER_READ}`;
      for (const row of rows) yield row.data;
      if (rows.length < CHUNKS_PER_READ) return;
      next = rows[rows.length - 1].ord + 1;
    }
  }

  /**
   * Deletes an attachment not yet part of a message. false when there is none; 409 when it
   * belongs to a message (deleting the thread removes it).
   */
  async deleteUnreferenced(id: string): Promise<boolean> {
    const rows = await this.#sql<{ item_id: string | null }[]>`
      with gone as (
        delete from attachments where id = ${id} and owner_id = ${this.owner} and item_id is null
        returning id)
      select (select count(*) from gone)::int as deleted,
             (select item_id from attachments where id = ${id} and owner_id = ${this.owner}) as item_id`;
    const row = rows[0] as unknown as { deleted: number; item_id: string | null };
    if (row.deleted > 0) return true;
    if (row.item_id) {
      throw new AttachmentInUseError(
        "This attachment is part of a sent message; delete the conversation to remove it",
      );
    }
    return false;
  }
}

/**
 * Deletes attachments that no message references and that were created before `olderThan`
 * (their chunks go with them). Site-wide by necessity: it runs for no owner (at boot and
 * periodically), and it only ever touches rows no message refers to. Deletes in batches so that
 * other queries get through in between; returns how many it deleted.
 */
export async function sweepUnreferenced(
  sql: Sql,
  olderThan: Date,
  batchSize = 200,
): Promise<number> {
  let total = 0;
  while (true) {
    const rows = await sql`
      delete from attachments where id in (
        select id from attachments
        where item_id is null and thread_id is null and created_at < ${olderThan}
        order by created_at limit ${batchSize})
      returning id`;
    total += rows.length;
    if (rows.length < batchSize) return total;
  }
}
