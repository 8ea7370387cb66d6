/**
 * What this app adds to better-auth's endpoints, as one plugin of before/after hooks (so that
 * the API and the sign-in pages, which both go through better-auth's handler, get the same):
 *
 * - profile fields within the sign-up page's limits (better-auth accepts a name of any length,
 *   which every page showing it then carries);
 * - the per-account slow-down of password sign-ins (`sign_in_slowdown.ts`).
 *
 * The client address is the one better-auth's limiter keys on: our `CLIENT_ADDRESS_HEADER`
 * (see `better.ts`), normalised as it does (an IPv6 address to its /64).
 * @module
 */
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getIP, isAPIError } from "better-auth/api";
import type { Sql } from "../db/mod.ts";
import type { SignInLimits } from "./settings.ts";
import { MAX_EMAIL_CHARS, profileFieldError } from "./profile.ts";
import { SignInSlowdown } from "./sign_in_slowdown.ts";

function bodyOf(ctx: { body?: unknown }): Record<string, unknown> {
  return ctx.body && typeof ctx.body === "object" ? ctx.body as Record<string, unknown> : {};
}

/** The plugin; `limits` are `signInLimits.perAccount` of `fresh.config.ts`. */
export function authGuards(sql: Sql, limits: SignInLimits["perAccount"]): BetterAuthPlugin {
  const slowdown = new SignInSlowdown(sql, limits);
  const addressOf = (ctx: { request?: Request; headers?: Headers; context: unknown }) => {
    const source = ctx.request ?? ctx.headers;
    const options = (ctx.context as { options: Parameters<typeof getIP>[1] }).options;
    return (source && getIP(source, options)) || "unknown";
  };
  return {
    id: "chatkit-guards",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/sign-up/email" || ctx.path === "/update-user",
          handler: createAuthMiddleware((ctx) => {
            const problem = profileFieldError(bodyOf(ctx), ctx.path === "/sign-up/email");
            if (problem) throw new APIError("BAD_REQUEST", problem);
            return Promise.resolve();
          }),
        },
        {
          matcher: (ctx) => ctx.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const email = bodyOf(ctx).email;
            // A malformed body is better-auth's to refuse (400), after this hook.
            if (typeof email !== "string" || email.length > MAX_EMAIL_CHARS) return;
            const slowed = await slowdown.attempt(email, addressOf(ctx));
            if (!slowed) return;
            const seconds = String(slowed.retryAfterSeconds);
            throw new APIError("TOO_MANY_REQUESTS", {
              code: "TOO_MANY_ATTEMPTS",
              message: `Too many sign-in attempts for this account. Try again in ${seconds} s.`,
            }, { "retry-after": seconds, "x-retry-after": seconds });
          }),
        },
      ],
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-in/email",
          handler: createAuthMiddleware(async (ctx) => {
            const email = bodyOf(ctx).email;
            const returned = ctx.context.returned;
            if (typeof email !== "string" || !returned || isAPIError(returned)) return;
            if (returned instanceof Response && !returned.ok) return;
            await slowdown.succeeded(email, addressOf(ctx));
          }),
        },
      ],
    },
  };
}
