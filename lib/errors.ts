/**
 * The app's typed errors and the one place they become HTTP answers. Throw them from any
 * handler; inside a stream they become `error` events instead (lib/chatkit).
 * @module
 */
import { HttpError } from "./fresh/error.ts";
import { log } from "./log.ts";

export { HttpError };

export class BadRequestError extends HttpError {
  constructor(message: string, code = "bad_request") {
    super(400, message, { code });
  }
}
export class UnauthorizedError extends HttpError {
  constructor(message = "Sign in required", code = "unauthorized") {
    super(401, message, { code });
  }
}
export class ForbiddenError extends HttpError {
  constructor(message = "Forbidden", code = "forbidden") {
    super(403, message, { code });
  }
}
export class NotFoundError extends HttpError {
  constructor(message = "Not found", code = "not_found") {
    super(404, message, { code });
  }
}
export class MethodNotAllowedError extends HttpError {
  constructor(allow: string[]) {
    super(405, "Method not allowed", {
      code: "method_not_allowed",
      headers: { allow: allow.join(", ") },
    });
  }
}
export class ConflictError extends HttpError {
  constructor(message: string, code = "conflict") {
    super(409, message, { code });
  }
}
/**
 * 409 for a turn-starting request on a thread whose reply is still being written (one turn per
 * thread at a time, lib/chatkit/turn_mark.ts). Nothing of the request was stored; the client may
 * send it again once the reply has ended.
 */
export class TurnInProgressError extends ConflictError {
  constructor() {
    super(
      "A reply is still being written in this conversation. Wait for it to finish, then send again.",
      "turn_in_progress",
    );
  }
}
export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, `Request body is larger than the limit of ${limitBytes} bytes`, {
      code: "payload_too_large",
      // The rest of the body is not read: the connection cannot serve another request.
      headers: { connection: "close" },
    });
  }
}
export class RequestTimeoutError extends HttpError {
  constructor(timeoutMs: number) {
    super(408, `The request body did not arrive within ${timeoutMs} ms`, {
      code: "request_timeout",
      headers: { connection: "close" },
    });
  }
}
export class UnsupportedMediaTypeError extends HttpError {
  constructor(message: string, code = "unsupported_media_type") {
    super(415, message, { code });
  }
}
/**
 * The client stopped sending its request body half-way (it went away, or cut the upload). Nobody
 * is left to read the answer; it is expected traffic, logged at debug level, not an error.
 */
export class BodyAbortedError extends HttpError {
  constructor() {
    super(400, "The request body was cut off before its end", { code: "body_incomplete" });
  }
}
export class TooManyRequestsError extends HttpError {
  constructor(retryAfterSeconds: number, message = "Too many requests, try again later") {
    super(429, message, {
      code: "rate_limited",
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}
/**
 * The app-wide model budget (`rateLimit.globalPerMinute` / `globalPerDay`) is spent: a 503 (the
 * service, not the caller, is out of capacity) with `Retry-After` until the window starts over.
 */
export class ModelBudgetExhaustedError extends HttpError {
  constructor(retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    const about = (n: number, unit: string) => `in about ${n} ${unit}${n === 1 ? "" : "s"}`;
    const wait = seconds <= 90
      ? "in a minute"
      : seconds <= 90 * 60
      ? about(Math.round(seconds / 60), "minute")
      : about(Math.round(seconds / 3600), "hour");
    super(
      503,
      `The assistant has reached its usage limit for now. Try again ${wait}.`,
      { code: "model_budget_exhausted", headers: { "retry-after": String(seconds) } },
    );
  }
}
export class ServiceUnavailableError extends HttpError {
  constructor(message: string, code = "unavailable") {
    super(503, message, { code });
  }
}

/**
 * Answers an error as `{"error":{"code","message"}}` with its status. Anything that is not an
 * `HttpError` is a 500 whose message is never shown (it is logged with the request id).
 */
export function errorResponse(error: unknown, requestId?: string): Response {
  const known = error instanceof HttpError;
  const status = known ? error.status : 500;
  // An HttpError's message is written for the client; any other error's message is not.
  const body = known
    ? { error: { code: error.code, message: error.message } }
    : { error: { code: "internal", message: "Internal server error" } };
  const headers = new Headers(known ? error.headers : {});
  headers.set("content-type", "application/json");
  if (requestId) headers.set("x-request-id", requestId);
  return new Response(JSON.stringify(body), { status, headers });
}

/** Logs an unexpected error with the request id (message and stack stay in the log). */
export function logInternalError(error: unknown, requestId: string): void {
  log.error("request failed", {
    requestId,
    error: error instanceof Error ? error.message : String(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
}

/**
 * Start-up cannot go on here (a missing build, a database that cannot run): the message says
 * what to do, and the entry point prints it as one line and exits 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** The errors whose message is the whole story for an operator (by name: no import needed). */
const OPERATOR_ERRORS = new Set([
  "ConfigError",
  "MigrationError",
  "StartupError",
  "WorkerCountError",
]);

/**
 * The one line to print when start-up fails for a reason the operator must fix (a bad variable,
 * a failing migration, a missing build, the database refusing us), or undefined for a bug, whose
 * stack trace is then shown as usual.
 */
export function startupFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (OPERATOR_ERRORS.has(error.name)) return `cannot start: ${error.message}`;
  // The database refusing us (wrong password, a pooler refusing a setting, TLS): its message,
  // with Postgres's code.
  if ("severity_local" in error) {
    const code = (error as { code?: string }).code;
    return `cannot start: the database refused: ${error.message}${code ? ` (${code})` : ""}`;
  }
  return undefined;
}
