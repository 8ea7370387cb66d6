/**
 * The ChatKit protocol server (protocol §2, §6): parses a request, looks its type up in the
 * request table (`requests.ts`) and answers a JSON value or an async stream of events. It never
 * sees HTTP: the route reads the body and writes the answer (`lib/http/chatkit.ts`).
 *
 * Errors before a stream starts are thrown as typed HTTP errors (400/404/413/415/501); the thread
 * and items are validated and loaded before any event is produced. Inside a stream every failure
 * becomes one `error` event and the stream ends cleanly.
 * @module
 */
import { BadRequestError } from "../errors.ts";
import type { ChatKitHandlers, RequestContext } from "./context.ts";
import { type ChatKitLimits, DEFAULT_LIMITS } from "./limits.ts";
import { REQUESTS, type RequestSpec, type Scope, type ServerParts } from "./requests.ts";
import type { Responder } from "./responder.ts";
import { type ChatKitRequest, type ChatKitRequestType, parseChatKitRequest } from "./schemas.ts";
import { eventStream, type StreamLifecycle } from "./stream.ts";
import { TurnMark } from "./turn_mark.ts";
import { retryingStore } from "../store/retrying.ts";
import type { ThreadStreamEvent } from "./types.ts";

export type { ChatKitHandlers, RequestContext } from "./context.ts";
export { type ChatKitLimits, DEFAULT_LIMITS } from "./limits.ts";
export { CANCELLED_NOTE } from "./pipeline.ts";
export { errorEvent } from "./stream.ts";

/** What the server is built from. */
export interface ChatKitServerOptions {
  /** The assistant; without one, turns answer an `error` event. */
  responder?: Responder;
  handlers?: ChatKitHandlers;
  /** Filled at boot (`resolveSettings`); the defaults when not given. */
  limits?: ChatKitLimits;
  /** The app's stop signal; streams end (saving what they have) when it aborts. */
  lifecycle?: StreamLifecycle;
  /** `chatkit.allowedImageDomains`: sent with new threads as `allowed_image_domains`. */
  allowedImageDomains?: readonly string[];
}

/** The answer to a request: a JSON value, or the events of a stream. */
export type ChatKitResult =
  | { type: "json"; value: unknown }
  | {
    type: "stream";
    events: AsyncIterable<ThreadStreamEvent>;
    /** Undoes what the request set up, for a stream that will never be read (rate-limited). */
    discard(): Promise<void>;
  };

/** Serves the ChatKit protocol. */
export class ChatKitServer implements ServerParts {
  readonly limits: ChatKitLimits;
  responder?: Responder;
  handlers: ChatKitHandlers;
  readonly lifecycle?: StreamLifecycle;
  readonly allowedImageDomains?: readonly string[];

  constructor(options: ChatKitServerOptions) {
    this.lifecycle = options.lifecycle;
    this.allowedImageDomains = options.allowedImageDomains;
    this.responder = options.responder;
    this.handlers = options.handlers ?? {};
    this.limits = options.limits ?? DEFAULT_LIMITS;
  }

  /** Parses one raw JSON body (already read with the body cap). Throws 400 when invalid. */
  parse(body: Uint8Array | string): ChatKitRequest {
    let parsed: unknown;
    try {
      parsed = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
    } catch {
      throw new BadRequestError("Request body is not valid JSON", "invalid_json");
    }
    const result = parseChatKitRequest(parsed);
    if (!result.ok) throw new BadRequestError(result.message, "invalid_request");
    return result.request;
  }

  /** Whether a request starts a model turn (and so counts against the message rate limits). */
  startsTurn(req: ChatKitRequest): boolean {
    const spec = REQUESTS[req.type];
    if (!spec.streaming) return false;
    return typeof spec.startsTurn === "function" ? spec.startsTurn(this.handlers) : spec.startsTurn;
  }

  /** Answers a parsed request in the caller's own store. Throws typed HTTP errors before any event. */
  async handle(req: ChatKitRequest, ctx: RequestContext): Promise<ChatKitResult> {
    const spec = REQUESTS[req.type] as RequestSpec<ChatKitRequestType>;
    if (!spec.streaming) {
      const scope: Scope = { store: ctx.store, ctx, server: this };
      return { type: "json", value: await spec.handler(req as never, scope) };
    }
    // A stream's writes (the user's message, the finished reply) ride out a short database
    // outage; the user has the reply on screen meanwhile (store/retrying.ts).
    const store = retryingStore(ctx.store, this.limits.saveRetrySeconds * 1000);
    const scope: Scope = { store, ctx, server: this };
    // One turn per thread at a time (turn_mark.ts): the handler's thread load sets the mark.
    const turn = this.startsTurn(req) ? new TurnMark(ctx.store) : undefined;
    scope.turn = turn;
    let produce;
    try {
      produce = await spec.handler(req as never, scope);
    } catch (error) {
      await turn?.end(); // marked, then refused by a later check (a missing item, …)
      throw error;
    }
    if (turn) produce = turn.around(produce);
    return {
      type: "stream",
      events: eventStream(ctx.requestId, produce, this.lifecycle),
      discard: () => turn?.end() ?? Promise.resolve(),
    };
  }
}
