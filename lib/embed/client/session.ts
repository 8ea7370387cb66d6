/**
 * The embed's identity on the host page: the start-up exchange with our server, the tokens it
 * keeps in the host page's storage (namespaced by our origin), the protocol fetch that sends
 * them as `Authorization: Bearer` with the page context, and the sign-in popup hand-over.
 * No cookie is involved anywhere: third-party cookies are blocked by many browsers.
 * @module
 */
import { createApiFetch } from "../../../components/chat/client/fetch.ts";
import {
  type EmbedUser,
  type GrantResponse,
  ORIGIN_NOT_ALLOWED,
  PAGE_TITLE_HEADER,
  PAGE_URL_HEADER,
  pageTitle,
  pageUrl,
  POPUP_FAILED,
  POPUP_READY,
  POPUP_SIGNED_IN,
  POPUP_VISITOR,
  type StartRequest,
  type StartResponse,
} from "../protocol.ts";

/** Who the embed talks as. */
export type EmbedAuth =
  | { kind: "visitor"; token: string; visitorId: string }
  | { kind: "user"; token: string; user: EmbedUser }
  | { kind: "session"; token: string };

/** The outcome of the start-up exchange. */
export type StartOutcome =
  | { ok: true; visitor: { token: string; visitorId: string }; user?: EmbedUser }
  | { ok: false; refused: boolean; message: string };

interface StoredGrant {
  token: string;
  user: EmbedUser;
}

type KeyValueStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function hostStorage(): KeyValueStorage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

/** The embed's tokens in the host page's storage (failures mean: nothing remembered). */
export class EmbedStore {
  #storage?: KeyValueStorage;
  #prefix: string;

  constructor(base: string, storage = hostStorage()) {
    this.#storage = storage;
    this.#prefix = `deno-chatkit:${base}:`;
  }

  #get(key: string): string | undefined {
    try {
      return this.#storage?.getItem(this.#prefix + key) ?? undefined;
    } catch {
      return undefined;
    }
  }

  #set(key: string, value: string | undefined): void {
    try {
      if (value === undefined) this.#storage?.removeItem(this.#prefix + key);
      else this.#storage?.setItem(this.#prefix + key, value);
    } catch { /* storage unavailable */ }
  }

  get visitorToken(): string | undefined {
    return this.#get("visitor");
  }
  set visitorToken(token: string | undefined) {
    this.#set("visitor", token);
  }

  get grant(): StoredGrant | undefined {
    const raw = this.#get("grant");
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as StoredGrant;
      return typeof value?.token === "string" && typeof value.user?.id === "string"
        ? value
        : undefined;
    } catch {
      return undefined;
    }
  }
  set grant(grant: StoredGrant | undefined) {
    this.#set("grant", grant ? JSON.stringify(grant) : undefined);
  }
}

/**
 * Asks our server for the embed's visitor token (and whether a stored grant still holds). The
 * request is `text/plain`, so no preflight: a refused origin can read the refusal too.
 */
export async function startEmbed(base: string, store: EmbedStore): Promise<StartOutcome> {
  const body: StartRequest = {};
  if (store.visitorToken) body.visitorToken = store.visitorToken;
  const grant = store.grant;
  if (grant) body.grant = grant.token;
  let response: Response;
  try {
    response = await fetch(new URL("/embed/token", base), {
      method: "POST",
      headers: { "content-type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body),
      credentials: "omit",
    });
  } catch {
    return { ok: false, refused: false, message: "The assistant cannot be reached right now." };
  }
  const json = await response.json().catch(() => null) as
    | (StartResponse & { error?: { code?: string; message?: string } })
    | null;
  if (!response.ok || !json?.visitorToken) {
    const refused = json?.error?.code === ORIGIN_NOT_ALLOWED;
    return {
      ok: false,
      refused,
      message: json?.error?.message ?? "The assistant is unavailable right now.",
    };
  }
  store.visitorToken = json.visitorToken;
  if (grant && !json.user) store.grant = undefined;
  return {
    ok: true,
    visitor: { token: json.visitorToken, visitorId: json.visitorId },
    user: grant && json.user ? json.user : undefined,
  };
}

/**
 * The protocol fetch of an embed: its Bearer token, no cookies, and the page it runs on. A 401
 * means the token no longer holds (a revoked or expired sign-in): `onUnauthorized` starts over.
 */
export function embedFetch(token: string, onUnauthorized?: () => void): typeof fetch {
  const withToken = createApiFetch({ authToken: token });
  return async (input, init = {}) => {
    const headers = new Headers(init.headers);
    const url = pageUrl(location.href);
    if (url) headers.set(PAGE_URL_HEADER, url);
    const title = pageTitle(document.title);
    if (title) headers.set(PAGE_TITLE_HEADER, encodeURIComponent(title));
    const response = await withToken(input, { ...init, headers });
    if (response.status === 401) onUnauthorized?.();
    return response;
  };
}

/**
 * Opens our sign-in page in a popup and waits for its hand-over: the popup says it is ready,
 * gets the visitor token (so that the visitor's threads move to the account), and answers with
 * a chat-scoped grant. Messages count only from that popup and our origin. Resolves null when
 * the popup is closed (or blocked) before it is done.
 */
export function signInWithPopup(
  base: string,
  visitorToken: string | undefined,
): Promise<GrantResponse | null> {
  const url = new URL("/embed/signin", base);
  url.searchParams.set("origin", location.origin);
  const popup = globalThis.open(url.href, "deno-chatkit-signin", "popup,width=480,height=700");
  if (!popup) return Promise.resolve(null);
  return new Promise((resolve) => {
    const finish = (result: GrantResponse | null) => {
      globalThis.removeEventListener("message", onMessage);
      clearInterval(watch);
      resolve(result);
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== base || event.source !== popup) return;
      const data = event.data as { type?: string; grant?: GrantResponse } | null;
      if (data?.type === POPUP_READY) {
        popup.postMessage({ type: POPUP_VISITOR, visitorToken }, base);
      } else if (data?.type === POPUP_SIGNED_IN && data.grant?.token) {
        finish(data.grant);
      } else if (data?.type === POPUP_FAILED) {
        finish(null);
      }
    };
    globalThis.addEventListener("message", onMessage);
    // A popup closed by the user never answers.
    const watch = setInterval(() => {
      if (popup.closed) finish(null);
    }, 500);
  });
}

/** Revokes a grant at our server (the embed's sign-out). Failures are ignored: it expires anyway. */
export async function revokeGrant(base: string, token: string): Promise<void> {
  try {
    await fetch(new URL("/embed/signout", base), {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      credentials: "omit",
    });
  } catch { /* the grant expires on its own */ }
}
