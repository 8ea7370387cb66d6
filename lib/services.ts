/**
 * The long-lived parts of the app, built once at boot and handed to every request through
 * `ctx.state.services`. Each feature adds its service here.
 * @module
 */
import { createResponder } from "./agent/mod.ts";
import { workerProcessor } from "./attachments/processor.ts";
import { AttachmentService } from "./attachments/service.ts";
import { AuthService } from "./auth/mod.ts";
import { VisitorSweeper } from "./auth/visitor_sweep.ts";
import { ChatKitServer } from "./chatkit/server.ts";
import type { Config } from "./config.ts";
import type { Database } from "./db/mod.ts";
import { RateLimiter } from "./http/rate_limit.ts";
import { EmbedService } from "./embed/service.ts";
import { createKnowledge, type KnowledgeService } from "./knowledge/service.ts";
import type { Settings } from "./settings.ts";
import { Shutdown } from "./shutdown.ts";
import { PostgresStore, type Store } from "./store/mod.ts";

export interface Services {
  config: Config;
  settings: Settings;
  db: Database;
  /**
   * Threads, items and attachments. Reached only through `ctx.state.store`, the caller's own
   * view that `routes/_middleware.ts` opens with `store.forOwner(owner)`.
   */
  store: Store;
  /** The ChatKit protocol server behind `POST /chatkit` (its `responder` is the assistant). */
  chatkit: ChatKitServer;
  /** Identity: sessions, visitors, sign-in and sign-out (lib/auth). */
  auth: AuthService;
  /** Limits on model turns per owner and client address (lib/http/rate_limit.ts). */
  limiter: RateLimiter;
  /** The assistant on other sites: allowed origins, visitor tokens, grants (lib/embed). */
  embed: EmbedService;
  /** Uploads, previews, quotas and the sweep of unused uploads (lib/attachments). */
  attachments: AttachmentService;
  /** The site's knowledge base: retrieval for turns, ingestion endpoint (lib/knowledge). */
  knowledge: KnowledgeService;
  /** Deletes the threads of visitors whose cookie or embed token can no longer be valid. */
  visitorSweep: VisitorSweeper;
  /** The app's stop signal and the streaming turns it waits for (lib/shutdown.ts). */
  lifecycle: Shutdown;
}

/** Builds the services from the parsed environment, the settings and the open database. */
export function createServices(
  config: Config,
  settings: Settings,
  db: Database,
  options: { background?: boolean } = {},
): Promise<Services> {
  const attachments = new AttachmentService({
    sql: db.sql,
    limits: settings.limits,
    storage: {
      maxStoredBytes: settings.limits.attachmentStorageBytes,
      uploadsPerHour: settings.limits.uploadsPerHour,
      unattachedHours: settings.limits.unattachedUploadHours,
      previewUrlSeconds: settings.limits.previewUrlSeconds,
    },
    model: settings.agent.attachments,
    processor: workerProcessor(),
    secret: config.secret ?? "",
  });
  // Unused uploads older than the limit go now (boot) and then periodically: once per app, so
  // of several workers only the first sweeps (lib/cluster).
  if (options.background ?? true) attachments.startSweeping();
  // On a server, hybrid search runs its two rankings on two connections at once.
  const knowledge = createKnowledge(config, settings.knowledge, db.sql, {
    sideBySide: db.kind === "postgres",
  });
  const responder = createResponder(config, settings.agent, {
    sql: db.sql,
    steps: knowledge.steps,
    tools: knowledge.tools,
    instructions: knowledge.instructions,
    finalize: knowledge.annotate,
    attachments,
  });
  const store = new PostgresStore(db.sql);
  const lifecycle = new Shutdown();
  const chatkit = new ChatKitServer({
    limits: {
      ...settings.limits,
      maxAttachmentsPerMessage: settings.chatkit.composer.attachments.maxCount,
    },
    responder,
    lifecycle,
    allowedImageDomains: settings.chatkit.allowedImageDomains,
  });
  const auth = new AuthService(config, settings, db, store);
  const limiter = new RateLimiter(db.sql, settings.rateLimit);
  const embed = new EmbedService({
    sql: db.sql,
    secret: config.secret ?? "",
    allowedOrigins: config.auth.allowedOrigins,
    settings: settings.embed,
  });
  const visitorSweep = new VisitorSweeper({
    sql: db.sql,
    lifetimesSeconds: [settings.auth.visitorSeconds, settings.embed.visitorSeconds],
  });
  // Now (boot) and then hourly, one cheap, index-backed statement per batch; like the upload
  // sweep, in the first worker only (it is safe on several instances, but once is enough).
  if (options.background ?? true) visitorSweep.start();
  return Promise.resolve({
    visitorSweep,
    embed,
    config,
    settings,
    db,
    store,
    chatkit,
    auth,
    limiter,
    knowledge,
    attachments,
    lifecycle,
  });
}
