/**
 * One model turn: runs the agent streamed under the silence timer and converts its events into
 * ChatKit events (`stream.ts`). A client disconnect aborts the upstream request and ends the turn
 * quietly; a failure is rethrown as its cause (a time-out when the silence timer fired).
 * @module
 */
import type { Agent, AgentInputItem, Runner } from "@openai/agents";
import type { ThreadStreamEvent } from "../chatkit/types.ts";
import { observeTurn, usageOf } from "../observe/turns.ts";
import type { AgentContext } from "./context.ts";
import type { ResolvedAgentSettings } from "./settings.ts";
import { type MessageFinalizer, TurnConverter } from "./stream.ts";
import { Watchdog } from "./watchdog.ts";

/** What a turn runs with (built once, at boot). */
export interface TurnParts {
  agent: Agent<AgentContext>;
  runner: Runner;
  settings: ResolvedAgentSettings;
  /**
   * Rewrites each finished assistant message of the turn (the knowledge base turns `[n]`
   * markers into annotations).
   */
  finalize?: (context: AgentContext, text: string) => ReturnType<MessageFinalizer>;
}

/**
 * Streams the turn's events; returns true when the run completed, false when the client went
 * away. Throws the failure's cause otherwise.
 */
export async function* runTurn(
  parts: TurnParts,
  context: AgentContext,
  input: AgentInputItem[],
): AsyncGenerator<ThreadStreamEvent, boolean> {
  const { settings } = parts;
  const { signal } = context;
  const run = new AbortController();
  const watchdog = new Watchdog(run);
  const onAbort = () => run.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  let completed = false;
  if (signal.aborted) return false;
  // Log line, metrics and span of the turn (lib/observe/turns.ts).
  const observed = observeTurn(typeof parts.agent.model === "string" ? parts.agent.model : "model");
  // The model calls of the run so far (their usage), once it has started.
  let responses = (): readonly { usage?: { inputTokens?: number; outputTokens?: number } }[] => [];
  try {
    watchdog.arm("first_event", settings.timeouts.firstEventMs);
    const result = await parts.runner.run(parts.agent, input, {
      stream: true,
      signal: run.signal,
      maxTurns: settings.maxModelCalls,
      context,
    });
    responses = () => result.rawResponses;
    const finalize = parts.finalize;
    const converter = new TurnConverter(context.threadId, {
      finalize: finalize ? (text) => finalize(context, text) : undefined,
    });
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
      for (const out of converter.push(event)) {
        if (
          out.type === "thread.item.updated" &&
          out.update.type === "assistant_message.content_part.text_delta"
        ) observed.firstToken();
        yield out;
      }
    }
    watchdog.stop();
    // The SDK ends its stream without an error when the run is aborted: check why it ended.
    if (signal.aborted) {
      observed.end("cancelled", usageOf(responses()));
      return false;
    }
    if (watchdog.fired) throw watchdog.fired;
    await result.completed;
    if (result.error) throw result.error;
    for (const out of converter.finish()) yield out;
    completed = true;
    observed.end("completed", usageOf(result.rawResponses));
    return true;
  } catch (error) {
    observed.end(watchdog.fired ? "timeout" : signal.aborted ? "cancelled" : "error");
    throw watchdog.fired ?? error;
  } finally {
    // Closed early by the consumer (the client went away mid-stream).
    observed.end("cancelled", usageOf(responses()));
    watchdog.stop();
    signal.removeEventListener("abort", onAbort);
    // Closed early (client gone, consumer stopped): make sure the upstream request ends.
    if (!completed) run.abort();
  }
}
