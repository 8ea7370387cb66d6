/**
 * Agents SDK stream events → ChatKit thread stream events.
 *
 * - Text: the first delta of a model message opens an assistant message (`thread.item.added` with
 *   empty content, then `content_part.added`); each delta is a `text_delta`; the end of the model
 *   message (Responses `output_item.done`, or the end of the model response) sends
 *   `content_part.done` and `thread.item.done` with the final text and its annotations.
 *   Several model messages in one turn become several assistant messages.
 * - Messages that arrive whole (a provider that did not stream their text) are sent as one
 *   `thread.item.done`.
 * - Tool calls: a `workflow` item with one task per call (loading → complete), finished when the
 *   next message starts or the turn ends.
 * - Citations (`url_citation`, `file_citation`) become annotations on the message's text.
 * @module
 */
import type { RunStreamEvent } from "@openai/agents";
import { newItemId, nowIso } from "../chatkit/ids.ts";
import type {
  Annotation,
  AssistantMessageContent,
  AssistantMessageItem,
  Task,
  ThreadStreamEvent,
  WorkflowItem,
} from "../chatkit/types.ts";

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Converts a provider citation (Responses or Chat Completions shape) into a ChatKit annotation. */
export function toAnnotation(raw: unknown): Annotation | null {
  if (!isRecord(raw)) return null;
  if (raw.type === "url_citation") {
    const c = isRecord(raw.url_citation) ? raw.url_citation : raw;
    if (typeof c.url !== "string") return null;
    const title = typeof c.title === "string" && c.title ? c.title : c.url;
    const annotation: Annotation = {
      type: "annotation",
      source: { type: "url", url: c.url, title },
    };
    if (typeof c.end_index === "number") annotation.index = c.end_index;
    return annotation;
  }
  if (raw.type === "file_citation" || raw.type === "container_file_citation") {
    const name = typeof raw.filename === "string" && raw.filename
      ? raw.filename
      : typeof raw.file_id === "string"
      ? raw.file_id
      : null;
    if (!name) return null;
    const annotation: Annotation = {
      type: "annotation",
      source: { type: "file", filename: name, title: name },
    };
    const index = typeof raw.index === "number" ? raw.index : raw.end_index;
    if (typeof index === "number") annotation.index = index;
    return annotation;
  }
  return null;
}

/** Text and annotations of a model message item (SDK or raw Responses shape). */
export function messageContent(item: unknown): { text: string; annotations: Annotation[] } {
  let text = "";
  const annotations: Annotation[] = [];
  const content = isRecord(item) && Array.isArray(item.content) ? item.content : [];
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (part.type === "output_text" && typeof part.text === "string") {
      const offset = text.length;
      text += part.text;
      const raw = Array.isArray(part.annotations)
        ? part.annotations
        : isRecord(part.providerData) && Array.isArray(part.providerData.annotations)
        ? part.providerData.annotations
        : [];
      for (const r of raw) {
        const a = toAnnotation(r);
        if (!a) continue;
        if (offset && a.index !== undefined) a.index += offset;
        annotations.push(a);
      }
    } else if (part.type === "refusal" && typeof part.refusal === "string") {
      text += part.refusal;
    }
  }
  return { text, annotations };
}

interface OpenMessage {
  item: AssistantMessageItem;
  providerId?: string;
  text: string;
}

interface OpenWorkflow {
  item: WorkflowItem;
  startedAt: number;
  taskByCallId: Map<string, number>;
}

const HOSTED_TOOL_TITLES: Record<string, string> = {
  web_search_call: "Searching the web",
  file_search_call: "Searching files",
  code_interpreter_call: "Running code",
  image_generation_call: "Generating an image",
  computer_call: "Using the computer",
};

/** Title of a workflow task for a tool call. */
export function toolTaskTitle(raw: Json): string {
  const name = typeof raw.name === "string"
    ? raw.name
    : typeof raw.type === "string"
    ? raw.type
    : "";
  return HOSTED_TOOL_TITLES[name] ?? HOSTED_TOOL_TITLES[String(raw.type)] ??
    (name ? `Using ${name}` : "Using a tool");
}

