/** An error that carries the HTTP status it should be answered with (Fresh's `HttpError`). */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** A short machine-readable code for JSON error bodies. */
  readonly code: string;
  /** Extra response headers (e.g. `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message?: string,
    options: { code?: string; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? defaultMessage(status), { cause: options.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? defaultCode(status);
    this.headers = options.headers ?? {};
  }
}

const CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  429: "rate_limited",
  503: "unavailable",
};

function defaultCode(status: number): string {
  return CODES[status] ?? (status >= 500 ? "internal" : `http_${status}`);
}

function defaultMessage(status: number): string {
  return status === 404 ? "Not found" : status >= 500 ? "Internal server error" : "Request failed";
}
