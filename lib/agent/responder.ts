/**
 * The assistant: an Agents SDK agent whose streamed run becomes ChatKit events.
 *
 * Per turn: read the thread's recent history (within the budget), run the agent streamed against
 * the configured provider, convert its events (`stream.ts`), and in parallel ask for a title when
 * the thread has none. Failures become `CustomStreamError`s (`errors.ts`); a client disconnect
 * aborts the upstream request and ends the turn quietly (the server keeps the partial text).
 * @module
 */
import type { Agent, Runner } from "@openai/agents";
import { CustomStreamError, StreamError } from "../chatkit/errors.ts";
import type { RespondContext, Responder } from "../chatkit/responder.ts";
import type { ThreadMetadata, ThreadStreamEvent, UserMessageItem } from "../chatkit/types.ts";
import { log } from "../log.ts";
import { ProviderTimeoutError, toStreamError } from "./errors.ts";
import { buildAgentInput, userMessageText } from "./input.ts";
import type { Provider } from "./provider.ts";
import type { ResolvedAgentSettings } from "./settings.ts";
import { TurnConverter } from "./stream.ts";
import type { TitleWriter } from "./title.ts";

/** The run context tools receive (`runContext.context`). */
export interface AgentContext {
  owner: string;
  threadId: string;
  requestId: string;
  locale?: string;
}

/** What an {@link AgentResponder} is built from (all built once, at boot). */
export interface AgentResponderOptions {
  provider: Provider;
  agent: Agent<AgentContext>;
  runner: Runner;
  titles: TitleWriter | null;
  settings: ResolvedAgentSettings;
}

/**
 * Silence timer: aborts the run when the provider stays quiet too long. `touch()` on every event
 * only records the time; the single timer re-arms itself for the remainder when it fires early,
 * so there is one timer per silence period, not one per event.
 */
class Watchdog {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #last = 0;
  #ms = 0;
  #phase: "first_event" | "idle" = "first_event";
  fired: ProviderTimeoutError | null = null;

  constructor(readonly controller: AbortController) {}

  /** Starts (or restarts) the timer for a phase. */
  arm(phase: "first_event" | "idle", ms: number) {
    this.stop();
    this.#phase = phase;
    this.#ms = ms;
    this.#last = performance.now();
    this.#schedule(ms);
  }

  /** Records activity; (re)starts the idle phase if the timer is not running. */
  touch(idleMs: number) {
    if (this.#timer === undefined || this.#phase !== "idle") return this.arm("idle", idleMs);
    this.#last = performance.now();
  }

  stop() {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delay: number) {
    this.#timer = setTimeout(() => {
      const quiet = performance.now() - this.#last;
      if (quiet < this.#ms) return this.#schedule(this.#ms - quiet);
      this.#timer = undefined;
      this.fired = new ProviderTimeoutError(this.#phase, this.#ms);
      this.controller.abort(this.fired);
    }, Math.max(1, delay));
  }
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
    context: RespondContext,
  ): AsyncGenerator<ThreadStreamEvent> {
    const { signal } = context;
    if (signal.aborted) return;
    const { settings, provider } = this.#o;
    const run = new AbortController();
    const watchdog = new Watchdog(run);
    const onAbort = () => run.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });

    // The title is asked for alongside the reply and never waited for before it.
    const titleAbort = new AbortController();
    let turnOver = false;
    let title: Promise<string | undefined> | null = null;
    if (this.#o.titles && input && !thread.title) {
      title = this.#o.titles.write(userMessageText(input), titleAbort.signal).then((t) => {
        if (t && !turnOver && !thread.title) thread.title = t;
        return t;
      });
    }

    let completed = false;
    let failed = false;
    try {
      const agentInput = await buildAgentInput(
        context.store,
        thread.id,
        input,
        settings.history,
      );
      if (signal.aborted) return;
      watchdog.arm("first_event", settings.timeouts.firstEventMs);
      const result = await this.#o.runner.run(this.#o.agent, agentInput, {
        stream: true,
        signal: run.signal,
        maxTurns: settings.maxModelCalls,
        context: {
          owner: context.owner,
          threadId: thread.id,
          requestId: context.requestId,
          locale: context.locale,
        },
      });
      const converter = new TurnConverter(thread.id);
      let toolsRunning = 0;
      for await (const event of result) {
        if (event.type === "run_item_stream_event") {
          // Local tools may take their time: the silence timer waits for them.
          const raw = event.item.rawItem as { type?: string };
          if (event.name === "tool_called" && raw.type === "function_call") toolsRunning++;
          if (event.name === "tool_output" && toolsRunning > 0) toolsRunning--;
        }
        if (toolsRunning > 0) watchdog.stop();
        else watchdog.touch(settings.timeouts.idleMs);
        for (const out of converter.push(event)) yield out;
      }
      watchdog.stop();
      // The SDK ends its stream without an error when the run is aborted: check why it ended.
      if (signal.aborted) return;
      if (watchdog.fired) throw watchdog.fired;
      await result.completed;
      if (result.error) throw result.error;
      for (const out of converter.finish()) yield out;
      completed = true;
    } catch (error) {
      failed = true;
      if (signal.aborted) return;
      const cause = watchdog.fired ?? error;
      const mapped = toStreamError(cause, provider);
      if (mapped) {
        log.warn("agent: model request failed", {
          requestId: context.requestId,
          error: cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause),
          shown: mapped.message,
        });
        throw mapped;
      }
      log.error("agent: unexpected failure", { requestId: context.requestId, error: cause });
      throw new StreamError("stream.error", { allowRetry: true });
    } finally {
      watchdog.stop();
      signal.removeEventListener("abort", onAbort);
      // Closed early (client gone, consumer stopped): make sure the upstream request ends.
      if (!completed) run.abort();
      if (title) {
        if (!completed || failed || signal.aborted) titleAbort.abort();
        const t = await title;
        if (t && !thread.title && completed) thread.title = t;
      }
      turnOver = true;
    }
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
