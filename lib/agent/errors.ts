/**
 * Provider failures → user-facing stream errors (`CustomStreamError`): a readable message, and
 * `allowRetry` when trying again can help (rate limits, server errors, time-outs, dropped
 * connections). Provider error texts are only quoted for request errors (400/404/413/422), which
 * say what is wrong with the request; authentication errors never echo the provider's text.
 * @module
 */
import { MaxTurnsExceededError, ModelBehaviorError } from "@openai/agents";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { CustomStreamError } from "../chatkit/errors.ts";
import { describeProvider, type Provider } from "./provider.ts";

/** Thrown (internally) when the provider stays silent longer than allowed. */
export class ProviderTimeoutError extends Error {
  constructor(readonly phase: "first_event" | "idle", readonly ms: number) {
    super(`model provider silent for ${ms} ms (${phase})`);
    this.name = "ProviderTimeoutError";
  }
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return s >= 10 ? `${Math.round(s)} s` : `${Number(s.toFixed(1))} s`;
}

function providerMessage(error: APIError): string {
  const raw = (error.error as { message?: unknown } | undefined)?.message;
  const text = typeof raw === "string" ? raw : "";
  const clean = text.replace(/\s+/g, " ").trim();
  return clean.length > 300 ? `${clean.slice(0, 297)}…` : clean;
}

/** Whether an error looks like a connection that broke while a body was being read. */
function isBrokenStream(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const text = `${error.name} ${error.message} ${String(error.cause ?? "")}`.toLowerCase();
  return error instanceof TypeError &&
      /(body|connection|network|terminated|socket|stream|reset|closed)/.test(text) ||
    /(econnreset|socket hang up|premature close|unexpected end)/.test(text);
}

/** Maps a failure of the model call to the stream error the user sees. */
export function toStreamError(error: unknown, provider: Provider): CustomStreamError | null {
  if (error instanceof CustomStreamError) return error;
  const where = describeProvider(provider);
  if (error instanceof ProviderTimeoutError) {
    return new CustomStreamError(
      error.phase === "first_event"
        ? `The model provider did not answer within ${seconds(error.ms)}. Please try again.`
        : `The model provider stopped sending the answer (nothing for ${
          seconds(error.ms)
        }). Please try again.`,
      { allowRetry: true },
    );
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new CustomStreamError("The model provider did not answer in time. Please try again.", {
      allowRetry: true,
    });
  }
  if (error instanceof APIConnectionError) {
    return new CustomStreamError(
      `Could not reach the model provider at ${where}. Please try again in a moment.`,
      { allowRetry: true },
    );
  }
  if (error instanceof APIError && typeof error.status === "number") {
    const status = error.status;
    const detail = providerMessage(error);
    if (status === 401 || status === 403) {
      return new CustomStreamError(
        `The model provider refused the credentials (HTTP ${status}). Check ${provider.keyVariable}` +
          ` on the server.`,
        { allowRetry: false },
      );
    }
    if (status === 404) {
      return new CustomStreamError(
        `The model provider does not know this model or endpoint (HTTP 404): check MODEL ` +
          `("${provider.model}") and OPENAI_BASE_URL / OPENAI_API on the server.` +
          (detail ? ` Provider said: ${detail}` : ""),
        { allowRetry: false },
      );
    }
    if (status === 429) {
      return new CustomStreamError(
        "The model provider is rate limiting requests (HTTP 429). Please try again in a moment.",
        { allowRetry: true },
      );
    }
    if (status >= 500) {
      return new CustomStreamError(
        `The model provider had an internal error (HTTP ${status}). Please try again.`,
        { allowRetry: true },
      );
    }
    return new CustomStreamError(
      `The model provider rejected the request (HTTP ${status})` + (detail ? `: ${detail}` : "."),
      { allowRetry: status === 408 || status === 409 },
    );
  }
  if (isBrokenStream(error)) {
    return new CustomStreamError(
      "The connection to the model provider broke off in the middle of the answer. Please try again.",
      { allowRetry: true },
    );
  }
  if (error instanceof ModelBehaviorError) {
    return new CustomStreamError(
      /incomplete/.test(error.message)
        ? "The answer stopped early: the model reached its output limit or was filtered."
        : "The model provider ended the answer with an error. Please try again.",
      { allowRetry: true },
    );
  }
  if (error instanceof MaxTurnsExceededError) {
    return new CustomStreamError(
      "The assistant used too many steps for this answer and stopped.",
      { allowRetry: true },
    );
  }
  return null;
}
