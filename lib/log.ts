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

function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (!value || typeof value !== "object" || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map((
      [k, v],
    ) => [k, SECRET_NAME.test(k) ? "[redacted]" : redact(v, depth + 1)]),
  );
}

function write(level: Level, msg: string, fields?: Fields) {
  if (order[level] < threshold) return;
  const line = JSON.stringify({
    time: new Date().toISOString(),
    level,
    msg,
    ...(redact(fields ?? {}) as Fields),
  });
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
}

/** The app's logger. */
export const log = {
  debug: (msg: string, fields?: Fields) => write("debug", msg, fields),
  info: (msg: string, fields?: Fields) => write("info", msg, fields),
  warn: (msg: string, fields?: Fields) => write("warn", msg, fields),
  error: (msg: string, fields?: Fields) => write("error", msg, fields),
  /** Changes the lowest level written (tests silence everything below `error`). */
  setLevel(level: Level) {
    threshold = order[level];
  },
};
