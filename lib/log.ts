/**
 * One JSON line per event on stderr/stdout. Fields whose names look secret are redacted, so a
 * careless `log.info("…", { headers })` cannot leak a token.
 * @module
 */

type Fields = Record<string, unknown>;
type Level = "debug" | "info" | "warn" | "error";

const SECRET_NAME = /(secret|password|token|authorization|cookie|api[_-]?key)/i;
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: number = order[(Deno.env.get("LOG_LEVEL") as Level) ?? "info"] ?? order.info;
/** Fields on every line of this thread (an app worker's index). */
let threadFields: Fields = {};

function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (!value || typeof value !== "object" || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [
      k,
      // A number is a count or a duration (`inputTokens`, `timeToFirstTokenMs`), never a secret.
      SECRET_NAME.test(k) && typeof v !== "number" ? "[redacted]" : redact(v, depth + 1),
    ]),
  );
}

function write(level: Level, msg: string, fields?: Fields) {
  if (order[level] < threshold) return;
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    msg,
    ...threadFields,
    ...(redact(fields ?? {}) as Fields),
  });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** A logger: one JSON line per call, secrets redacted. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds `fields` (e.g. the request id) to every line. */
  with(fields: Fields): Logger;
}

function logger(bound?: Fields): Logger {
  const merge = (fields?: Fields) => bound ? { ...bound, ...fields } : fields;
  return {
    debug: (msg, fields) => write("debug", msg, merge(fields)),
    info: (msg, fields) => write("info", msg, merge(fields)),
    warn: (msg, fields) => write("warn", msg, merge(fields)),
    error: (msg, fields) => write("error", msg, merge(fields)),
    with: (fields) => logger({ ...bound, ...fields }),
  };
}

/** The app's logger. */
export const log = {
  ...logger(),
  /** Changes the lowest level written (tests silence everything below `error`). */
  setLevel(level: Level) {
    threshold = order[level];
  },
  /** Adds `fields` to every line this thread writes (`{ worker: 1 }` in an app worker). */
  setThreadFields(fields: Fields) {
    threadFields = { ...fields };
  },
};
