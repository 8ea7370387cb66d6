/**
 * Thread titles: a small, separate model request made alongside the first reply.
 * @module
 */
import { Agent, type Model, type Runner } from "@openai/agents";
import type { ThreadMetadata, UserMessageItem } from "../chatkit/types.ts";
import { userMessageText } from "./input.ts";
import type { TitleSettings } from "./settings.ts";

/**
 * Instructions of the title request. They contain the phrase "conversation title", which the test
 * fake (tests/support/fake_openai.ts) uses to tell title requests from replies.
 */
export const TITLE_INSTRUCTIONS =
  "Write a conversation title for a chat that begins with the user's message below. Use 2 to 6 " +
  "words, in the language of the message. Reply with the title only: no quotes, no final " +
  "punctuation, no explanation.";

/** Longest part of the first message sent to the title model. */
const MAX_PROMPT_CHARS = 2000;

const QUOTES = `"'\`“”‘’«»„‚*_`;
const EDGE_QUOTES = new RegExp(`^[${QUOTES}\\s]+|[${QUOTES}\\s]+$`, "g");

/**
 * Turns a model's answer into a title: first line, no "Title:" prefix, no surrounding quotes or
 * Markdown, single spaces, no trailing period/colon, at most `maxLength` characters (cut at a word
 * boundary when there is one). Returns `undefined` when nothing usable is left.
 */
export function cleanTitle(raw: string, maxLength: number): string | undefined {
  let text = raw.replace(/<think>[\s\S]*?(<\/think>|$)/gi, "");
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? "";
  text = line
    .replace(/^#+\s*/, "")
    .replace(/^\**\s*title\s*\**\s*[:\-–]\s*/i, "")
    .replace(EDGE_QUOTES, "")
    .replace(/\s+/g, " ")
    .replace(/[.:;,]+$/, "")
    .replace(EDGE_QUOTES, "")
    .trim();
  if (!text) return undefined;
  const chars = [...text];
  if (chars.length > maxLength) {
    const cut = chars.slice(0, maxLength).join("");
    // Cut at the last word boundary (the cut itself is one when a space follows it).
    const space = chars[maxLength] === " " ? cut.length : cut.lastIndexOf(" ");
    text = (space >= maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s.:;,\-–]+$/, "");
  }
  return text || undefined;
}

/** Writes titles with the title model. Built once; `write` is called per thread. */
export class TitleWriter {
  #agent: Agent;
  #runner: Runner;
  #settings: TitleSettings;

  constructor(model: Model, runner: Runner, settings: TitleSettings) {
    this.#agent = new Agent({
      name: "Title writer",
      instructions: TITLE_INSTRUCTIONS,
      model,
      modelSettings: settings.modelSettings ?? {},
    });
    this.#runner = runner;
    this.#settings = settings;
  }

  /**
   * A title for a chat starting with `firstMessage`, or `undefined` on any failure, time-out or
   * abort (never throws).
   */
  async write(firstMessage: string, signal: AbortSignal): Promise<string | undefined> {
    const text = firstMessage.trim().slice(0, MAX_PROMPT_CHARS);
    if (!text || signal.aborted) return undefined;
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    const timer = setTimeout(abort, this.#settings.timeoutMs);
    try {
      const result = await this.#runner.run(this.#agent, text, { signal: controller.signal });
      if (controller.signal.aborted) return undefined;
      const output = result.finalOutput;
      return typeof output === "string" ? cleanTitle(output, this.#settings.maxLength) : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }
}

/** A title being written alongside a turn. */
export interface TitleTask {
  /**
   * Ends the task with the turn: a completed turn waits for the title and keeps it; a failed or
   * cancelled one drops it.
   */
  settle(completed: boolean): Promise<void>;
}

/**
 * Asks for a title alongside the reply — never waited for before it — when the thread has none
 * and the turn has a new user message. A title that arrives mid-turn is set on the thread at once
 * (the pipeline then announces it); one that arrives later is set when the turn completes.
 */
export function startTitle(
  titles: TitleWriter | null,
  thread: ThreadMetadata,
  input: UserMessageItem | null,
): TitleTask {
  if (!titles || !input || thread.title) return { settle: () => Promise.resolve() };
  const abort = new AbortController();
  let turnOver = false;
  const title = titles.write(userMessageText(input), abort.signal).then((t) => {
    if (t && !turnOver && !thread.title) thread.title = t;
    return t;
  });
  return {
    async settle(completed) {
      if (!completed) abort.abort();
      const t = await title;
      if (t && !thread.title && completed) thread.title = t;
      turnOver = true;
    },
  };
}
