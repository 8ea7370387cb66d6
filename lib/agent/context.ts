/**
 * The agent context: what every tool (`runContext.context`), pre-model step and input builder of
 * one turn receives, so that none of them reaches around the layers for data.
 *
 * - `store` is the caller's own store view (`store.forOwner(owner)`): threads, items,
 *   attachments of this owner only.
 * - `sql` is for app-wide data that belongs to no owner — the site's knowledge base. Never read
 *   or write owner data through it (use `store`).
 * - `signal` aborts when the client goes away or the turn ends early: pass it to any slow call.
 * - `log` tags every line with the request and thread ids.
 *
 * A tool reads it as `execute: (args, runContext) => runContext!.context.store.loadThread(…)`.
 * @module
 */
import type { AgentInputItem } from "@openai/agents";
import type { RespondContext } from "../chatkit/responder.ts";
import type { UserMessageItem } from "../chatkit/types.ts";
import type { Sql } from "../db/mod.ts";
import type { Logger } from "../log.ts";
import { log } from "../log.ts";
import type { OwnerStore } from "../store/mod.ts";
import { type HistorySource, withSharedFirstPage } from "./input.ts";

/** The context of one turn (see the module comment). */
export interface AgentContext {
  /** Owner id of the caller (user id or `anon:<id>`). */
  owner: string;
  /** The thread being answered. */
  threadId: string;
  /** Request id (also in every `log` line). */
  requestId: string;
  /** The client's UI locale (`Accept-Language`), when sent. */
  locale?: string;
  /**
   * The page of another site the user writes from (an embed; URL without query or fragment).
   * Knowledge retrieval may rank that page's passages first.
   */
  page?: { url: string; title?: string };
  /** The caller's own store view. */
  store: OwnerStore;
  /**
   * This thread's items for the model input: `store` with the newest page read once per turn,
   * shared by the history and the pre-model steps (read the thread's recent items through it).
   */
  history: HistorySource;
  /** App-wide data that belongs to no owner (the knowledge base). */
  sql: Sql;
  /** Aborts when the client disconnects or the turn ends early. */
  signal: AbortSignal;
  /** Logger bound to the request and thread. */
  log: Logger;
}

/**
 * A step that runs before the model call, concurrently with reading the thread's history —
 * e.g. knowledge retrieval. What it returns joins the model's input.
 */
export interface PreModelStep {
  /** Names the step in log lines. */
  name: string;
  /**
   * @param input the new user message, or `null` (a turn after client tool output or
   *   structured input)
   */
  run(context: AgentContext, input: UserMessageItem | null): Promise<PreModelResult | undefined>;
}

/** What a pre-model step adds to the turn. */
export interface PreModelResult {
  /** Input items placed just before the newest user message (appended when there is none). */
  input?: AgentInputItem[];
}

/** The agent context of a turn, from the protocol server's context and the app's database. */
export function agentContext(threadId: string, context: RespondContext, sql: Sql): AgentContext {
  const out: AgentContext = {
    owner: context.owner,
    threadId,
    requestId: context.requestId,
    store: context.store,
    history: withSharedFirstPage(context.store, threadId),
    sql,
    signal: context.signal,
    log: log.with({ requestId: context.requestId, threadId }),
  };
  if (context.locale) out.locale = context.locale;
  if (context.page) out.page = context.page;
  return out;
}
