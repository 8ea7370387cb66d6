/**
 * Ids and timestamps. Ids keep the reference prefixes (`thr_`, `msg_`, …) followed by 128 random
 * bits in hex; timestamps are UTC ISO-8601 with microseconds and `Z`, strictly increasing within
 * the process so that items created in one turn keep their order.
 * @module
 */

/** Kinds of ids and their prefixes (reference §9). */
export const ID_PREFIXES = {
  thread: "thr",
  message: "msg",
  tool_call: "tc",
  workflow: "wf",
  task: "tsk",
  attachment: "atc",
  sdk_hidden_context: "shcx",
  widget: "wgt",
  structured_input: "si",
  image: "img",
  hidden_context: "hcx",
  end_of_turn: "eot",
} as const;

/** A kind of item id. */
export type ItemIdKind = Exclude<
  keyof typeof ID_PREFIXES,
  "thread" | "attachment"
>;

const HEX: string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let out = "";
  for (let i = 0; i < buf.length; i++) out += HEX[buf[i]];
  return out;
}

/** A new id `<prefix>_<32 hex chars>` (128 random bits). */
export function newId(prefix: string): string {
  return `${prefix}_${randomHex(16)}`;
}

/** A new thread id (`thr_…`). */
export function newThreadId(): string {
  return newId(ID_PREFIXES.thread);
}

/** A new item id for the given kind, e.g. `newItemId("message")` → `msg_…`. */
export function newItemId(kind: ItemIdKind): string {
  return newId(ID_PREFIXES[kind] ?? "itm");
}

/** A new attachment id (`atc_…`). */
export function newAttachmentId(): string {
  return newId(ID_PREFIXES.attachment);
}

let lastMicros = 0;

/** Current time in microseconds since the epoch, strictly increasing within this process. */
export function nowMicros(): number {
  let micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  return micros;
}

/** Formats microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function formatMicros(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // …SS.mmmZ
  const frac = String(micros - ms * 1000).padStart(3, "0");
  return `${iso.slice(0, -1)}${frac}Z`;
}

/** The current time as an ISO-8601 UTC string with microseconds, strictly increasing in-process. */
export function nowIso(): string {
  return formatMicros(nowMicros());
}
