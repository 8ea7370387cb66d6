/**
 * Builds the request handler from the manifest: static files, built client code, the
 * `_middleware` chain per folder, one route per file, `_app`, `_404` and `_500`.
 * Runs on Hono; the context handed to app code has Fresh's shape.
 * @module
 */
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { HttpError } from "./error.ts";
import { islandName, registerIslands } from "./islands.ts";
import { CLIENT_PREFIX, type ClientBuild } from "./snapshot.ts";
import { renderPage } from "./render.tsx";
import { setClientScripts } from "./runtime.ts";
import { compareRoutePatterns, routeFileKind } from "./router.ts";
import { staticFiles } from "./static_files.ts";
import type { FreshContext, Handler, Manifest, PageProps, RouteModule } from "./types.ts";

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

export interface HandlerOptions<State> {
  /**
   * Creates the initial `ctx.state` of each request (`requestId` from the edge, when it sets one).
   * `req` is the request as it arrived, even where the edge handed a wrapped one on.
   */
  state: (req: Request, requestId?: string) => State;
  /**
   * Hono middleware run first, around everything (static files, client code, routes and
   * errors alike): the app's HTTP edge (`lib/http/edge.ts`).
   */
  edge?: MiddlewareHandler[];
  /** The built client code (islands). */
  client: ClientBuild;
  /** Absolute path of `static/`. */
  staticDir: string;
  /** Maps an error to the JSON answer of a non-page request (the app's one mapping). */
  errorResponse: (error: unknown, state: State) => Response;
  /** Called for every unexpected (untyped) error, with the request's state (for the log line). */
  onInternalError?: (error: unknown, state: State) => void;
}

interface Slot<State> {
  state: State;
}

/**
 * Creates the app's `fetch` handler.
 * @example
 * ```ts
 * const handler = createHandler(manifest, { state, client, staticDir, errorResponse });
 * Deno.serve(handler);
 * ```
 */
export function createHandler<State>(
  manifest: Manifest,
  options: HandlerOptions<State>,
): (req: Request, info?: Deno.ServeHandlerInfo) => Promise<Response> {
  setClientScripts(options.client.assets.scripts ?? {});
  registerIslands(
    Object.fromEntries(
      Object.entries(manifest.islands).map(([key, mod]) => [islandName(key), mod.default]),
    ),
  );
  // deno-lint-ignore no-explicit-any
  const app = new Hono<{ Variables: { fresh: Slot<any>; requestId?: string } }>();
  for (const middleware of options.edge ?? []) app.use("*", middleware);
  const serveStatic = staticFiles(options.staticDir);
  const special = collectSpecialFiles(manifest);
  const freshContext = contextFactory<State>(special, options);

  app.use("*", async (c, next) => {
    c.set("fresh", { state: options.state(arrived(c), c.get("requestId")) });
    const url = new URL(c.req.url);
    if (url.pathname.startsWith(CLIENT_PREFIX)) {
      return clientFile(options.client, url.pathname.slice(CLIENT_PREFIX.length));
    }
    const file = await serveStatic(c.req.raw, url);
    if (file) return file;
    await next();
  });
  registerMiddlewares(app, special.middlewares, freshContext);
  for (const { module, pattern } of routesOf(manifest)) {
    registerRoute(app, pattern, module, freshContext);
  }
  registerErrorAnswers(app, special, options);
  return async (req, info) => await app.fetch(req, { info, request: req });
}

/** The request as the server received it (the edge may replace `c.req.raw`, e.g. its body). */
function arrived(c: Context): Request {
  return (c.env as { request?: Request } | undefined)?.request ?? c.req.raw;
}

type ContextFactory<State> = (
  c: Context,
  next: () => Promise<Response>,
  route?: RouteModule,
) => FreshContext<State>;

const slotOf = <State>(c: Context): Slot<State> => c.get("fresh");

/** Builds the Fresh-shaped `ctx` that middleware and routes receive. */
function contextFactory<State>(
  special: SpecialFiles,
  options: HandlerOptions<State>,
): ContextFactory<State> {
  return (c, next, route) => {
    const url = new URL(c.req.url);
    const state = slotOf<State>(c).state;
    const params = c.req.param() as Record<string, string>;
    return {
      req: c.req.raw,
      url,
      params,
      state,
      info: (c.env as { info?: Deno.ServeHandlerInfo } | undefined)?.info,
      next,
      render: (data?: unknown, init?: ResponseInit) => {
        if (!route?.default) throw new HttpError(500, "This route has no page to render");
        return Promise.resolve(
          htmlResponse(
            renderPage({
              app: special.app,
              page: route.default,
              props: { data, url, params, state },
              assets: options.client.assets,
            }),
            init,
          ),
        );
      },
    };
  };
}

/** Each folder's `_middleware` handlers, least specific folder first. */
function registerMiddlewares<State>(
  // deno-lint-ignore no-explicit-any
  app: Hono<any>,
  middlewares: SpecialFiles["middlewares"],
  freshContext: ContextFactory<State>,
): void {
  for (const { scope, handlers } of middlewares) {
    const paths = scope === "/" ? ["*"] : [scope, `${scope}/*`];
    for (const path of paths) {
      for (const middleware of handlers) {
        app.use(path, async (c, next) => {
          const ctx = freshContext(c, async () => {
            await next();
            return c.res;
          });
          return await middleware(ctx);
        });
      }
    }
  }
}

