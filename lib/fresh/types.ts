/**
 * The types of our small Fresh runtime. Names follow Fresh (1.x file roles, 2.x one-argument
 * handler signatures) so that a later move to real Fresh is mostly a change of import path.
 * @module
 */
import type { ComponentType } from "preact";

/** What every handler, middleware and page render receives. */
export interface FreshContext<State = Record<string, unknown>, Data = unknown> {
  /** The incoming request. */
  req: Request;
  /** The parsed request URL. */
  url: URL;
  /** Values of the dynamic segments of the route (`[id]` → `params.id`). */
  params: Record<string, string>;
  /** Per-request state, filled in by middleware. */
  state: State;
  /** The connection's details (client address), when served by `Deno.serve`. */
  info?: Deno.ServeHandlerInfo;
  /** In middleware: run the rest of the chain and return its response. */
  next(): Promise<Response>;
  /** Render the route's page component with `data` inside `_app`. */
  render(data?: Data, init?: ResponseInit): Promise<Response>;
}

/** One handler function. */
export type Handler<Data = unknown, State = Record<string, unknown>> = (
  ctx: FreshContext<State, Data>,
) => Response | Promise<Response>;

/** Handlers by HTTP method. */
export type HandlerByMethod<Data, State> = {
  [M in "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"]?: Handler<Data, State>;
};

/** A route's `handler` export: one function for every method, or one per method. */
export type Handlers<Data = unknown, State = Record<string, unknown>> =
  | Handler<Data, State>
  | HandlerByMethod<Data, State>;

/** Props of a page component. */
export interface PageProps<Data = unknown, State = Record<string, unknown>> {
  data: Data;
  url: URL;
  params: Record<string, string>;
  state: State;
  /** In `_app`: the page to wrap. */
  Component: ComponentType<Record<string, never>>;
  /** In `_500`: the error that was thrown. */
  error?: unknown;
}

/** Per-route options. */
export interface RouteConfig {
  /** Replaces the pattern derived from the file name (Hono syntax, e.g. `/api/auth/*`). */
  routeOverride?: string;
}

/** What a file in `routes/` may export. */
export interface RouteModule {
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any, any>>;
  // deno-lint-ignore no-explicit-any
  handler?: Handlers<any, any> | Handler<any, any>[];
  config?: RouteConfig;
}

/** What a file in `islands/` exports: its default export is the island component. */
export interface IslandModule {
  // deno-lint-ignore no-explicit-any
  default: ComponentType<any>;
}

/** The generated `fresh.gen.ts`. */
export interface Manifest {
  routes: Record<string, RouteModule>;
  islands: Record<string, IslandModule>;
  baseUrl: string;
}
