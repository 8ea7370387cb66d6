/**
 * The assistant: an Agents SDK agent whose streamed run becomes ChatKit events.
 *
 * Per turn (`AgentResponder.respond`):
 * 1. the agent context (`context.ts`) is built — tools and steps read data through it;
 * 2. a title is asked for alongside, when the thread has none (`title.ts` `startTitle`);
 * 3. the model input is prepared: the thread's recent history (`input.ts`) and, concurrently,
 *    every pre-model step (e.g. knowledge retrieval) — their input joins the history;
 * 4. the model turn runs under the silence timer (`turn.ts`, `watchdog.ts`);
 * 5. failures become `CustomStreamError`s (`errors.ts`); a client disconnect aborts the upstream
 *    request and ends the turn quietly (the server keeps the partial text).
 * @module
 */
import type { AgentInputItem } from "@openai/agents";
import { attachmentInput } from "../attachments/model_input.ts";
import type { AttachmentService } from "../attachments/service.ts";
import { CustomStreamError, StreamError } from "../chatkit/errors.ts";
import type { RespondContext, Responder } from "../chatkit/responder.ts";
import type { ThreadMetadata, ThreadStreamEvent, UserMessageItem } from "../chatkit/types.ts";
import type { Sql } from "../db/mod.ts";
import { type AgentContext, agentContext, type PreModelStep } from "./context.ts";
import { toStreamError } from "./errors.ts";
import { buildAgentInput, withStepInput } from "./input.ts";
import type { Provider } from "./provider.ts";
import { startTitle, type TitleWriter } from "./title.ts";
import { runTurn, type TurnParts } from "./turn.ts";

export type { AgentContext } from "./context.ts";

/** What an {@link AgentResponder} is built from (all built once, at boot). */
export interface AgentResponderOptions extends TurnParts {
  provider: Provider;
  titles: TitleWriter | null;
  /** App-wide data for tools and steps (`AgentContext.sql`). */
  sql: Sql;
  /** Run before each model call, concurrently with reading the history. */
  steps: PreModelStep[];
  /** Attachments as model input; unset: attachments are named only. */
  attachments?: AttachmentService;
}

/** What `prepare` started: the turn's context and its model input. */
interface Prepared {
  context: AgentContext;
  items: AgentInputItem[];
}

/** The responder backed by the Agents SDK. */
export class AgentResponder implements Responder {
  #o: AgentResponderOptions;

  constructor(options: AgentResponderOptions) {
    this.#o = options;
  }

  async *respond(
    thread: ThreadMetadata,
    input: UserMessageItem | null,
    respondContext: RespondContext,
  ): AsyncGenerator<ThreadStreamEvent> {
    const { signal } = respondContext;
    if (signal.aborted) return;
    const early = respondContext.prepared as Promise<Prepared> | undefined;
    // The context the steps saw (they may leave results on it for the turn, e.g. sources).
    const context = early
      ? (await early.catch(() => null))?.context ??
        agentContext(thread.id, respondContext, this.#o.sql)
      : agentContext(thread.id, respondContext, this.#o.sql);
    const title = startTitle(this.#o.titles, thread, input);
    let completed = false;
    try {
      const agentInput = early ? (await early).items : await this.#prepare(context, input);
      if (signal.aborted) return;
      completed = yield* runTurn(this.#o, context, agentInput);
    } catch (error) {
      if (signal.aborted) return;
      throw this.#failure(error, context);
    } finally {
      await title.settle(completed && !signal.aborted);
    }
  }

  /**
   * Starts reading the model input while the server stores the new message (`respond` takes it
   * as `context.prepared`). The history may not hold the message yet: `buildAgentInput` then
   * appends it, so the input is the same either way.
   */
  prepare(
    thread: ThreadMetadata,
    input: UserMessageItem,
    respondContext: RespondContext,
  ): Promise<Prepared> {
    const context = agentContext(thread.id, respondContext, this.#o.sql);
    return this.#prepare(context, input).then((items) => ({ context, items }));
  }

  /** The model input: history and the pre-model steps, concurrently. */
  async #prepare(context: AgentContext, input: UserMessageItem | null): Promise<AgentInputItem[]> {
    const { settings, steps, attachments, provider } = this.#o;
    const files = attachments &&
      attachmentInput(attachments, context.owner, {
        api: provider.api,
        vision: settings.vision,
        fileInput: settings.fileInput,
      });
    const history = buildAgentInput(
      context.history,
      context.threadId,
      input,
      settings.history,
      files,
    );
    if (steps.length === 0) return await history;
    const [items, ...results] = await Promise.all([
      history,
      ...steps.map((step) => step.run(context, input)),
    ]);
    return withStepInput(items, results.flatMap((r) => r?.input ?? []));
  }

  /** The stream error a failure is shown as (the cause is logged, never sent). */
  #failure(cause: unknown, context: AgentContext): Error {
    const mapped = toStreamError(cause, this.#o.provider);
    if (mapped) {
      context.log.warn("agent: model request failed", {
        error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
        shown: mapped.message,
      });
      return mapped;
    }
    context.log.error("agent: unexpected failure", { error: cause });
    return new StreamError("stream.error", { allowRetry: true });
  }
}

/** The responder used when no provider is configured: every turn fails with what to set. */
export class UnconfiguredResponder implements Responder {
  constructor(readonly message: string) {}

  respond(): AsyncIterable<ThreadStreamEvent> {
    const error = new CustomStreamError(this.message, { allowRetry: false });
    return {
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
    };
  }
}
