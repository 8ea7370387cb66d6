/**
 * Postgres implementation of the Store contract on postgres.js. Every statement is parameterised
 * and filtered by owner; lists use keyset pagination on `(created_at, seq)` (never OFFSET).
 * Works on one connection (embedded PGlite): no statement relies on a second connection.
 * @module
 */
import { expectedType } from "../attachments/mime.ts";
import { AttachmentBytes } from "../attachments/store.ts";
import type { Sql } from "postgres";
import type {
  Attachment,
  Order,
  Page,
  ThreadItem,
  ThreadMetadata,
  ThreadStatus,
} from "../chatkit/types.ts";
import {
  clampLimit,
  type FeedbackKind,
  type OwnerStore,
  type Store,
  type StoredAttachment,
  type TurnStamp,
} from "./contract.ts";

// deno-lint-ignore no-explicit-any
type AnySql = Sql<any>;
// deno-lint-ignore no-explicit-any
type Json = any;

interface ThreadRow {
  id: string;
  title: string | null;
  status: ThreadStatus;
  metadata: Record<string, unknown> | null;
  allowed_image_domains: string[] | null;
  created_at: string;
}

interface AttachmentRow {
  payload: Attachment;
  size: string | number;
  uploaded: boolean;
  referenced: boolean;
}

function toThread(row: ThreadRow): ThreadMetadata {
  const thread: ThreadMetadata = {
    id: row.id,
    created_at: row.created_at,
    status: row.status ?? { type: "active" },
    metadata: row.metadata ?? {},
  };
  if (row.title !== null) thread.title = row.title;
  if (row.allowed_image_domains !== null) {
    thread.allowed_image_domains = row.allowed_image_domains;
  }
  return thread;
}

function toStoredAttachment(row: AttachmentRow): StoredAttachment {
  return {
    attachment: row.payload,
    size: Number(row.size),
    uploaded: row.uploaded,
    referenced: row.referenced,
  };
}

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length > limit) {
    const data = rows.slice(0, limit);
    return { data, has_more: true, after: data[data.length - 1].id };
  }
  return { data: rows, has_more: false };
}

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** The Postgres store; `forOwner` returns an owner-bound view. */
export class PostgresStore implements Store {
  readonly #sql: AnySql;

  constructor(sql: AnySql) {
    this.#sql = sql;
  }

  forOwner(owner: string): OwnerStore {
    return new PostgresOwnerStore(this.#sql, owner);
  }
}

class PostgresOwnerStore implements OwnerStore {
  readonly #sql: AnySql;
  readonly owner: string;

  constructor(sql: AnySql, owner: string) {
    this.#sql = sql;
    this.owner = owner;
  }

  // -- threads -------------------------------------------------------------------------------

  async loadThread(threadId: string): Promise<ThreadMetadata | null> {
    const sql = this.#sql;
    const rows = await sql<ThreadRow[]>`
      select id, title, status, metadata, allowed_image_domains,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from threads where id = ${threadId} and owner_id = ${this.owner}`;
    return rows.length ? toThread(rows[0]) : null;
  }

  async claimThread(
    threadId: string,
    turn: TurnStamp,
  ): Promise<{ thread: ThreadMetadata; claimed: boolean } | null> {
    const sql = this.#sql;
    // One statement loads the thread and sets the mark. A concurrent claim waits for this row's
    // lock, then re-checks its condition against the committed mark and changes nothing. The
    // select reads the row as it was before the update (same snapshot): the thread is returned
    // either way, so "unknown thread" (404) and "turn in progress" (409) stay apart.
    const rows = await sql<(ThreadRow & { claimed: boolean })[]>`
      with claimed as (
        update threads
        set turn_id = ${turn.id}, turn_expires_at = now() + ${turn.ttlMs}::int * interval '1 ms'
        where id = ${threadId} and owner_id = ${this.owner}
          and (turn_id is null or turn_expires_at <= now())
        returning id
      )
      select id, title, status, metadata, allowed_image_domains,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
             exists (select 1 from claimed) as claimed
      from threads where id = ${threadId} and owner_id = ${this.owner}`;
    return rows.length ? { thread: toThread(rows[0]), claimed: rows[0].claimed } : null;
  }