/** The manifest's routes with their URL patterns, most specific first. */
function routesOf(manifest: Manifest): { module: RouteModule; pattern: string }[] {
  return Object.entries(manifest.routes)
    .map(([key, module]) => ({ key, module, kind: routeFileKind(key) }))
    .flatMap(({ module, kind }) =>
      kind.kind === "route"
        ? [{ module, pattern: module.config?.routeOverride ?? kind.pattern }]
        : []
    )
    .sort((a, b) => compareRoutePatterns(a.pattern, b.pattern));
}

/** 404 and errors: `_404` / `_500` pages for browsers, the app's JSON answer otherwise. */
function registerErrorAnswers<State>(
  // deno-lint-ignore no-explicit-any
  app: Hono<any>,
  special: SpecialFiles,
  options: HandlerOptions<State>,
): void {
  const pageWanted = (req: Request) => (req.headers.get("accept") ?? "").includes("text/html");
  app.notFound((c) => {
    const state = slotOf<State>(c).state;
    if (special.notFound && pageWanted(c.req.raw)) {
      const url = new URL(c.req.url);
      return htmlResponse(
        renderPage({
          app: special.app,
          page: special.notFound,
          props: { data: undefined, url, params: {}, state },
          assets: options.client.assets,
        }),
        { status: 404 },
      );
    }
    return options.errorResponse(new HttpError(404), state);
  });

  app.onError((error, c) => {
    const state = slotOf<State>(c)?.state ?? options.state(arrived(c), c.get("requestId"));
    const status = error instanceof HttpError ? error.status : 500;
    // Typed errors are expected answers (501 "not configured", 503 …); only surprises are logged.
    if (!(error instanceof HttpError)) options.onInternalError?.(error, state);
    if (special.error && pageWanted(c.req.raw) && status >= 500) {
      const url = new URL(c.req.url);
      return htmlResponse(
        renderPage({
          app: special.app,
          page: special.error,
          props: { data: undefined, url, params: {}, state, error },
          assets: options.client.assets,
        }),
        { status },
      );
    }
    return options.errorResponse(error, state);
  });
}

function registerRoute<State>(
  // deno-lint-ignore no-explicit-any
  app: Hono<any>,
  pattern: string,
  module: RouteModule,
  freshContext: ContextFactory<State>,
): void {
  const noNext = () => Promise.reject(new Error("ctx.next() is only for middleware"));
  const handler = module.handler;
  if (typeof handler === "function") {
    app.all(pattern, (c) => handler(freshContext(c, noNext, module)));
    return;
  }
  if (Array.isArray(handler)) throw new Error(`${pattern}: only middleware may export an array`);
  const byMethod: Partial<Record<string, Handler<unknown, State>>> = { ...(handler ?? {}) };
  if (!byMethod.GET && module.default) byMethod.GET = (ctx) => ctx.render();
  const allowed = METHODS.filter((m) => byMethod[m] || (m === "HEAD" && byMethod.GET));
  for (const method of METHODS) {
    const fn = byMethod[method] ?? (method === "HEAD" ? byMethod.GET : undefined);
    if (fn) app.on(method, pattern, (c) => fn(freshContext(c, noNext, module)));
  }
  app.all(pattern, () => {
    throw new HttpError(405, "Method not allowed", {
      code: "method_not_allowed",
      headers: { allow: allowed.join(", ") },
    });
  });
}

interface SpecialFiles {
  app?: RouteModule["default"];
  notFound?: RouteModule["default"];
  error?: RouteModule["default"];
  // deno-lint-ignore no-explicit-any
  middlewares: { scope: string; handlers: Handler<any, any>[] }[];
}

function collectSpecialFiles(manifest: Manifest): SpecialFiles {
  const found: SpecialFiles = { middlewares: [] };
  for (const [key, module] of Object.entries(manifest.routes)) {
    const kind = routeFileKind(key);
    if (kind.kind === "_app") found.app = module.default;
    else if (kind.kind === "_404") found.notFound = module.default;
    else if (kind.kind === "_500") found.error = module.default;
    else if (kind.kind === "_middleware") {
      const handler = module.handler;
      // deno-lint-ignore no-explicit-any
      const handlers = (Array.isArray(handler) ? handler : [handler]) as Handler<any, any>[];
      found.middlewares.push({ scope: kind.scope, handlers: handlers.filter(Boolean) });
    }
  }
  // Least specific first, as Fresh nests folder middleware outside-in.
  found.middlewares.sort((a, b) => a.scope.length - b.scope.length);
  return found;
}

function clientFile(client: ClientBuild, name: string): Response {
  const body = client.files.get(name);
  if (!body) return new Response("Not found", { status: 404 });
  return new Response(body, {
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      // The file name carries a hash of its contents, so it can be cached for ever.
      "cache-control": "public, max-age=31536000, immutable",
      // Public code: other sites load the embed's script (no same-origin resource policy).
      "cross-origin-resource-policy": "cross-origin",
    },
  });
}

function htmlResponse(html: string, init?: ResponseInit): Response {
  const headers = new Headers(init?.headers);
  if (!headers.has("content-type")) headers.set("content-type", "text/html; charset=utf-8");
  return new Response(html, { ...init, headers });
}

export type { PageProps };
