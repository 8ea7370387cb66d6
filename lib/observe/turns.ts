/**
 * The operator's view of model turns: one JSON log line per turn (time to first token,
 * duration, tokens in and out when the provider reports them, outcome), the turn metrics of
 * `/metrics`, and a span per turn when tracing is on. Never the prompt or the answer.
 * @module
 */
import { log } from "../log.ts";
import { metrics } from "../metrics/mod.ts";
import { SpanKind, startSpan } from "../trace.ts";

/** How a turn ended. */
export type TurnOutcome = "completed" | "cancelled" | "timeout" | "error";

/** Tokens the provider reported for a turn (all of its model calls). */
export interface TurnUsage {
  inputTokens: number;
  outputTokens: number;
}

/** One turn being observed. */
export interface ObservedTurn {
  /** The first text of the answer arrived (later calls are ignored). */
  firstToken(): void;
  /** The turn ended; call once (later calls are ignored). */
  end(outcome: TurnOutcome, usage?: TurnUsage): void;
}

/** Starts observing a turn of `model`. */
export function observeTurn(model: string): ObservedTurn {
  const started = performance.now();
  const span = startSpan("chatkit.turn", { "gen_ai.request.model": model }, SpanKind.INTERNAL);
  let firstTokenMs: number | undefined;
  let ended = false;
  return {
    firstToken() {
      if (firstTokenMs !== undefined || ended) return;
      firstTokenMs = performance.now() - started;
      metrics.firstTokenSeconds.observe(firstTokenMs / 1000);
    },
    end(outcome, usage) {
      if (ended) return;
      ended = true;
      const durationMs = performance.now() - started;
      metrics.turns.inc({ outcome });
      metrics.turnSeconds.observe(durationMs / 1000, { outcome });
      // Zero from a provider that reports nothing is "not reported", not a count.
      const reported = usage && (usage.inputTokens > 0 || usage.outputTokens > 0);
      if (reported) {
        metrics.tokens.inc({ direction: "input" }, usage.inputTokens);
        metrics.tokens.inc({ direction: "output" }, usage.outputTokens);
        span.setAttribute("gen_ai.usage.input_tokens", usage.inputTokens);
        span.setAttribute("gen_ai.usage.output_tokens", usage.outputTokens);
      }
      span.setAttribute("chatkit.turn.outcome", outcome);
      span.end(outcome === "error" || outcome === "timeout" ? new Error(outcome) : undefined);
      log.info("model turn", {
        model,
        outcome,
        durationMs: Math.round(durationMs),
        ...(firstTokenMs !== undefined ? { timeToFirstTokenMs: Math.round(firstTokenMs) } : {}),
        ...(reported ? { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } : {}),
      });
    },
  };
}

/** Sums the usage of a run's model responses (the Agents SDK's `rawResponses`). */
export function usageOf(
  responses: readonly { usage?: { inputTokens?: number; outputTokens?: number } }[],
): TurnUsage {
  let inputTokens = 0;
  let outputTokens = 0;
  for (const r of responses) {
    inputTokens += r.usage?.inputTokens ?? 0;
    outputTokens += r.usage?.outputTokens ?? 0;
  }
  return { inputTokens, outputTokens };
}
