/**
 * Assembles the app: database → migrations → services → handler, and serves it with a
 * graceful shutdown. `main.ts`, `dev.ts`, the tests and the benchmarks all start it here.
 * @module
 */
import { writeIngestEndpoint } from "./knowledge/remote.ts";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/mod.ts";
import { instrument } from "./db/instrument.ts";
import { MIGRATIONS_DIR, readMigrations, runMigrations } from "./db/migrate.ts";
import { errorResponse, logInternalError, StartupError, startupFailure } from "./errors.ts";
import { type ClientBuild, readSnapshot } from "./fresh/snapshot.ts";
import { setBuildId } from "./fresh/runtime.ts";
import { createHandler } from "./fresh/server.ts";
import type { Manifest } from "./fresh/types.ts";
import { edgeMiddleware } from "./http/edge.ts";
import { log } from "./log.ts";
import { observeHttp, type RequestFacts } from "./observe/http.ts";
import { routeMatcher } from "./observe/routes.ts";
import type { Shutdown } from "./shutdown.ts";
import { createServices, type Services } from "./services.ts";
import { resolveSettings, type SettingsInput } from "./settings.ts";
import type { State } from "./state.ts";

/** The project root (where `deno.json`, `static/` and `_fresh/` are). */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface AppOptions {
  config: Config;
  /** `fresh.config.ts` (filled with the defaults here, once). */
  settings: SettingsInput;
  manifest: Manifest;
  /** An already open database (tests share one); otherwise the config's database is opened. */
  database?: Database;
  /**
   * Runs the jobs that must run once per app (the sweep of unused uploads); default true. Of
   * several workers only the first does.
   */
  background?: boolean;
}

/** A built app, not yet listening. */
export interface App {
  handler: (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response>;
  services: Services;
  /** Cancels the streaming responses still open (each saves what it had written). */
  cutStreams(): Promise<void>;
  /** Tells streaming turns that the app is stopping, and tracks their last writes. */
  lifecycle: Shutdown;
  /** Closes the database if the app opened it. */
  close(): Promise<void>;
}

/** Stand-alone client scripts besides the islands: the embed for other sites (`/embed.js`). */
export const CLIENT_SCRIPTS: Record<string, string> = {
  embed: fileURLToPath(new URL("./embed/client/main.tsx", import.meta.url)),
};

let clientBuild: Promise<ClientBuild> | undefined;

/**
 * Builds the island bundles once per process, or loads `_fresh/` in production. The bundler
 * (esbuild) is imported only when it is needed, so a production start from `_fresh/` never
 * loads it; where it could not run anyway (no permission to start its binary, as on Deno
 * Deploy) a missing build stops start-up with what to do.
 */
function client(manifest: Manifest, config: Config): Promise<ClientBuild> {
  clientBuild ??= (async () => {
    if (config.mode === "production") {
      const snapshot = await readSnapshot(`${ROOT}_fresh`);
      if (snapshot) return snapshot;
      if ((await Deno.permissions.query({ name: "run" })).state !== "granted") {
        throw new StartupError(
          "no client build in _fresh/, and bundling at boot needs permission to run esbuild: " +
            "run `deno task build` before starting (on Deno Deploy: build command " +
            "`deno task build`)",
        );
      }
    }
    const { buildClient, islandFiles } = await import("./fresh/build.ts");
    return await buildClient({
      root: ROOT,
      islands: islandFiles(manifest),
      scripts: CLIENT_SCRIPTS,
      minify: config.mode === "production",
    });
  })();
  // A failed attempt is not kept: the next start in this process (tests) tries again.
  clientBuild.catch(() => clientBuild = undefined);
  return clientBuild;
}

/** Opens the database, applies migrations and builds the handler. */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, manifest } = options;
  // The one place the defaults are filled in (lib/settings.ts).
  const settings = resolveSettings(options.settings, config);
  setBuildId(await buildId());
  // Before the database: a missing build is reported without touching it.
  const clientFiles = await client(manifest, config);
  const opened = options.database ?? await openDatabase(config);
  // Every query of the app is counted (in flight, done) and traced from here on.
  const db: Database = { ...opened, sql: instrument(opened.sql) };
  try {
    const applied = await runMigrations(db.sql, await readMigrations(MIGRATIONS_DIR));
    if (applied.length > 0) log.info("migrations applied", { applied });
    const services = await createServices(config, settings, db, {
      background: options.background ?? true,
    });
    // Each request's state, for its log line once it is answered.
    const states = new WeakMap<Request, State>();
    const factsOf = (req: Request): RequestFacts | undefined => {
      const state = states.get(req);
      if (!state) return undefined;
      return {
        requestId: state.requestId,
        ownerKind: state.user ? "user" : state.owner ? "visitor" : "none",
      };
    };
    const inner = createHandler<State>(manifest, {
      // Request id, security headers and CORS on every response (lib/http/edge.ts).
      edge: edgeMiddleware(config, settings),
      // `owner` and `store` are set by routes/_middleware.ts before any route runs.
      state: (req, requestId) => {
        const state: State = {
          services,
          requestId: requestId ?? crypto.randomUUID(),
          owner: "",
          store: undefined as unknown as State["store"],
        };
        states.set(req, state);
        return state;
      },
      client: clientFiles,
      staticDir: `${ROOT}static`,
      errorResponse: (error, state) => errorResponse(error, state.requestId),
      onInternalError: (error, state) => logInternalError(error, state.requestId),
    });
    const observed = observeHttp(inner, { routeOf: routeMatcher(manifest), factsOf });
    return {
      handler: observed.handler,
      cutStreams: observed.cutStreams,
      services,
      lifecycle: services.lifecycle,
      close: async () => {
        services.attachments.close();
        await services.visitorSweep.close();
        if (!options.database) await opened.close();
      },
    };
  } catch (error) {
    if (!options.database) await opened.close();
    throw error;
  }
}

