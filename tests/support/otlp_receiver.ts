/**
 * A loopback OTLP/HTTP receiver for Deno's built-in OpenTelemetry exporter, using the JSON
 * encoding (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`, which Deno 2.9 supports): it keeps every
 * span it is sent, flattened.
 * @module
 */

/** A received span, with its attributes as plain values. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  service?: string;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

function plain(attributes: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [
    key,
    value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
      value.boolValue ?? value.doubleValue,
  ]));
}

/** A running receiver. */
export interface OtlpReceiver {
  /** For `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  endpoint: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

/** Starts the receiver on 127.0.0.1 (a free port). */
export function startOtlpReceiver(): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.text();
    if (path === "/v1/traces" && (req.headers.get("content-type") ?? "").includes("json")) {
      const data = JSON.parse(body) as {
        resourceSpans?: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans?: {
            spans?: (Omit<ReceivedSpan, "attributes"> & { attributes?: OtlpAttribute[] })[];
          }[];
        }[];
      };
      for (const resource of data.resourceSpans ?? []) {
        const service = plain(resource.resource?.attributes)["service.name"] as string | undefined;
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              attributes: plain(span.attributes),
              service,
            });
          }
        }
      }
    }
    return Response.json({}, { headers: { "content-type": "application/json" } });
  });
  const { port } = server.addr as Deno.NetAddr;
  return { endpoint: `http://127.0.0.1:${port}`, spans, close: () => server.shutdown() };
}
