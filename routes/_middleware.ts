import { authMiddleware } from "../lib/auth/middleware.ts";
import { define } from "../lib/state.ts";

/**
 * Runs before every route: resolves the caller into `ctx.state` (`user`, `session`, `owner`),
 * refuses cross-site cookie requests and messages over the rate limit, gives new visitors their
 * cookie, and tags the response with its request id (lib/auth/middleware.ts).
 */
export const handler = define.middleware(authMiddleware);
