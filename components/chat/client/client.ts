/**
 * A browser client of the ChatKit protocol over one endpoint (`/chatkit` by default). It sends
 * exactly the requests `<openai-chatkit>` sends (protocol §2, §10.5): JSON requests answer one
 * document, streaming ones are read as Server-Sent Events and yielded event by event.
 * No Deno APIs: it runs in the browser bundle.
 * @module
 */
import { readServerSentEvents } from "./sse.ts";
import type {
  Page,
  Thread,
  ThreadItem,
  ThreadStreamEvent,
  UserMessageContent,
  UserMessageInput,
} from "./types.ts";

/** A non-2xx answer (`{"error":{"code","message"}}` bodies are read when present). */
export class ChatKitRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "ChatKitRequestError";
  }
}

export interface ChatKitClientOptions {
  /** The protocol endpoint (default `/chatkit`). */
  url?: string;
  /** The fetch to use (see `createApiFetch`). */
  fetch?: typeof fetch;
  /** The UI locale, sent as `Accept-Language`. */
  locale?: string;
}

export interface ListOptions {
  limit?: number;
  order?: "asc" | "desc";
  after?: string;
}

/** Builds the `input` of a plain text message (the shape the component sends). */
export function textInput(text: string): UserMessageInput {
  const content: UserMessageContent[] = [{ type: "input_text", text }];
  return { content, attachments: [], inference_options: {} };
}

/** The protocol client. */
export class ChatKitClient {
  readonly url: string;
  readonly #fetch: typeof fetch;
  readonly #locale?: string;

  constructor(options: ChatKitClientOptions = {}) {
    this.url = options.url ?? "/chatkit";
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#locale = options.locale;
  }

  async #post(type: string, params: Record<string, unknown>, signal?: AbortSignal) {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#locale) headers["accept-language"] = this.#locale;
    const response = await this.#fetch(this.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ type, params }),
      signal,
    });
    if (!response.ok) throw await requestError(response);
    return response;
  }

  async #json<T>(type: string, params: Record<string, unknown>): Promise<T> {
    const response = await this.#post(type, params);
    return await response.json() as T;
  }

  async *#stream(
    type: string,
    params: Record<string, unknown>,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent> {
    const response = await this.#post(type, params, signal);
    if (!response.body) return;
    for await (const data of readServerSentEvents(response.body)) {
      yield JSON.parse(data) as ThreadStreamEvent;
    }
  }

  // Non-streaming requests.

  /** `threads.list`: newest first by default. */
  listThreads(options: ListOptions = {}): Promise<Page<Thread>> {
    return this.#json("threads.list", { ...clean(options) });
  }

  /** `threads.get_by_id`: the thread with its first (oldest) page of items. */
  getThread(threadId: string): Promise<Thread> {
    return this.#json("threads.get_by_id", { thread_id: threadId });
  }

  /** `items.list`: newest first by default. */
  listItems(threadId: string, options: ListOptions = {}): Promise<Page<ThreadItem>> {
    return this.#json("items.list", { thread_id: threadId, ...clean(options) });
  }

  /** `threads.update`: renames a thread. */
  renameThread(threadId: string, title: string): Promise<Thread> {
    return this.#json("threads.update", { thread_id: threadId, title });
  }

  /** `threads.delete`. A thread that is already gone (404, e.g. deleted in another tab) is done. */
  async deleteThread(threadId: string): Promise<void> {
    try {
      await this.#json("threads.delete", { thread_id: threadId });
    } catch (error) {
      if (!(error instanceof ChatKitRequestError && error.status === 404)) throw error;
    }
  }

  /** `items.feedback`. */
  async sendFeedback(
    threadId: string,
    itemIds: string[],
    kind: "positive" | "negative",
  ): Promise<void> {
    await this.#json("items.feedback", { thread_id: threadId, item_ids: itemIds, kind });
  }

  // Streaming requests.

  /** `threads.create`: a new thread with its first message. */
  createThread(input: UserMessageInput, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.#stream("threads.create", { input }, signal);
  }

  /** `threads.add_user_message`. */
  addUserMessage(
    threadId: string,
    input: UserMessageInput,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent> {
    return this.#stream("threads.add_user_message", { thread_id: threadId, input }, signal);
  }

  /** `threads.retry_after_item`: answers the given user message again. */
  retryAfterItem(
    threadId: string,
    itemId: string,
    signal?: AbortSignal,
  ): AsyncGenerator<ThreadStreamEvent> {
    return this.#stream(
      "threads.retry_after_item",
      { thread_id: threadId, item_id: itemId },
      signal,
    );
  }
}

function clean(options: ListOptions): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

async function requestError(response: Response): Promise<ChatKitRequestError> {
  let code = "http_" + response.status;
  let message = response.statusText || `Request failed (${response.status})`;
  try {
    const body = await response.json() as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not JSON: keep the status text.
  }
  return new ChatKitRequestError(response.status, code, message);
}
