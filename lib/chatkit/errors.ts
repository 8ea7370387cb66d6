/**
 * Errors a responder (or action handler) may throw inside a stream. The pipeline turns them into
 * one `error` event and ends the stream cleanly (protocol §6.6).
 * @module
 */
import type { ErrorCode } from "./types.ts";

/** A coded stream error: sent as `{type:"error", code, allow_retry}` without a message. */
export class StreamError extends Error {
  readonly code: ErrorCode;
  readonly allowRetry: boolean;

  constructor(
    code: ErrorCode = "stream.error",
    options: { allowRetry?: boolean } = {},
  ) {
    super(`ChatKit stream error: ${code}`);
    this.name = "StreamError";
    this.code = code;
    this.allowRetry = options.allowRetry ?? code === "stream.error";
  }
}

/** An error with a message meant for the user: sent as `{type:"error", code:"custom", message, allow_retry}`. */
export class CustomStreamError extends Error {
  readonly allowRetry: boolean;

  constructor(message: string, options: { allowRetry?: boolean } = {}) {
    super(message);
    this.name = "CustomStreamError";
    this.allowRetry = options.allowRetry ?? false;
  }
}
