/**
 * The typed `ctx.state` of every request, and the `define` helpers bound to it.
 * @module
 */
import type { AuthSession, AuthUser } from "./auth/identity.ts";
import { createDefine } from "./fresh/define.ts";
import type { Services } from "./services.ts";
import type { OwnerStore } from "./store/mod.ts";

export interface State {
  /** The app's services (database, config, …). */
  services: Services;
  /** A random id for this request, sent back as `x-request-id` and written in its log lines. */
  requestId: string;
  /** Whose data this request may touch: a user id or `anon:<id>` (set by `_middleware`). */
  owner: string;
  /** The caller's own store view, `services.store.forOwner(owner)` (set by `_middleware`). */
  store: OwnerStore;
  /** The signed-in user (absent for anonymous visitors and expired or forged sessions). */
  user?: AuthUser;
  /** The session that signed the user in. */
  session?: AuthSession;
  /** True when the caller came without a visitor cookie (one is minted on this answer). */
  newVisitor?: boolean;
  /** True when the request came with our cookies and no Bearer token (CSRF checks apply). */
  cookieAuthenticated?: boolean;
  /** Set when an embed on another site makes the request (its verified host page origin). */
  embed?: { origin: string };
}

export const define = createDefine<State>();
