/**
 * The embed feature: the assistant on other sites (`/embed.js`), its identity without cookies,
 * and the sign-in hand-over. The service is `ctx.state.services.embed`.
 * @module
 */
export { EmbedService } from "./service.ts";
export type { EmbedIdentity, EmbedResolution } from "./service.ts";
export { readPageContext } from "./page_context.ts";
export { EMBED_PATHS } from "./tokens.ts";
