/**
 * `POST /embed/grant`: called by our sign-in popup (same origin, with the session cookie) once
 * the user is signed in. It moves the embedded visitor's threads to the account (the popup got
 * the visitor token from the widget by `postMessage`) and mints the chat-scoped grant that the
 * popup hands back to the widget — never the session itself.
 */
import { ownOrigins } from "../../lib/http/csrf.ts";
import { ForbiddenError, UnauthorizedError } from "../../lib/errors.ts";
import { GrantBody, privateJson, readJson } from "../../lib/embed/http.ts";
import type { GrantResponse } from "../../lib/embed/protocol.ts";
import { embedUser } from "../../lib/embed/service.ts";
import { define } from "../../lib/state.ts";

export const handler = define.handlers({
  async POST(ctx) {
    const { services } = ctx.state;
    const { auth } = services;
    // Only our own pages: a grant must never be minted by a request another site started.
    const own = ownOrigins(ctx.req, ctx.url, auth.baseUrl, auth.trustProxy);
    if (!own.includes(ctx.req.headers.get("origin") ?? "")) {
      throw new ForbiddenError("Only the sign-in window may ask for this", "cross_site_request");
    }
    const { user, session } = ctx.state;
    if (!user || !session || session.via !== "cookie") {
      throw new UnauthorizedError("Sign in first");
    }
    const embed = services.embed;
    const body = await readJson(ctx.req, GrantBody);
    if (!embed.allows(body.origin)) {
      throw new ForbiddenError("The assistant is not enabled on that site", "origin_not_allowed");
    }
    let claimed = 0;
    const visitorId = body.visitorToken
      ? await embed.visitorOf(body.visitorToken, body.origin)
      : undefined;
    if (visitorId) claimed = await auth.claim(visitorId, user.id);
    const grant = await embed.grants.mint({
      userId: user.id,
      sessionId: session.id,
      origin: body.origin,
      seconds: embed.settings.grantSeconds,
    });
    const answer: GrantResponse = {
      token: grant.token,
      expiresAt: grant.expiresAt.toISOString(),
      user: embedUser(user),
      claimed,
    };
    return privateJson(answer);
  },
});
