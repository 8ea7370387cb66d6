/**
 * The load generator: streamed POSTs over loopback with Deno's fetch, timing each SSE frame as it
 * arrives, and bounded pools of conversations that stop by themselves. It does as little per
 * frame as it can (a substring test, no JSON parsing), since it shares the CPU with what it
 * measures.
 * @module
 */

/** What a stream is scanned for. */
export interface FrameKinds {
  /** Substring of a text-delta frame. */
  delta: string;
  /** Substrings that all occur in the frame that completes a turn. */
  done: string[];
  /** Substring of an error frame (optional). */
  error?: string;
}

/** ChatKit `/chatkit` streams (the app and the relay). */
export const CHATKIT_FRAMES: FrameKinds = {
  delta: '"assistant_message.content_part.text_delta"',
  done: ['"type":"thread.item.done"', '"type":"assistant_message"'],
  error: '"type":"error"',
};

/** The fake model's own Responses stream (the direct baseline). */
export const RESPONSES_FRAMES: FrameKinds = {
  delta: "event: response.output_text.delta",
  done: ["event: response.completed"],
};

/** One streamed exchange. */
export interface TurnResult {
  ok: boolean;
  status: number;
  /** ms from the request to the first text delta (NaN when none came). */
  firstDelta: number;
  /** ms from the request to the first SSE frame (NaN when none came). */
  firstFrameMs: number;
  /** ms from the request to the end of the stream. */
  total: number;
  /** Arrival times (ms, performance.now) of the text deltas. */
  deltaTimes: number[];
  /** SSE frames received. */
  frames: number;
  /** The first frame (e.g. `thread.created`), when asked for. */
  firstFrame?: string;
  /** Why it failed. */
  error?: string;
  setCookie?: string[];
}

const decoder = new TextDecoder();

/** POSTs `body` and reads the SSE answer to its end. Never throws. */
export async function streamTurn(
  url: string,
  body: string,
  kinds: FrameKinds,
  options: { headers?: Record<string, string>; keepFirstFrame?: boolean; timeoutMs?: number } = {},
): Promise<TurnResult> {
  const t0 = performance.now();
  const result: TurnResult = {
    ok: false,
    status: 0,
    firstDelta: NaN,
    firstFrameMs: NaN,
    total: NaN,
    deltaTimes: [],
    frames: 0,
  };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 60_000);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body,
      signal: abort.signal,
    });
    result.status = res.status;
    result.setCookie = res.headers.getSetCookie();
    if (!res.ok || !res.body) {
      result.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      return result;
    }
    let buffer = "";
    let done = false;
    for await (const chunk of res.body) {
      const now = performance.now();
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        result.frames++;
        if (result.frames === 1) result.firstFrameMs = now - t0;
        if (options.keepFirstFrame && result.frames === 1) result.firstFrame = frame;
        if (frame.includes(kinds.delta)) {
          if (result.deltaTimes.length === 0) result.firstDelta = now - t0;
          result.deltaTimes.push(now);
        } else if (kinds.error && frame.includes(kinds.error)) {
          result.error ??= frame.slice(0, 300);
        } else if (kinds.done.every((marker) => frame.includes(marker))) {
          done = true;
        }
      }
    }
    result.total = performance.now() - t0;
    if (!done && !result.error) result.error = "stream ended before the turn completed";
    result.ok = done && !result.error;
  } catch (error) {
    result.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } finally {
    clearTimeout(timer);
  }
  return result;
}

/** Aggregate of a pool run. */
export interface PoolResult {
  concurrency: number;
  wallMs: number;
  turns: number;
  completed: number;
  errors: number;
  errorSamples: string[];
  frames: number;
  deltas: number;
  /** Gaps between consecutive deltas within a turn, ms. */
  gaps: number[];
  firstDeltas: number[];
}

/**
 * Runs `concurrency` conversations of `turns` turns each; a conversation waits for its turn to end
 * before it sends the next. `turn(conversation, index)` performs one turn. Conversation `c` starts
 * `c × rampMs / concurrency` ms late.
 */
export async function runPool(
  concurrency: number,
  turns: number,
  turn: (conversation: number, index: number) => Promise<TurnResult>,
  options: { rampMs?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PoolResult> {
  const out: PoolResult = {
    concurrency,
    wallMs: 0,
    turns: concurrency * turns,
    completed: 0,
    errors: 0,
    errorSamples: [],
    frames: 0,
    deltas: 0,
    gaps: [],
    firstDeltas: [],
  };
  let finished = 0;
  const t0 = performance.now();
  const ramp = options.rampMs ?? 0;
  await Promise.all(Array.from({ length: concurrency }, async (_, c) => {
    // Spread the first turns over the ramp, as people do not all press Send in the same ms.
    if (ramp > 0) await new Promise((r) => setTimeout(r, (c * ramp) / concurrency));
    for (let i = 0; i < turns; i++) {
      const r = await turn(c, i);
      finished++;
      out.frames += r.frames;
      out.deltas += r.deltaTimes.length;
      if (r.ok) out.completed++;
      else {
        out.errors++;
        if (out.errorSamples.length < 5) out.errorSamples.push(r.error ?? `HTTP ${r.status}`);
      }
      if (Number.isFinite(r.firstDelta)) out.firstDeltas.push(r.firstDelta);
      for (let k = 1; k < r.deltaTimes.length; k++) {
        out.gaps.push(r.deltaTimes[k] - r.deltaTimes[k - 1]);
      }
      options.onProgress?.(finished, out.turns);
    }
  }));
  out.wallMs = performance.now() - t0;
  return out;
}

/** POSTs JSON and times the whole answer (non-streaming requests). */
export async function timedJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ ms: number; status: number; text: string }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const text = await res.text();
  return { ms: performance.now() - t0, status: res.status, text };
}
