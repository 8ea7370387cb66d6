/**
 * The request table: every ChatKit request type (protocol §2) with its schema, its handler,
 * whether it answers with a stream of events, and whether it starts a model turn (which the
 * HTTP edge counts against the message rate limits). Adding a request type means one schema in
 * `schemas.ts`, one handler, and one row here.
 * @module
 */
import type { z } from "zod";
import type { OwnerStore } from "../store/mod.ts";
import type { ChatKitHandlers, RequestContext } from "./context.ts";
import type { ChatKitLimits } from "./limits.ts";
import type { Responder } from "./responder.ts";
import * as json from "./requests_json.ts";
import * as streaming from "./requests_stream.ts";
import { type ChatKitRequestType, REQUEST_SCHEMAS, type RequestOf } from "./schemas.ts";
import type { Producer } from "./stream.ts";
import type { TurnMark } from "./turn_mark.ts";

/** The parts of the server a handler may use. */
export interface ServerParts {
  /** The assistant; without one, turns answer an `error` event. */
  readonly responder?: Responder;
  readonly handlers: ChatKitHandlers;
  readonly limits: ChatKitLimits;
  /** Hosts whose images the client may show; new threads carry them (`allowed_image_domains`). */
  readonly allowedImageDomains?: readonly string[];
}

/** What a handler runs with: the caller's own store, the request context and the server. */
export interface Scope {
  store: OwnerStore;
  ctx: RequestContext;
  server: ServerParts;
  /**
   * Set when the request starts a model turn: the thread is loaded through it (`turnThread`),
   * which marks it as having a turn in progress, or refuses with 409.
   */
  turn?: TurnMark;
}

/** Answers a request with a JSON value. Throws typed HTTP errors. */
export type JsonHandler<T extends ChatKitRequestType> = (
  req: RequestOf<T>,
  scope: Scope,
) => Promise<unknown>;

/**
 * Validates a request (throwing typed HTTP errors before any event is sent), then returns the
 * producer of its events. It must only read before it returns (but for the thread's turn mark,
 * which the server clears if the producer never starts): `routes/chatkit.ts` runs it side by
 * side with the rate limit, and drops the producer unstarted when the limit refuses.
 */
export type StreamHandler<T extends ChatKitRequestType> = (
  req: RequestOf<T>,
  scope: Scope,
) => Promise<Producer>;

/** One row of the table. */
export type RequestSpec<T extends ChatKitRequestType> =
  | {
    schema: z.ZodType<RequestOf<T>>;
    streaming: false;
    startsTurn: false;
    handler: JsonHandler<T>;
  }
  | {
    schema: z.ZodType<RequestOf<T>>;
    streaming: true;
    /** True, or decided by the app's handlers (a custom action may or may not run the model). */
    startsTurn: boolean | ((handlers: ChatKitHandlers) => boolean);
    handler: StreamHandler<T>;
  };

const row = <T extends ChatKitRequestType>(
  type: T,
  spec: Omit<RequestSpec<T>, "schema">,
): RequestSpec<T> => ({ schema: REQUEST_SCHEMAS[type], ...spec } as RequestSpec<T>);

/** Every request type. */
export const REQUESTS: { readonly [T in ChatKitRequestType]: RequestSpec<T> } = {
  "threads.create": row("threads.create", {
    streaming: true,
    startsTurn: true,
    handler: streaming.createThread,
  }),
  "threads.add_user_message": row("threads.add_user_message", {
    streaming: true,
    startsTurn: true,
    handler: streaming.addUserMessage,
  }),
  "threads.add_client_tool_output": row("threads.add_client_tool_output", {
    streaming: true,
    startsTurn: true,
    handler: streaming.addClientToolOutput,
  }),
  "threads.add_structured_input": row("threads.add_structured_input", {
    streaming: true,
    startsTurn: true,
    handler: streaming.addStructuredInput,
  }),
  "threads.retry_after_item": row("threads.retry_after_item", {
    streaming: true,
    startsTurn: true,
    handler: streaming.retryAfterItem,
  }),
  "threads.custom_action": row("threads.custom_action", {
    streaming: true,
    startsTurn: (handlers) => handlers.actionStartsTurn === true,
    handler: streaming.customAction,
  }),
  "threads.sync_custom_action": row("threads.sync_custom_action", {
    streaming: false,
    startsTurn: false,
    handler: json.syncCustomAction,
  }),
  "threads.get_by_id": row("threads.get_by_id", {
    streaming: false,
    startsTurn: false,
    handler: json.getThread,
  }),
  "threads.list": row("threads.list", {
    streaming: false,
    startsTurn: false,
    handler: json.listThreads,
  }),
  "items.list": row("items.list", { streaming: false, startsTurn: false, handler: json.listItems }),
  "threads.update": row("threads.update", {
    streaming: false,
    startsTurn: false,
    handler: json.updateThread,
  }),
  "threads.delete": row("threads.delete", {
    streaming: false,
    startsTurn: false,
    handler: json.deleteThread,
  }),
  "items.feedback": row("items.feedback", {
    streaming: false,
    startsTurn: false,
    handler: json.addFeedback,
  }),
  "attachments.create": row("attachments.create", {
    streaming: false,
    startsTurn: false,
    handler: json.createAttachment,
  }),
  "attachments.delete": row("attachments.delete", {
    streaming: false,
    startsTurn: false,
    handler: json.deleteAttachment,
  }),
  "input.transcribe": row("input.transcribe", {
    streaming: false,
    startsTurn: false,
    handler: json.transcribe,
  }),
};