/**
 * Stateful converter for one turn. Feed every SDK event to {@link push}, then call
 * {@link finish} once the run completed normally.
 */
/** Rewrites a finished message's text and annotations (see {@link TurnConverter}). */
export type MessageFinalizer = (
  text: string,
) => { text: string; annotations: Annotation[] };

export class TurnConverter {
  #threadId: string;
  #message: OpenMessage | null = null;
  #workflow: OpenWorkflow | null = null;
  /** Provider ids of model messages already sent (so a final copy is not sent twice). */
  #sent = new Set<string>();

  /**
   * `finalize` rewrites each finished message's text and annotations (the knowledge base turns
   * `[n]` markers into annotations there); the model's own annotations come first.
   */
  #finalize?: MessageFinalizer;

  constructor(threadId: string, options: { finalize?: MessageFinalizer } = {}) {
    this.#threadId = threadId;
    this.#finalize = options.finalize;
  }

  /** The ChatKit events for one SDK event (often none). */
  push(event: RunStreamEvent): ThreadStreamEvent[] {
    if (event.type === "raw_model_stream_event") {
      const data = event.data as Json;
      if (data.type === "output_text_delta") {
        const delta = typeof data.delta === "string" ? data.delta : "";
        const itemId = typeof data.itemId === "string" ? data.itemId : undefined;
        return this.#delta(delta, itemId);
      }
      if (data.type === "response_started") {
        // Ids only need to be unique within one model response.
        this.#sent.clear();
        return [];
      }
      if (data.type === "model" && isRecord(data.event)) {
        const raw = data.event;
        if (raw.type === "response.output_item.done" && isRecord(raw.item)) {
          const item = raw.item;
          if (item.type === "message" && typeof item.id === "string") {
            return this.#messageDone(item.id, item);
          }
        }
        return [];
      }
      if (data.type === "response_done" && isRecord(data.response)) {
        const output = Array.isArray(data.response.output) ? data.response.output : [];
        const out: ThreadStreamEvent[] = [];
        for (const item of output) {
          if (isRecord(item) && item.type === "message") {
            const id = typeof item.id === "string" ? item.id : undefined;
            out.push(...this.#messageDone(id, item));
          }
        }
        out.push(...this.#closeMessage());
        return out;
      }
      return [];
    }
    if (event.type === "run_item_stream_event") {
      const raw = event.item.rawItem as unknown;
      if (!isRecord(raw)) return [];
      if (event.name === "tool_called") return this.#toolCalled(raw);
      if (event.name === "tool_output") return this.#toolOutput(raw);
    }
    return [];
  }

  /** Events that end the turn normally: any open message and workflow are finished. */
  finish(): ThreadStreamEvent[] {
    return [...this.#closeMessage(), ...this.#closeWorkflow()];
  }

  #delta(delta: string, providerId: string | undefined): ThreadStreamEvent[] {
    const out: ThreadStreamEvent[] = [];
    if (
      this.#message && providerId && this.#message.providerId &&
      this.#message.providerId !== providerId
    ) {
      out.push(...this.#closeMessage());
    }
    if (!this.#message) {
      if (!delta) return out;
      out.push(...this.#closeWorkflow());
      const item: AssistantMessageItem = {
        id: newItemId("message"),
        thread_id: this.#threadId,
        created_at: nowIso(),
        type: "assistant_message",
        content: [],
      };
      this.#message = { item, providerId, text: "" };
      out.push({ type: "thread.item.added", item });
      out.push({
        type: "thread.item.updated",
        item_id: item.id,
        update: {
          type: "assistant_message.content_part.added",
          content_index: 0,
          content: { type: "output_text", text: "", annotations: [] },
        },
      });
    }
    if (!delta) return out;
    this.#message.text += delta;
    out.push({
      type: "thread.item.updated",
      item_id: this.#message.item.id,
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta },
    });
    return out;
  }

  /** A model message is complete: finish the open one it belongs to, or send it whole. */
  #messageDone(providerId: string | undefined, raw: Json): ThreadStreamEvent[] {
    if (providerId && this.#sent.has(providerId)) return [];
    const open = this.#message;
    const { text, annotations } = messageContent(raw);
    if (open && (!providerId || !open.providerId || open.providerId === providerId)) {
      return this.#closeMessage({ text: text || open.text, annotations }, providerId);
    }
    if (!text) return [];
    const final = this.#final(text, annotations);
    // Not streamed: send it whole.
    const out: ThreadStreamEvent[] = [...this.#closeMessage(), ...this.#closeWorkflow()];
    const item: AssistantMessageItem = {
      id: newItemId("message"),
      thread_id: this.#threadId,
      created_at: nowIso(),
      type: "assistant_message",
      content: [{ type: "output_text", text: final.text, annotations: final.annotations }],
    };
    if (providerId) this.#sent.add(providerId);
    out.push({ type: "thread.item.done", item });
    return out;
  }

  #closeMessage(
    final?: { text: string; annotations: Annotation[] },
    providerId?: string,
  ): ThreadStreamEvent[] {
    const open = this.#message;
    if (!open) return [];
    this.#message = null;
    const id = providerId ?? open.providerId;
    if (id) this.#sent.add(id);
    const done = this.#final(final?.text ?? open.text, final?.annotations ?? []);
    const content: AssistantMessageContent = {
      type: "output_text",
      text: done.text,
      annotations: done.annotations,
    };
    return [
      {
        type: "thread.item.updated",
        item_id: open.item.id,
        update: { type: "assistant_message.content_part.done", content_index: 0, content },
      },
      { type: "thread.item.done", item: { ...open.item, content: [content] } },
    ];
  }

  #final(text: string, annotations: Annotation[]): { text: string; annotations: Annotation[] } {
    if (!this.#finalize) return { text, annotations };
    const out = this.#finalize(text);
    return { text: out.text, annotations: [...annotations, ...out.annotations] };
  }

  #toolCalled(raw: Json): ThreadStreamEvent[] {
    const out: ThreadStreamEvent[] = [...this.#closeMessage()];
    if (!this.#workflow) {
      const item: WorkflowItem = {
        id: newItemId("workflow"),
        thread_id: this.#threadId,
        created_at: nowIso(),
        type: "workflow",
        workflow: { type: "custom", tasks: [], expanded: false },
      };
      this.#workflow = { item, startedAt: performance.now(), taskByCallId: new Map() };
      out.push({ type: "thread.item.added", item: structuredClone(item) });
    }
    const workflow = this.#workflow;
    const task: Task = { type: "custom", title: toolTaskTitle(raw), status_indicator: "loading" };
    const tasks = workflow.item.workflow.tasks;
    const taskIndex = tasks.length;
    tasks.push(task);
    const callId = typeof raw.callId === "string"
      ? raw.callId
      : typeof raw.id === "string"
      ? raw.id
      : "";
    if (callId) workflow.taskByCallId.set(callId, taskIndex);
    out.push({
      type: "thread.item.updated",
      item_id: workflow.item.id,
      update: { type: "workflow.task.added", task_index: taskIndex, task: { ...task } },
    });
    return out;
  }

  #toolOutput(raw: Json): ThreadStreamEvent[] {
    const workflow = this.#workflow;
    const callId = typeof raw.callId === "string" ? raw.callId : "";
    const index = workflow?.taskByCallId.get(callId);
    if (!workflow || index === undefined) return [];
    const task = workflow.item.workflow.tasks[index];
    task.status_indicator = "complete";
    return [{
      type: "thread.item.updated",
      item_id: workflow.item.id,
      update: { type: "workflow.task.updated", task_index: index, task: { ...task } },
    }];
  }

  #closeWorkflow(): ThreadStreamEvent[] {
    const open = this.#workflow;
    if (!open) return [];
    this.#workflow = null;
    const tasks = open.item.workflow.tasks.map((t) => ({
      ...t,
      status_indicator: "complete" as const,
    }));
    const duration = Math.max(0, Math.round((performance.now() - open.startedAt) / 1000));
    const item: WorkflowItem = {
      ...open.item,
      workflow: { ...open.item.workflow, tasks, summary: { duration } },
    };
    return [{ type: "thread.item.done", item }];
  }
}
