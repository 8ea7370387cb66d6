/**
 * Spans through Deno's built-in OpenTelemetry (`OTEL_DENO=true` and the standard
 * `OTEL_EXPORTER_OTLP_*` variables; no SDK to install). Deno already traces `Deno.serve` and
 * `fetch`; the app adds a span per request route, per model turn and per database query. With
 * OpenTelemetry off every function here is a no-op that costs one branch.
 * @module
 */

/** The part of an OpenTelemetry span the app uses. */
export interface Span {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Ends the span; an error marks it failed (its message only: never values or text). */
  end(error?: unknown): void;
}

interface OtelSpan {
  setAttribute(key: string, value: unknown): void;
  setStatus(status: { code: number; message?: string }): void;
  end(): void;
}
interface OtelTracer {
  startSpan(
    name: string,
    options?: { attributes?: Record<string, unknown>; kind?: number },
  ): OtelSpan;
  startActiveSpan<T>(
    name: string,
    options: { attributes?: Record<string, unknown>; kind?: number },
    fn: (span: OtelSpan) => T,
  ): T;
}

const NOOP: Span = { setAttribute() {}, end() {} };

let tracer: OtelTracer | null | undefined;

function getTracer(): OtelTracer | null {
  if (tracer !== undefined) return tracer;
  tracer = null;
  try {
    const enabled = Deno.env.get("OTEL_DENO");
    if (enabled === "true" || enabled === "1") {
      tracer = Deno.telemetry.tracerProvider.getTracer("deno-chatkit") as OtelTracer;
    }
  } catch { /* no permission to read the environment, or telemetry unavailable: off */ }
  return tracer;
}

/** Span kinds of OpenTelemetry's API. */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2 } as const;

function wrap(span: OtelSpan): Span {
  return {
    setAttribute: (key, value) => span.setAttribute(key, value),
    end(error) {
      if (error !== undefined) {
        // 2 = ERROR in OpenTelemetry's SpanStatusCode.
        span.setStatus({ code: 2, message: error instanceof Error ? error.name : "error" });
      }
      span.end();
    },
  };
}

/** Starts a span that is a child of the active one (not itself made active). */
export function startSpan(
  name: string,
  attributes: Record<string, string | number | boolean> = {},
  kind: number = SpanKind.INTERNAL,
): Span {
  const t = getTracer();
  return t ? wrap(t.startSpan(name, { attributes, kind })) : NOOP;
}

/**
 * Runs `fn` inside a new active span, so that spans started within it (database queries, the
 * model's HTTP call) become its children. `fn` ends the span.
 */
export function withSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: (span: Span) => T,
): T {
  const t = getTracer();
  if (!t) return fn(NOOP);
  return t.startActiveSpan(name, { attributes }, (span) => fn(wrap(span)));
}
