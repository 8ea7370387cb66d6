/**
 * The `agent` section of `fresh.config.ts`: who the assistant is and how it talks to the model.
 * Which provider and model it uses come from the environment instead (see `provider.ts`).
 * @module
 */
import type { ModelSettings, Tool } from "@openai/agents";
import {
  type AttachmentModelSettings,
  type AttachmentModelSettingsInput,
  DEFAULT_ATTACHMENT_MODEL_SETTINGS,
  resolveAttachmentModelSettings,
} from "../attachments/settings.ts";

/** How much of a thread's history goes to the model. The newest turns are kept. */
export interface HistoryBudget {
  /** At most this many turns (a turn = a user message and everything after it). */
  maxTurns: number;
  /** At most about this many characters of text (a rough stand-in for tokens; 4 chars ≈ 1 token). */
  maxChars: number;
}

/** Automatic thread titles. */
export interface TitleSettings {
  /** Ask the model for a title after the first message of a thread. */
  enabled: boolean;
  /** Titles longer than this are cut at a word boundary. */
  maxLength: number;
  /** Give up on a title after this long (the reply is never held back by it). */
  timeoutMs: number;
  /** Model settings for the title request (e.g. `{ maxTokens: 20 }`). */
  modelSettings?: ModelSettings;
}

/** Time limits on the model provider. */
export interface TimeoutSettings {
  /** Longest wait for the provider's first event (before any text). */
  firstEventMs: number;
  /** Longest silence between two events once the reply streams. */
  idleMs: number;
}

/** The `agent` section of the settings. */
export interface AgentSettings {
  /** The agent's name (shown in traces, when tracing is on). */
  name?: string;
  /** The system prompt. */
  instructions?: string;
  /** Model settings passed to every request (temperature, maxTokens, reasoning, …). */
  modelSettings?: ModelSettings;
  /** Tools the model may call (`tool()` from `@openai/agents`); shown as workflow steps. */
  tools?: Tool[];
  /** Most model calls in one turn (each tool round trip is one more). */
  maxModelCalls?: number;
  /** Retries of a failed provider request before anything streamed (HTTP 429/5xx, connection). */
  maxRetries?: number;
  history?: Partial<HistoryBudget>;
  title?: Partial<TitleSettings>;
  timeouts?: Partial<TimeoutSettings>;
  /** The model takes images (false: a text note stands in for each image). */
  vision?: boolean;
  /** PDFs as files where the API takes them (`auto`: Responses API) or always as their text. */
  fileInput?: "auto" | "text";
  /** Image budget, text per file and attachments kept across the history. */
  attachments?: AttachmentModelSettingsInput;
}

/** Agent settings with every default filled in. */
export interface ResolvedAgentSettings {
  name: string;
  instructions: string;
  modelSettings: ModelSettings;
  tools: Tool[];
  maxModelCalls: number;
  maxRetries: number;
  history: HistoryBudget;
  title: TitleSettings;
  timeouts: TimeoutSettings;
  vision: boolean;
  fileInput: "auto" | "text";
  attachments: AttachmentModelSettings;
}

/** The defaults used for anything `fresh.config.ts` leaves out. */
export const DEFAULT_AGENT_SETTINGS: ResolvedAgentSettings = {
  name: "Assistant",
  instructions: "You are a helpful assistant. Answer clearly and concisely, using Markdown " +
    "where it helps.",
  modelSettings: {},
  tools: [],
  maxModelCalls: 10,
  maxRetries: 2,
  history: { maxTurns: 30, maxChars: 60_000 },
  title: { enabled: true, maxLength: 60, timeoutMs: 15_000 },
  timeouts: { firstEventMs: 120_000, idleMs: 60_000 },
  vision: true,
  fileInput: "auto",
  attachments: DEFAULT_ATTACHMENT_MODEL_SETTINGS,
};

/** Fills in defaults and checks the numbers (a bad value stops start-up, naming the setting). */
export function resolveAgentSettings(agent: AgentSettings | undefined): ResolvedAgentSettings {
  const d = DEFAULT_AGENT_SETTINGS;
  const resolved: ResolvedAgentSettings = {
    name: agent?.name || d.name,
    instructions: agent?.instructions ?? d.instructions,
    modelSettings: agent?.modelSettings ?? d.modelSettings,
    tools: agent?.tools ?? d.tools,
    maxModelCalls: agent?.maxModelCalls ?? d.maxModelCalls,
    maxRetries: agent?.maxRetries ?? d.maxRetries,
    history: { ...d.history, ...defined(agent?.history) },
    title: { ...d.title, ...defined(agent?.title) },
    timeouts: { ...d.timeouts, ...defined(agent?.timeouts) },
    vision: agent?.vision ?? d.vision,
    fileInput: agent?.fileInput ?? d.fileInput,
    attachments: resolveAttachmentModelSettings(agent?.attachments),
  };
  if (resolved.fileInput !== "auto" && resolved.fileInput !== "text") {
    throw new Error(`fresh.config.ts agent.fileInput: expected "auto" or "text"`);
  }
  const check = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`fresh.config.ts agent.${name}: expected a whole number of at least ${min}`);
    }
  };
  check("maxModelCalls", resolved.maxModelCalls, 1);
  check("maxRetries", resolved.maxRetries, 0);
  check("history.maxTurns", resolved.history.maxTurns, 1);
  check("history.maxChars", resolved.history.maxChars, 1);
  check("title.maxLength", resolved.title.maxLength, 1);
  check("title.timeoutMs", resolved.title.timeoutMs, 1);
  check("timeouts.firstEventMs", resolved.timeouts.firstEventMs, 1);
  check("timeouts.idleMs", resolved.timeouts.idleMs, 1);
  check("attachments.maxTextChars", resolved.attachments.maxTextChars, 1);
  check("attachments.image.maxEdge", resolved.attachments.image.maxEdge, 16);
  check("attachments.image.maxPixels", resolved.attachments.image.maxPixels, 256);
  check("attachments.image.maxBytes", resolved.attachments.image.maxBytes, 1024);
  check("attachments.history.maxImages", resolved.attachments.history.maxImages, 0);
  check("attachments.history.maxFiles", resolved.attachments.history.maxFiles, 0);
  return resolved;
}

/** The keys of `value` whose value is not undefined (so they do not hide defaults). */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
