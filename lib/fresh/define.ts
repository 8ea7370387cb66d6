import type { ComponentType } from "preact";
import type { Handler, Handlers, PageProps } from "./types.ts";

/** Typed helpers bound to the app's `State`, as Fresh 2's `createDefine<State>()`. */
export interface Define<State> {
  handlers<Data = unknown>(handlers: Handlers<Data, State>): Handlers<Data, State>;
  middleware(fn: Handler<unknown, State>): Handler<unknown, State>;
  page<Data = unknown>(
    page: ComponentType<PageProps<Data, State>>,
  ): ComponentType<PageProps<Data, State>>;
}

/**
 * Returns identity helpers that only add types.
 * @example
 * ```ts
 * export const define = createDefine<State>();
 * export const handler = define.handlers({ GET: (ctx) => new Response(ctx.url.pathname) });
 * ```
 */
export function createDefine<State>(): Define<State> {
  return {
    handlers: (handlers) => handlers,
    middleware: (fn) => fn,
    page: (page) => page,
  };
}