/** A listening server. */
export interface RunningServer {
  url: string;
  /** The port it got (`config.port`, or the one the system chose for 0). */
  port: number;
  app: App;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the app. */
  shutdown(): Promise<void>;
}

/**
 * After the drain deadline: how long cancelled turns may take to save their partial answers, and
 * then how long their streams may take to end, before the app closes the database anyway.
 */
const SAVE_MS = 5_000;
const END_MS = 2_000;

/** Resolves true when `promise` settles within `ms`, else false. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** How a server listens, when not simply on `config.hostname:config.port` alone. */
export interface ListenOptions {
  /** Instead of `config.port` (the workers after the first join the port it got). */
  port?: number;
  /** `SO_REUSEPORT`: several workers listen on one port and the kernel spreads connections. */
  reusePort?: boolean;
  /** No "listening"/"stopped" lines (an app worker: its supervisor writes them once). */
  quiet?: boolean;
}

/** Serves the app on `config.hostname:config.port`. */
export async function serve(options: AppOptions & ListenOptions): Promise<RunningServer> {
  const app = await createApp(options);
  const server = Deno.serve({
    hostname: options.config.hostname,
    port: options.port ?? options.config.port,
    ...(options.reusePort ? { reusePort: true } : {}),
    onListen: () => {},
  }, app.handler);
  const address = server.addr as Deno.NetAddr;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  const url = `http://${host === "0.0.0.0" ? "localhost" : host}:${address.port}`;
  // The embedded database is this process's alone: `deno task ingest` writes through us then.
  const ingest = app.services.db.kind === "embedded" && !options.database
    ? await writeIngestEndpoint(options.config.dataDir, url)
    : null;
  if (ingest) app.services.knowledge.ingestToken = ingest.token;
  if (!options.quiet) {
    log.info("listening", {
      url,
      mode: options.config.mode,
      database: app.services.db.kind,
      workers: 1,
    });
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    app,
    shutdown() {
      stopping ??= (async () => {
        const drainMs = options.config.shutdownDrainSeconds * 1000;
        // Stops accepting; resolves once every response has ended, streams included.
        const finished = server.shutdown();
        if (!await settlesWithin(finished, drainMs)) {
          log.warn("shutdown: cancelling replies still streaming", {
            afterMs: drainMs,
            turns: app.lifecycle.running,
          });
        }
        // Cancelled turns (and turns whose client went away earlier) save what they have; their
        // streams then end by themselves, so no connection is cut under a response.
        if (!await app.lifecycle.stop(SAVE_MS)) {
          log.warn("shutdown: some replies were still saving", { afterMs: SAVE_MS });
        }
        if (!await settlesWithin(finished, END_MS)) {
          // A stream that is not a turn (or a turn that would not stop): cancelling its body
          // runs its cancel path and lets the server finish. (Aborting the server's signal
          // after shutdown() throws BadResource in Deno 2.9.)
          log.warn("shutdown: streams still open are cut", { afterMs: END_MS });
          await app.cutStreams();
          await settlesWithin(finished, END_MS);
        }
        await ingest?.remove();
        await app.close();
        if (!options.quiet) log.info("stopped");
      })();
      return stopping;
    },
  };
}

/** Content-hash-like build id: stable per deployment, random per process otherwise. */
async function buildId(): Promise<string> {
  const source = Deno.env.get("DENO_DEPLOYMENT_ID") ?? crypto.randomUUID();
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(source));
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Starts a server for an entry point and keeps it running until SIGINT/SIGTERM. A bad variable
 * or a failing migration ends the process with its message instead of a stack trace.
 */
export async function runUntilSignalled(
  start: () => Promise<RunningServer>,
  options: { watched?: boolean } = {},
): Promise<void> {
  try {
    exitOnSignals(await start(), options.watched ?? false);
  } catch (error) {
    const failure = startupFailure(error);
    if (failure) {
      log.error(failure);
      Deno.exit(1);
    }
    throw error;
  }
}

/**
 * Ends the process cleanly on SIGINT/SIGTERM: drain, close the database, exit. Under `deno run
 * --watch` (`deno task dev`, `watched`) `Deno.exit` only ends the program and the watcher waits
 * for the next file change, so once everything is closed the signal is raised again with no
 * listener left: the watcher ends as a signalled process does (status 128 + the signal).
 */
function exitOnSignals(server: RunningServer, watched: boolean): void {
  const stop = async (signal: "SIGINT" | "SIGTERM") => {
    log.info("shutting down", { signal });
    // Past the drain, the saving and the closing: something hangs, exit anyway.
    const hardStop = setTimeout(
      () => Deno.exit(1),
      server.app.services.config.shutdownDrainSeconds * 1000 + 10_000,
    );
    try {
      await server.shutdown();
    } finally {
      clearTimeout(hardStop);
      if (watched) {
        // Every listener (the Agents SDK has its own), so that the default action applies.
        process.removeAllListeners(signal);
        process.kill(Deno.pid, signal);
      } else {
        Deno.exit(0);
      }
    }
  };
  // Registered through node:process, not Deno.addSignalListener: the Agents SDK's tracing
  // module exits the process on SIGTERM itself unless it sees another `process` listener, which
  // would cut every reply still streaming.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => stop(signal));
}
