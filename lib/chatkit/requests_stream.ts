/**
 * The handlers of the request types answered with a stream of events (protocol §6). Each one
 * validates first — thread, item and attachments are loaded and checked before any event, so a
 * bad request is still a plain HTTP error — then returns the producer of the stream, which saves
 * the input and runs the turn through the pipeline.
 * @module
 */
import { BadRequestError } from "../errors.ts";
import { CustomStreamError, StreamError } from "./errors.ts";
import {
  checkMessage,
  loadMessageAttachments,
  refuseInactive,
  requireItem,
  respondContext,
  turnThread,
} from "./guards.ts";
import { newThreadId, nowIso } from "./ids.ts";
import { answerStructuredInput, buildUserMessage } from "./items.ts";
import { clientThread } from "./json.ts";
import { runPipeline, type Turn } from "./pipeline.ts";
import type { Scope, ServerParts } from "./requests.ts";
import type { RequestOf } from "./schemas.ts";
import type { EventSink, Producer } from "./stream.ts";
import type { ThreadItem, ThreadMetadata, UserMessageItem, WidgetItem } from "./types.ts";

/** `threads.create`: a new thread with the user's first message, then the reply. */
export async function createThread(
  req: RequestOf<"threads.create">,
  scope: Scope,
): Promise<Producer> {
  const { store, server } = scope;
  const input = req.params.input;
  checkMessage(input, server.limits.maxMessageChars);
  const attachments = await loadMessageAttachments(
    store,
    input.attachments,
    server.limits.maxAttachmentsPerMessage,
  );
  return async (sink, signal) => {
    const thread: ThreadMetadata = {
      id: newThreadId(),
      created_at: nowIso(),
      status: { type: "active" },
      metadata: {},
    };
    // The protocol's way to tell a client (ChatKit's web component too) which image hosts it
    // may load; the built-in client takes them from its settings as well.
    if (server.allowedImageDomains?.length) {
      thread.allowed_image_domains = [...server.allowedImageDomains];
    }
    const userItem = buildUserMessage(thread.id, input, attachments, scope.ctx.page);
    const prepared = prepare(scope, thread, userItem, signal);
    scope.turn?.adopt(thread.id);
    await store.createThread(thread, userItem, input.attachments, scope.turn?.stamp);
    sink.send({ type: "thread.created", thread: clientThread(thread) });
    sink.send({ type: "thread.item.done", item: userItem });
    await respond(turnOf(scope, thread, sink, signal), scope, userItem, true, prepared);
  };
}

/** `threads.add_user_message`: the message, then the reply. */
export async function addUserMessage(
  req: RequestOf<"threads.add_user_message">,
  scope: Scope,
): Promise<Producer> {
  const { store, server } = scope;
  const input = req.params.input;
  checkMessage(input, server.limits.maxMessageChars);
  const thread = await turnThread(scope, req.params.thread_id);
  const attachments = await loadMessageAttachments(
    store,
    input.attachments,
    server.limits.maxAttachmentsPerMessage,
  );
  return async (sink, signal) => {
    if (refuseInactive(thread, sink)) return;
    const userItem = buildUserMessage(thread.id, input, attachments, scope.ctx.page);
    const prepared = prepare(scope, thread, userItem, signal);
    if (!await store.addThreadItem(thread.id, userItem, input.attachments)) {
      throw new CustomStreamError("This thread no longer exists.");
    }
    sink.send({ type: "thread.item.done", item: userItem });
    await respond(turnOf(scope, thread, sink, signal), scope, userItem, true, prepared);
  };
}

/** `threads.add_client_tool_output`: completes the pending client tool call, then the reply. */
export async function addClientToolOutput(
  req: RequestOf<"threads.add_client_tool_output">,
  scope: Scope,
): Promise<Producer> {
  const { store } = scope;
  const thread = await turnThread(scope, req.params.thread_id);
  const latest = await store.loadLatestItems(thread.id, 20);
  const call = latest[0];
  if (!call || call.type !== "client_tool_call" || call.status !== "pending") {
    throw new BadRequestError(
      "There is no pending client tool call in this thread",
      "no_pending_tool_call",
    );
  }
  return async (sink, signal) => {
    if (refuseInactive(thread, sink)) return;
    const completed: ThreadItem = { ...call, status: "completed", output: req.params.result };
    await store.saveItem(thread.id, completed);
    for (const item of latest.slice(1)) {
      if (item.type === "client_tool_call" && item.status === "pending") {
        await store.deleteThreadItem(thread.id, item.id);
      }
    }
    await respond(turnOf(scope, thread, sink, signal), scope, null);
  };
}

