/**
 * Per-identity memory of the current thread: `chatkit_thread_<user id>` for a signed-in user,
 * `chatkit_thread_anonymous` for a visitor. Storage failures (private mode, quota, disabled
 * storage) are ignored: the widget then simply starts without a remembered thread.
 * @module
 */

/** The key prefix of remembered threads. */
export const THREAD_KEY_PREFIX = "chatkit_thread_";
/** The identity key of visitors who are not signed in. */
export const ANONYMOUS_IDENTITY = "anonymous";

/** The storage key of an identity (a user id, or {@link ANONYMOUS_IDENTITY}). */
export function threadStorageKey(identity: string): string {
  return THREAD_KEY_PREFIX + (identity || ANONYMOUS_IDENTITY);
}

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function defaultStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** Reads and writes one identity's remembered thread id. */
export class ThreadMemory {
  readonly key: string;
  #storage?: KeyValueStorage;

  constructor(identity: string, storage: KeyValueStorage | undefined = defaultStorage()) {
    this.key = threadStorageKey(identity);
    this.#storage = storage;
  }

  /** The remembered thread id, if any. */
  get(): string | undefined {
    try {
      return this.#storage?.getItem(this.key) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Remembers `threadId`, or forgets the thread when it is null/undefined. */
  set(threadId: string | null | undefined): void {
    try {
      if (threadId) this.#storage?.setItem(this.key, threadId);
      else this.#storage?.removeItem(this.key);
    } catch {
      // Storage unavailable: nothing to remember.
    }
  }
}
