/**
 * Counts the app's database queries and traces each one. postgres.js has no pool counters or
 * query hooks, so the client is wrapped: every query made through it, through `unsafe`, inside
 * `begin` or on a `reserve`d connection (better-auth's) is counted from the moment postgres.js
 * hands it to a connection until its answer, and gets a client span when tracing is on.
 * @module
 */
import { metrics } from "../metrics/mod.ts";
import { SpanKind, startSpan } from "../trace.ts";
import type { Sql } from "./mod.ts";

/** The parts of a postgres.js query object the wrapper hooks (instance fields). */
interface QueryInternals {
  handler: (query: QueryInternals) => void;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  strings: readonly string[];
}

const WRAPPED = Symbol("instrumented");

function track<T>(query: T): T {
  if (!(query instanceof Promise)) return query; // a fragment, an identifier: not a query
  const q = query as unknown as QueryInternals;
  const handler = q.handler;
  if (typeof handler !== "function") return query;
  q.handler = (self) => {
    metrics.dbQueriesInFlight.inc();
    const span = startSpan("db.query", {
      "db.system": "postgresql",
      // The statement's text only: values are sent separately and never recorded.
      "db.operation": operation(q.strings),
    }, SpanKind.CLIENT);
    let done = false;
    const finish = (outcome: "ok" | "error", error?: unknown) => {
      if (done) return;
      done = true;
      metrics.dbQueriesInFlight.dec();
      metrics.dbQueries.inc({ outcome });
      span.end(error);
    };
    const resolve = q.resolve;
    const reject = q.reject;
    q.resolve = (value) => (finish("ok"), resolve(value));
    q.reject = (error) => (finish("error", error), reject(error));
    handler(self);
  };
  return query;
}

function operation(strings: readonly string[] | undefined): string {
  return (strings?.[0] ?? "").trimStart().split(/\s/, 1)[0].toLowerCase() || "query";
}

/** Wraps a client so that each query through it is counted and traced (idempotent). */
export function instrument(sql: Sql): Sql {
  if ((sql as unknown as Record<symbol, boolean>)[WRAPPED]) return sql;
  return new Proxy(sql, {
    apply(target, thisArg, args) {
      return track(Reflect.apply(target, thisArg, args));
    },
    get(target, key, receiver) {
      if (key === WRAPPED) return true;
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      switch (key) {
        case "unsafe":
        case "file":
          return (...args: unknown[]) => track(value.apply(target, args));
        case "begin":
        case "savepoint":
          // begin(fn) or begin(options, fn): the transaction's own client is wrapped too.
          return (...args: unknown[]) => {
            const fn = args.pop() as (tx: Sql) => unknown;
            return value.apply(target, [...args, (tx: Sql) => fn(instrument(tx))]);
          };
        case "reserve":
          return async () => instrument(await value.apply(target, []));
        default:
          // postgres.js's functions are closures (no `this`), some with properties of their own.
          return value;
      }
    },
  }) as Sql;
}