  async renewTurn(threadId: string, turn: TurnStamp): Promise<boolean> {
    const sql = this.#sql;
    const rows = await sql`
      update threads set turn_expires_at = now() + ${turn.ttlMs}::int * interval '1 ms'
      where id = ${threadId} and owner_id = ${this.owner} and turn_id = ${turn.id}
      returning id`;
    return rows.length > 0;
  }

  async endTurn(threadId: string, turnId: string): Promise<void> {
    const sql = this.#sql;
    await sql`
      update threads set turn_id = null, turn_expires_at = null
      where id = ${threadId} and owner_id = ${this.owner} and turn_id = ${turnId}`;
  }

  async saveThread(thread: ThreadMetadata): Promise<void> {
    const sql = this.#sql;
    await sql`
      insert into threads (id, owner_id, title, status, metadata, allowed_image_domains, created_at)
      values (${thread.id}, ${this.owner}, ${thread.title ?? null}, ${
      sql.json(thread.status as Json)
    },
              ${sql.json((thread.metadata ?? {}) as Json)},
              ${thread.allowed_image_domains ? sql.json(thread.allowed_image_domains) : null},
              ${thread.created_at}::text::timestamptz)
      on conflict (id) do update set
        title = excluded.title, status = excluded.status, metadata = excluded.metadata,
        allowed_image_domains = excluded.allowed_image_domains, updated_at = now()
      where threads.owner_id = excluded.owner_id`;
  }

