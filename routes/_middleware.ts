import { define } from "../lib/state.ts";

/** The identity every request acts as until sign-in and visitor cookies exist. */
const LOCAL_OWNER = "anon:local";

/** Runs before every route: identifies the caller and tags the response with its request id. */
export const handler = define.middleware(async (ctx) => {
  ctx.state.owner = LOCAL_OWNER;
  const response = await ctx.next();
  response.headers.set("x-request-id", ctx.state.requestId);
  return response;
});
