/**
 * The Store contract (protocol §9): what every store view offers, page sizes, and the types.
 * `mod.ts` is the entry point; implementations import from here (no import cycle).
 * @module
 */
import type { Attachment, Order, Page, ThreadItem, ThreadMetadata } from "../chatkit/types.ts";

/** Default page size of lists. */
export const DEFAULT_LIMIT = 20;
/** Largest page size a caller can ask for. */
export const MAX_LIMIT = 100;

/** Clamps a requested page size: missing/0/negative → 20, above 100 → 100. */
export function clampLimit(limit: number | null | undefined): number {
  if (
    limit === null || limit === undefined || !Number.isFinite(limit) ||
    limit <= 0
  ) return DEFAULT_LIMIT;
  return Math.min(Math.floor(limit), MAX_LIMIT);
}

/** A stored attachment's metadata (bytes are loaded separately). */
export interface StoredAttachment {
  attachment: Attachment;
  size: number;
  uploaded: boolean;
  /** A message refers to it: it cannot be moved, replaced or deleted on its own. */
  referenced: boolean;
}

/**
 * The "turn in progress" mark a turn puts on its thread (one turn per thread at a time, across
 * instances): its id and how long it holds unless renewed.
 */
export interface TurnStamp {
  id: string;
  ttlMs: number;
}

/** Kind of item feedback. */
export type FeedbackKind = "positive" | "negative";

/** The owner-bound store view. */
export interface OwnerStore {
  readonly owner: string;

  /** The thread, or `null` when unknown or another owner's. */
  loadThread(threadId: string): Promise<ThreadMetadata | null>;
  /**
   * The thread, marked with `turn` in the same statement unless another turn's mark is still
   * valid (`claimed: false`, nothing changed). `null` when unknown or another owner's.
   */
  claimThread(
    threadId: string,
    turn: TurnStamp,
  ): Promise<{ thread: ThreadMetadata; claimed: boolean } | null>;
  /** Extends the turn's mark by its ttl; false when the mark is no longer this turn's. */
  renewTurn(threadId: string, turn: TurnStamp): Promise<boolean>;
  /** Clears the turn's mark (a mark that is no longer this turn's is left alone). */
  endTurn(threadId: string, turnId: string): Promise<void>;
  /** Inserts or updates a thread's metadata (title, status, metadata, allowed_image_domains). */
  saveThread(thread: ThreadMetadata): Promise<void>;
  /**
   * Inserts a new thread and (optionally) its first item in one statement, stamping the given
   * attachments with the thread id; with `turn`, the thread carries that turn's mark. Running it
   * again after it succeeded changes nothing (a retry after a lost answer).
   */
  createThread(
    thread: ThreadMetadata,
    firstItem?: ThreadItem,
    attachmentIds?: string[],
    turn?: TurnStamp,
  ): Promise<void>;
  /** Threads by `created_at` (ties by insertion order). */
  loadThreads(
    limit: number | undefined,
    after: string | undefined,
    order: Order,
  ): Promise<Page<ThreadMetadata>>;
  /** Deletes a thread with its items, feedback and attachments. Returns whether it existed. */
  deleteThread(threadId: string): Promise<boolean>;

  /** Items of a thread, hidden ones included. Unknown thread → empty page. */
  loadThreadItems(
    threadId: string,
    after: string | undefined,
    limit: number | undefined,
    order: Order,
  ): Promise<Page<ThreadItem>>;
  /**
   * Inserts a new item (and stamps attachments with the thread id). False when the thread is
   * unknown. Running it again after it succeeded changes nothing (a retry after a lost answer).
   */
  addThreadItem(
    threadId: string,
    item: ThreadItem,
    attachmentIds?: string[],
  ): Promise<boolean>;
  /** Upserts an item by id, keeping its position. False when the thread is unknown. */
  saveItem(threadId: string, item: ThreadItem): Promise<boolean>;
  /** The item, or `null`. */
  loadItem(threadId: string, itemId: string): Promise<ThreadItem | null>;
  /** Deletes one item. */
  deleteThreadItem(threadId: string, itemId: string): Promise<void>;
  /** Deletes every item after the given one (in ascending order). Returns the number deleted. */
  deleteItemsAfter(threadId: string, itemId: string): Promise<number>;
  /** Newest items first (a single query), for "latest item" checks. */
  loadLatestItems(threadId: string, limit: number): Promise<ThreadItem[]>;

  /**
   * Records feedback on items of a thread. Returns the number of item ids that exist in the thread;
   * nothing is written unless all of them exist.
   */
  addFeedback(
    threadId: string,
    itemIds: string[],
    kind: FeedbackKind,
  ): Promise<number>;

  /**
   * Inserts or updates attachment metadata; with `bytes`, also stores them as an upload
   * (unchecked: uploads from clients go through lib/attachments/service.ts).
   */
  saveAttachment(
    attachment: Attachment,
    size: number,
    bytes?: Uint8Array,
  ): Promise<void>;
  /** Bytes the owner's attachments hold (the storage quota adds these up). */
  attachmentBytesUsed(): Promise<number>;
  /** Attachment metadata, or `null`. */
  loadAttachment(attachmentId: string): Promise<StoredAttachment | null>;
  /** Attachment metadata of several ids (missing ones absent), in the given order. */
  loadAttachments(attachmentIds: string[]): Promise<StoredAttachment[]>;
  /** Deletes an attachment no message uses. false when unknown; 409 when a message uses it. */
  deleteAttachment(attachmentId: string): Promise<boolean>;

  /**
   * Hands everything this owner has (threads, items, feedback, attachments) to `newOwner`, in one
   * transaction — a visitor's conversations to the account they sign in to. Returns the number
   * of threads moved. A new owner-scoped table must be added here.
   */
  transferOwner(newOwner: string): Promise<number>;
}

/** The view handed to responders. */
export type ThreadItemStore = OwnerStore;

/** A store that hands out owner-bound views. */
export interface Store {
  forOwner(owner: string): OwnerStore;
}
