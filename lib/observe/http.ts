/**
 * The operator's view of HTTP: one JSON log line per request (request id, method, route
 * pattern, status, duration, the kind of owner — never who, never a token or message text),
 * the request counters and histogram of `/metrics`, a span per request when tracing is on, and
 * the streaming responses now open, which a shutdown whose drain ran out cuts (so each
 * reply's cancel path saves what it had written).
 * @module
 */
import { log } from "../log.ts";
import { metrics } from "../metrics/mod.ts";
import { type Span, withSpan } from "../trace.ts";

/** What the app knows about a request once it was handled. */
export interface RequestFacts {
  requestId?: string;
  /** `user` (signed in), `visitor` (anonymous cookie or embed token) or `none`. */
  ownerKind: "user" | "visitor" | "none";
}

export interface ObserveOptions {
  /** The route pattern a URL matched (`/chatkit`, `/api/auth/*`), or a fixed placeholder. */
  routeOf(url: URL): string;
  /** Facts the app recorded while handling the request. */
  factsOf(req: Request): RequestFacts | undefined;
  /** Write the per-request log line (off in tests that silence logs anyway). */
  logRequests?: boolean;
}

type Handler = (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;

/** A handler that is observed, and the streams it has open. */
export interface ObservedHandler {
  handler: Handler;
  /** Streaming responses now open. */
  openStreams(): number;
  /** Cancels every open streaming response (the server is going away). */
  cutStreams(reason?: string): Promise<void>;
}

/** Wraps the app's handler. */
export function observeHttp(inner: Handler, options: ObserveOptions): ObservedHandler {
  const open = new Set<(reason: string) => Promise<void>>();
  const handler: Handler = (req, info) => {
    const url = new URL(req.url);
    const route = options.routeOf(url);
    // The request's span is the active one while it is handled, so that database queries and
    // the model's HTTP calls made for it are its children.
    return withSpan(`${req.method} ${route}`, {
      "http.request.method": req.method,
      "http.route": route,
    }, (span) => observe(req, info, route, span));
  };

  const observe = async (
    req: Request,
    info: Deno.ServeHandlerInfo | undefined,
    route: string,
    span: Span,
  ): Promise<Response> => {
    const started = performance.now();
    let response: Response;
    try {
      response = await inner(req, info);
    } catch (error) {
      span.end(error);
      throw error;
    }
    const headersMs = performance.now() - started;
    const status = response.status;
    span.setAttribute("http.response.status_code", status);
    metrics.requests.inc({ route, method: req.method, status: String(status) });
    metrics.requestSeconds.observe(headersMs / 1000, { route });
    if (status === 429) metrics.rateLimited.inc({ route });
    const facts = options.factsOf(req);
    const line = (durationMs: number, extra: Record<string, unknown> = {}) => {
      if (options.logRequests === false) return;
      log.info("request", {
        requestId: facts?.requestId,
        method: req.method,
        route,
        status,
        durationMs: Math.round(durationMs),
        owner: facts?.ownerKind ?? "none",
        ...extra,
      });
    };
    const streaming = response.body &&
      (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (!streaming) {
      span.end();
      line(headersMs);
      return response;
    }
    metrics.activeStreams.inc();
    let ended = false;
    const end = (outcome: "complete" | "cancelled" | "cut") => {
      if (ended) return;
      ended = true;
      open.delete(cut);
      metrics.activeStreams.dec();
      span.setAttribute("chatkit.stream.outcome", outcome);
      span.end();
      line(performance.now() - started, { stream: outcome });
    };
    const reader = response.body!.getReader();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const cut = async (reason: string) => {
      end("cut");
      await reader.cancel(reason).catch(() => {});
      try {
        controller.close();
      } catch { /* already closed */ }
    };
    open.add(cut);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      async pull(c) {
        let part: ReadableStreamReadResult<Uint8Array>;
        try {
          part = await reader.read();
        } catch (error) {
          end("cancelled");
          try {
            c.error(error);
          } catch { /* already closed by a cut */ }
          return;
        }
        try {
          if (part.done) {
            end("complete");
            c.close();
          } else c.enqueue(part.value);
        } catch { /* closed by a cut meanwhile */ }
      },
      async cancel(reason) {
        end("cancelled");
        await reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return {
    handler,
    openStreams: () => open.size,
    async cutStreams(reason = "server shutting down") {
      await Promise.all([...open].map((cut) => cut(reason)));
    },
  };
}
