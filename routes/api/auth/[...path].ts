import { define } from "../../../lib/state.ts";

/**
 * better-auth's endpoints (`/api/auth/sign-up/email`, `/sign-in/email`, `/sign-out`,
 * `/get-session`, `/callback/:provider` …). Tokens stay out of JSON bodies (API clients read
 * the `set-auth-token` header), and a sign-in claims the visitor's threads.
 */
export const handler = define.handlers((ctx) => ctx.state.services.auth.handleApi(ctx));
