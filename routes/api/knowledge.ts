import { readBodyCapped } from "../../lib/http/body.ts";
import { NotFoundError } from "../../lib/errors.ts";
import {
  handleIngestBody,
  ingestAuthorized,
  MAX_INGEST_BODY,
  unauthorized,
} from "../../lib/knowledge/remote.ts";
import { define } from "../../lib/state.ts";

/**
 * `POST /api/knowledge`: `deno task ingest` writing through the app while the app holds the
 * embedded database (lib/knowledge/remote.ts). Only with the token the app wrote to
 * `DATA_DIR/ingest.json` (0600), checked before the body is read; on a Postgres server there
 * is no such endpoint (the CLI connects to the database itself).
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { knowledge } = ctx.state.services;
    if (!knowledge.ingestToken) throw new NotFoundError();
    if (!ingestAuthorized(knowledge.ingestToken, ctx.req.headers.get("authorization"))) {
      return unauthorized();
    }
    return await handleIngestBody(knowledge.store, await readBodyCapped(ctx.req, MAX_INGEST_BODY));
  },
});
