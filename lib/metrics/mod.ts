/**
 * The app's metrics, one set per process (each worker of an instance has its own; `/metrics`
 * adds up their snapshots). Names follow Prometheus conventions: `_total` counters, seconds.
 * @module
 */
import { Registry } from "./registry.ts";

export { render } from "./registry.ts";
export { peerSnapshots, setPeerSnapshots } from "./peers.ts";
export type { MetricSnapshot } from "./registry.ts";

/** The process's registry. */
export const registry = new Registry();

/** Buckets for model latencies, in seconds: 50 ms … 2 min. */
const MODEL_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120];
/** Buckets for HTTP answers, in seconds: 5 ms … 30 s. */
const HTTP_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Every metric the app keeps. */
export const metrics = {
  requests: registry.counter(
    "chatkit_http_requests_total",
    "HTTP requests answered, by route, method and status.",
  ),
  requestSeconds: registry.histogram(
    "chatkit_http_request_duration_seconds",
    "Time from request to response headers, by route.",
    HTTP_SECONDS,
  ),
  turns: registry.counter("chatkit_turns_total", "Model turns, by outcome."),
  firstTokenSeconds: registry.histogram(
    "chatkit_turn_time_to_first_token_seconds",
    "Time from the start of a model turn to its first text.",
    MODEL_SECONDS,
  ),
  turnSeconds: registry.histogram(
    "chatkit_turn_duration_seconds",
    "Duration of model turns.",
    MODEL_SECONDS,
  ),
  tokens: registry.counter(
    "chatkit_tokens_total",
    "Tokens reported by the model provider, by direction (input, output).",
  ),
  activeStreams: registry.gauge("chatkit_active_streams", "Streaming responses now open."),
  rateLimited: registry.counter(
    "chatkit_rate_limit_refusals_total",
    "New messages refused by a rate limit.",
  ),
  dbQueriesInFlight: registry.gauge(
    "chatkit_db_queries_in_flight",
    "Database queries sent and not yet answered.",
  ),
  dbQueries: registry.counter("chatkit_db_queries_total", "Database queries, by outcome."),
  retrievals: registry.counter(
    "chatkit_knowledge_retrievals_total",
    "Knowledge-base searches, by outcome.",
  ),
  workers: registry.gauge(
    "chatkit_workers",
    "App workers whose metrics this scrape adds up (each counts itself once).",
  ),
};
metrics.workers.inc();
