/**
 * The plug-in point of the assistant: the server calls `Responder.respond` for every turn and
 * streams what it yields (protocol §6.6).
 *
 * Rules for implementations:
 * - Yield `thread.item.added` / `thread.item.updated` / `thread.item.done` (or whole items with just
 *   `done`). Only `done`, `replaced` and `removed` are persisted, by the server.
 * - Mint ids for new items with `newItemId("message")` etc.; timestamps with `nowIso()`.
 * - Setting `thread.title` (or status / metadata) makes the server save the thread and emit
 *   `thread.updated`.
 * - Stop promptly when `context.signal` aborts (client disconnected). The server then stores the
 *   partial assistant text it saw and a hidden "cancelled" note itself.
 * - Throw `CustomStreamError(message)` for a user-visible error or `StreamError(code)`; any other
 *   exception becomes a generic retryable `error` event (message never leaked).
 * @module
 */
import type { ThreadItemStore } from "../store/mod.ts";
import type { ThreadMetadata, ThreadStreamEvent, UserMessageItem } from "./types.ts";

export { newItemId, nowIso } from "./ids.ts";
export { CustomStreamError, StreamError } from "./errors.ts";

/** Per-turn context handed to the responder. */
export interface RespondContext {
  /** Owner id of the caller (user id or `anon:<id>`). */
  owner: string;
  /** Request id for logs. */
  requestId: string;
  /** Aborts when the client disconnects; stop generating then. */
  signal: AbortSignal;
  /** Owner-bound store view (read history with `loadThreadItems(threadId, after, limit, order)`). */
  store: ThreadItemStore;
  /** The client's UI locale (`Accept-Language`), when sent. */
  locale?: string;
  /** What `Responder.prepare` started for this turn, if the responder has it. */
  prepared?: Promise<unknown>;
  /** The host page of an embed the message came from (`RequestContext.page`). */
  page?: { url: string; title?: string };
}

/** Produces the assistant's events for one turn. */
export interface Responder {
  /**
   * Optional: starts reading what the turn needs (history, retrieval) while the server is still
   * storing the new message; handed back to `respond` as `context.prepared`. Must only read
   * (the message may not be stored yet, and may never be, if storing it fails).
   */
  prepare?(
    thread: ThreadMetadata,
    input: UserMessageItem,
    context: RespondContext,
  ): Promise<unknown>;
  /**
   * @param thread mutable: setting `thread.title` makes the server save it and emit `thread.updated`
   * @param input the new user message, or `null` after client tool output / structured input
   */
  respond(
    thread: ThreadMetadata,
    input: UserMessageItem | null,
    context: RespondContext,
  ): AsyncIterable<ThreadStreamEvent>;
}