/** `threads.add_structured_input`: answers the pending structured input item, then the reply. */
export async function addStructuredInput(
  req: RequestOf<"threads.add_structured_input">,
  scope: Scope,
): Promise<Producer> {
  const { store, server } = scope;
  const thread = await turnThread(scope, req.params.thread_id);
  const item = await requireItem(store, thread.id, req.params.item_id);
  if (item.type !== "structured_input" || item.status !== "pending") {
    throw new BadRequestError(
      "params.item_id: not a pending structured input item",
      "invalid_request",
    );
  }
  return async (sink, signal) => {
    if (refuseInactive(thread, sink)) return;
    const answered = answerStructuredInput(item, req.params.input);
    sink.send({ type: "stream_options", stream_options: streamOptions(server, thread) });
    await store.saveItem(thread.id, answered);
    sink.send({ type: "thread.item.replaced", item: answered });
    await respond(turnOf(scope, thread, sink, signal), scope, null, false);
  };
}

/** `threads.retry_after_item`: drops everything after a user message and answers it again. */
export async function retryAfterItem(
  req: RequestOf<"threads.retry_after_item">,
  scope: Scope,
): Promise<Producer> {
  const { store } = scope;
  const thread = await turnThread(scope, req.params.thread_id);
  const item = await requireItem(store, thread.id, req.params.item_id);
  if (item.type !== "user_message") {
    throw new BadRequestError(
      "params.item_id: retry needs the id of a user message",
      "invalid_request",
    );
  }
  return async (sink, signal) => {
    if (refuseInactive(thread, sink)) return;
    await store.deleteItemsAfter(thread.id, item.id);
    await respond(turnOf(scope, thread, sink, signal), scope, item);
  };
}

/** `threads.custom_action`: the events of the app's `action` handler. */
export async function customAction(
  req: RequestOf<"threads.custom_action">,
  scope: Scope,
): Promise<Producer> {
  const { store, ctx, server } = scope;
  const thread = await turnThread(scope, req.params.thread_id);
  const sender = req.params.item_id
    ? await requireItem(store, thread.id, req.params.item_id)
    : null;
  return async (sink, signal) => {
    if (sender && sender.type !== "widget") {
      throw new StreamError("stream.error", { allowRetry: false });
    }
    const action = server.handlers.action;
    if (!action) {
      throw new CustomStreamError("Custom actions are not configured on this server.");
    }
    sink.send({ type: "stream_options", stream_options: streamOptions(server, thread) });
    const rctx = respondContext(ctx, store, signal);
    await runPipeline(
      turnOf(scope, thread, sink, signal),
      action(thread, req.params.action, sender as WidgetItem | null, rctx),
    );
  };
}

function turnOf(scope: Scope, thread: ThreadMetadata, sink: EventSink, signal: AbortSignal): Turn {
  return { thread, store: scope.store, sink, signal, requestId: scope.ctx.requestId };
}

function streamOptions(server: ServerParts, thread: ThreadMetadata): { allow_cancel: boolean } {
  return server.handlers.streamOptions?.(thread) ?? { allow_cancel: true };
}

/**
 * Starts the responder's reads (history, retrieval) beside the store's write of the new message:
 * one round trip less before the model call. A failure surfaces in `respond`, not here.
 */
function prepare(
  scope: Scope,
  thread: ThreadMetadata,
  input: UserMessageItem,
  signal: AbortSignal,
): Promise<unknown> | undefined {
  const responder = scope.server.responder;
  if (!responder?.prepare) return undefined;
  const prepared = responder.prepare(thread, input, respondContext(scope.ctx, scope.store, signal));
  prepared.catch(() => {}); // handled where it is awaited; the turn may end before that
  return prepared;
}

/** `stream_options`, then the responder's turn through the pipeline. */
async function respond(
  turn: Turn,
  scope: Scope,
  input: UserMessageItem | null,
  sendStreamOptions = true,
  prepared?: Promise<unknown>,
): Promise<void> {
  const { server } = scope;
  if (sendStreamOptions) {
    turn.sink.send({ type: "stream_options", stream_options: streamOptions(server, turn.thread) });
  }
  const responder = server.responder;
  if (!responder) throw new CustomStreamError("No assistant is configured on this server.");
  const rctx = respondContext(scope.ctx, scope.store, turn.signal);
  if (prepared) rctx.prepared = prepared;
  await runPipeline(turn, responder.respond(turn.thread, input, rctx));
}