  async createThread(
    thread: ThreadMetadata,
    firstItem?: ThreadItem,
    attachmentIds: string[] = [],
    turn?: TurnStamp,
  ): Promise<void> {
    const sql = this.#sql;
    const insertThread = sql`
      insert into threads (id, owner_id, title, status, metadata, allowed_image_domains, created_at,
                           turn_id, turn_expires_at)
      values (${thread.id}, ${this.owner}, ${thread.title ?? null}, ${
      sql.json(thread.status as Json)
    },
              ${sql.json((thread.metadata ?? {}) as Json)},
              ${thread.allowed_image_domains ? sql.json(thread.allowed_image_domains) : null},
              ${thread.created_at}::text::timestamptz,
              ${turn?.id ?? null}, now() + ${turn?.ttlMs ?? null}::int * interval '1 ms')
      -- The id is new: a conflict is this call's own earlier success, retried (store/retrying.ts).
      on conflict (id) do nothing`;
    if (!firstItem) {
      await insertThread;
      return;
    }
    const ids = unique(attachmentIds);
    await sql`
      with t as (${insertThread} returning id, owner_id)
      ${
      ids.length
        ? sql`, a as (${this.#stampAttachments(ids, thread.id, firstItem.id, true)})`
        : sql``
    }
      insert into thread_items (id, thread_id, owner_id, type, payload, created_at)
      select ${firstItem.id}, t.id, t.owner_id, ${firstItem.type}, ${sql.json(firstItem as Json)},
             ${firstItem.created_at}::text::timestamptz
      from t`;
  }

  async loadThreads(
    limit: number | undefined,
    after: string | undefined,
    order: Order,
  ): Promise<Page<ThreadMetadata>> {
    const sql = this.#sql;
    const n = clampLimit(limit);
    const desc = order === "desc";
    const cursor = after
      ? sql`and (created_at, seq) ${desc ? sql`<` : sql`>`}
            (select created_at, seq from threads where id = ${after} and owner_id = ${this.owner})`
      : sql``;
    const rows = await sql<ThreadRow[]>`
      select id, title, status, metadata, allowed_image_domains,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from threads
      where owner_id = ${this.owner} ${cursor}
      -- threads.created_at: a bare created_at would mean the to_char text above (no index use)
      order by ${
      desc
        ? sql`threads.created_at desc, threads.seq desc`
        : sql`threads.created_at asc, threads.seq asc`
    }
      limit ${n + 1}`;
    return page(rows.map(toThread), n);
  }

  async deleteThread(threadId: string): Promise<boolean> {
    const sql = this.#sql;
    // Items, feedback and attachments go with the thread (ON DELETE CASCADE).
    const rows =
      await sql`delete from threads where id = ${threadId} and owner_id = ${this.owner} returning id`;
    return rows.length > 0;
  }

  // -- items ---------------------------------------------------------------------------------

  async loadThreadItems(
    threadId: string,
    after: string | undefined,
    limit: number | undefined,
    order: Order,
  ): Promise<Page<ThreadItem>> {
    const sql = this.#sql;
    const n = clampLimit(limit);
    const desc = order === "desc";
    const cursor = after
      ? sql`and (created_at, seq) ${desc ? sql`<` : sql`>`}
            (select created_at, seq from thread_items
             where id = ${after} and thread_id = ${threadId} and owner_id = ${this.owner})`
      : sql``;
    const rows = await sql<{ payload: ThreadItem }[]>`
      select payload from thread_items
      where thread_id = ${threadId} and owner_id = ${this.owner} ${cursor}
      order by ${desc ? sql`created_at desc, seq desc` : sql`created_at asc, seq asc`}
      limit ${n + 1}`;
    return page(rows.map((r) => r.payload), n);
  }

  /**
   * Stamps attachments with their thread and message (`threadIsNew`: the thread is inserted by
   * the same statement). Only attachments no message refers to yet: one is never moved.
   */
  #stampAttachments(ids: string[], threadId: string, itemId: string, threadIsNew = false) {
    const sql = this.#sql;
    const owned = threadIsNew
      ? sql``
      : sql`and exists (select 1 from threads where id = ${threadId} and owner_id = ${this.owner})`;
    return sql`
      update attachments
      set thread_id = ${threadId}, item_id = ${itemId},
          payload = jsonb_set(payload, '{thread_id}', to_jsonb(${threadId}::text))
      where owner_id = ${this.owner} and id = any(${ids}::text[]) and item_id is null ${owned}
      returning id`;
  }

  async addThreadItem(
    threadId: string,
    item: ThreadItem,
    attachmentIds: string[] = [],
  ): Promise<boolean> {
    const sql = this.#sql;
    const ids = unique(attachmentIds);
    const rows = await sql`
      ${ids.length ? sql`with a as (${this.#stampAttachments(ids, threadId, item.id)})` : sql``}
      insert into thread_items (id, thread_id, owner_id, type, payload, created_at)
      select ${item.id}, t.id, t.owner_id, ${item.type}, ${
      sql.json(item as Json)
    }, ${item.created_at}::text::timestamptz
      from threads t where t.id = ${threadId} and t.owner_id = ${this.owner}
      -- The id is new: a conflict is this call's own earlier success, retried (store/retrying.ts).
      on conflict (id) do update set type = thread_items.type
      where thread_items.owner_id = excluded.owner_id and thread_items.thread_id = excluded.thread_id
      returning id`;
    return rows.length > 0;
  }

  async saveItem(threadId: string, item: ThreadItem): Promise<boolean> {
    const sql = this.#sql;
    const rows = await sql`
      insert into thread_items (id, thread_id, owner_id, type, payload, created_at)
      select ${item.id}, t.id, t.owner_id, ${item.type}, ${
      sql.json(item as Json)
    }, ${item.created_at}::text::timestamptz
      from threads t where t.id = ${threadId} and t.owner_id = ${this.owner}
      on conflict (id) do update set type = excluded.type, payload = excluded.payload
      where thread_items.owner_id = excluded.owner_id and thread_items.thread_id = excluded.thread_id
      returning id`;
    return rows.length > 0;
  }

  async loadItem(threadId: string, itemId: string): Promise<ThreadItem | null> {
    const sql = this.#sql;
    const rows = await sql<{ payload: ThreadItem }[]>`
      select payload from thread_items
      where id = ${itemId} and thread_id = ${threadId} and owner_id = ${this.owner}`;
    return rows.length ? rows[0].payload : null;
  }

  async deleteThreadItem(threadId: string, itemId: string): Promise<void> {
    const sql = this.#sql;
    await sql`delete from thread_items where id = ${itemId} and thread_id = ${threadId} and owner_id = ${this.owner}`;
  }

  async deleteItemsAfter(threadId: string, itemId: string): Promise<number> {
    const sql = this.#sql;
    const rows = await sql`
      delete from thread_items
      where thread_id = ${threadId} and owner_id = ${this.owner}
        and (created_at, seq) > (select created_at, seq from thread_items
                                 where id = ${itemId} and thread_id = ${threadId} and owner_id = ${this.owner})
      returning id`;
    return rows.length;
  }

  async loadLatestItems(
    threadId: string,
    limit: number,
  ): Promise<ThreadItem[]> {
    const sql = this.#sql;
    const rows = await sql<{ payload: ThreadItem }[]>`
      select payload from thread_items
      where thread_id = ${threadId} and owner_id = ${this.owner}
      order by created_at desc, seq desc
      limit ${clampLimit(limit)}`;
    return rows.map((r) => r.payload);
  }

  // -- feedback ------------------------------------------------------------------------------

  async addFeedback(
    threadId: string,
    itemIds: string[],
    kind: FeedbackKind,
  ): Promise<number> {
    const sql = this.#sql;
    const ids = unique(itemIds);
    if (!ids.length) return 0;
    const rows = await sql<{ n: number }[]>`
      with matched as (
        select id from thread_items
        where thread_id = ${threadId} and owner_id = ${this.owner} and id = any(${ids}::text[])
      ), ins as (
        insert into item_feedback (thread_id, item_id, owner_id, kind)
        select ${threadId}, id, ${this.owner}, ${kind} from matched
        where (select count(*) from matched) = ${ids.length}
        on conflict (thread_id, item_id) do update set kind = excluded.kind, created_at = now()
        where item_feedback.owner_id = excluded.owner_id
        returning 1
      )
      -- \`ins\` runs whether or not it is read (a data-modifying WITH always does).
      select (select count(*) from matched)::int as n`;
    return rows[0].n;
  }

  // -- attachments ---------------------------------------------------------------------------

  async saveAttachment(
    attachment: Attachment,
    size: number,
    bytes?: Uint8Array,
  ): Promise<void> {
    const sql = this.#sql;
    await sql`
      insert into attachments (id, owner_id, thread_id, type, name, mime_type, size, payload)
      values (${attachment.id}, ${this.owner}, null, ${attachment.type}, ${attachment.name}, ${attachment.mime_type}, ${size},
              ${sql.json(attachment as Json)})
      on conflict (id) do update set
        name = excluded.name, mime_type = excluded.mime_type, size = excluded.size, payload = excluded.payload
      where attachments.owner_id = excluded.owner_id and attachments.item_id is null`;
    if (!bytes) return;
    const files = new AttachmentBytes(sql, this.owner);
    await files.writeChunks(attachment.id, "o", bytes);
    const { upload_descriptor: _, ...uploaded } = attachment;
    await files.finishUpload(attachment.id, {
      mime: attachment.mime_type,
      kind: expectedType(attachment.name, attachment.mime_type).kind,
      size: bytes.byteLength,
      payload: uploaded,
    });
  }

  async loadAttachment(attachmentId: string): Promise<StoredAttachment | null> {
    const sql = this.#sql;
    const rows = await sql<AttachmentRow[]>`
      select payload, size, uploaded_at is not null as uploaded, item_id is not null as referenced
      from attachments where id = ${attachmentId} and owner_id = ${this.owner}`;
    return rows.length ? toStoredAttachment(rows[0]) : null;
  }

  async loadAttachments(attachmentIds: string[]): Promise<StoredAttachment[]> {
    if (!attachmentIds.length) return [];
    const sql = this.#sql;
    const rows = await sql<(AttachmentRow & { id: string })[]>`
      select id, payload, size, uploaded_at is not null as uploaded,
             item_id is not null as referenced
      from attachments
      where owner_id = ${this.owner} and id = any(${unique(attachmentIds)}::text[])`;
    const byId = new Map(rows.map((r) => [r.id, toStoredAttachment(r)]));
    return attachmentIds.map((id) => byId.get(id)).filter((
      a,
    ): a is StoredAttachment => a !== undefined);
  }

  async deleteAttachment(attachmentId: string): Promise<boolean> {
    // Not from under its message (409): deleting the thread removes it.
    return await new AttachmentBytes(this.#sql, this.owner).deleteUnreferenced(attachmentId);
  }

  async attachmentBytesUsed(): Promise<number> {
    return await new AttachmentBytes(this.#sql, this.owner).usedBytes();
  }

  // -- owner -----------------------------------------------------------------------------------

  async transferOwner(newOwner: string): Promise<number> {
    const from = this.owner;
    // One transaction, only `tx` inside: the embedded database has one connection.
    return await this.#sql.begin(async (tx) => {
      const threads = await tx`update threads set owner_id = ${newOwner} where owner_id = ${from}`;
      await tx`update thread_items set owner_id = ${newOwner} where owner_id = ${from}`;
      await tx`update item_feedback set owner_id = ${newOwner} where owner_id = ${from}`;
      await tx`update attachments set owner_id = ${newOwner} where owner_id = ${from}`;
      return threads.count;
    });
  }
}
