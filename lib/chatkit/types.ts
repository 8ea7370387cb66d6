/**
 * ChatKit wire types (see ../shared/chatkit-protocol.md §2–§5).
 *
 * Optional keys (`?`) are omitted from the JSON when unset; `null` is never produced.
 * @module
 */

/** ISO-8601 UTC datetime string with microseconds and `Z`, e.g. `2026-11-25T17:42:00.123456Z`. */
export type IsoDateTime = string;

/** A page of results; `after` is the id of the last entry when `has_more` is true. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string;
}

/** Sort order of lists. */
export type Order = "asc" | "desc";

// ---------------------------------------------------------------------------------------------
// Threads

/** Thread status; `locked` / `closed` threads refuse new input. */
export type ThreadStatus =
  | { type: "active" }
  | { type: "locked"; reason?: string }
  | { type: "closed"; reason?: string };

/** Server-side thread record. `metadata` is server-only and never sent to the client. */
export interface ThreadMetadata {
  id: string;
  title?: string;
  created_at: IsoDateTime;
  status: ThreadStatus;
  allowed_image_domains?: string[];
  metadata: Record<string, unknown>;
}

/** Client-facing thread: metadata (sent as `{}`) plus a page of items. */
export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

// ---------------------------------------------------------------------------------------------
// Attachments

/** Where and how the client uploads the bytes of a two-phase attachment. */
export interface UploadDescriptor {
  url: string;
  method: "POST" | "PUT";
  headers: Record<string, string>;
}

interface AttachmentBase {
  id: string;
  name: string;
  mime_type: string;
  upload_descriptor?: UploadDescriptor;
  thread_id?: string;
}

/** A non-image attachment. */
export interface FileAttachment extends AttachmentBase {
  type: "file";
}

/** An image attachment with a preview URL. */
export interface ImageAttachment extends AttachmentBase {
  type: "image";
  preview_url: string;
}

/** An attachment as sent to the client. */
export type Attachment = FileAttachment | ImageAttachment;

// ---------------------------------------------------------------------------------------------
// User input

/** Plain text typed by the user. */
export interface InputTextContent {
  type: "input_text";
  text: string;
}

/** An @-mention entity chosen by the user. */
export interface InputTagContent {
  type: "input_tag";
  id: string;
  text: string;
  data: Record<string, unknown>;
  group?: string;
  interactive: boolean;
}

/** One part of a user message. */
export type UserMessageContent = InputTextContent | InputTagContent;

/** Tool / model choice made in the composer. */
export interface InferenceOptions {
  tool_choice?: { id: string };
  model?: string;
}

/** `params.input` of `threads.create` / `threads.add_user_message`. */
export interface UserMessageInput {
  content: UserMessageContent[];
  attachments: string[];
  quoted_text?: string;
  inference_options: InferenceOptions;
}

// ---------------------------------------------------------------------------------------------
// Assistant content and sources

interface SourceBase {
  title: string;
  description?: string;
  timestamp?: string;
  group?: string;
}

/** A web source. */
export interface UrlSource extends SourceBase {
  type: "url";
  url: string;
  attribution?: string;
}

/** A file source. */
export interface FileSource extends SourceBase {
  type: "file";
  filename: string;
}

/** An entity source. */
export interface EntitySource extends SourceBase {
  type: "entity";
  id: string;
  icon?: string;
  label?: string;
  inline_label?: string;
  interactive: boolean;
  data: Record<string, unknown>;
}

/** Any source. */
export type Source = UrlSource | FileSource | EntitySource;

/** A citation marker in assistant text; `index` is the character offset of the marker. */
export interface Annotation {
  type: "annotation";
  source: Source;
  index?: number;
}

/** A part of an assistant message. */
export interface AssistantMessageContent {
  type: "output_text";
  text: string;
  annotations: Annotation[];
}

// ---------------------------------------------------------------------------------------------
// Widgets, workflows, tasks

/** A widget component: `{ type, id?, key?, children?, ...props }`. */
export interface WidgetComponent {
  type: string;
  id?: string;
  key?: string;
  children?: WidgetComponent[];
  [prop: string]: unknown;
}

/** A widget tree whose root is a Card, ListView or Basic. */
export interface WidgetRoot extends WidgetComponent {
  type: "Card" | "ListView" | "Basic";
}

/** Status indicator of a task. */
export type TaskStatusIndicator = "none" | "loading" | "complete";

interface TaskBase {
  status_indicator: TaskStatusIndicator;
}

/** Workflow/task entries. */
export type Task =
  | TaskBase & {
    type: "custom";
    title?: string;
    icon?: string;
    content?: string;
  }
  | TaskBase & {
    type: "web_search";
    title?: string;
    title_query?: string;
    queries: string[];
    sources: UrlSource[];
  }
  | TaskBase & { type: "thought"; title?: string; content: string }
  | TaskBase & { type: "file"; title?: string; sources: FileSource[] }
  | TaskBase & { type: "image"; title?: string };

/** A workflow summary. */
export type WorkflowSummary = { title: string; icon?: string } | {
  duration: number;
};

/** A workflow (reasoning or custom). */
export interface Workflow {
  type: "custom" | "reasoning";
  tasks: Task[];
  summary?: WorkflowSummary;
  expanded: boolean;
}

/** A structured-input question. */
export type StructuredInputQuestion =
  | {
    type: "multiple_choice";
    id: string;
    question: string;
    options: { value: string }[];
    multiple: boolean;
    answer?: StructuredInputAnswer;
  }
  | {
    type: "freeform";
    id: string;
    question: string;
    description?: string;
    answer?: StructuredInputAnswer;
  };

/** An answer to one structured-input question. */
export interface StructuredInputAnswer {
  values?: string[];
  skipped?: boolean;
}

/** `params.input` of `threads.add_structured_input`. */
export interface StructuredInputSubmission {
  status: "answered" | "skipped";
  answers: Record<string, { values?: string[]; skipped?: boolean }>;
}

// ---------------------------------------------------------------------------------------------
// Thread items

/** Fields shared by every thread item. */
export interface ThreadItemBase {
  id: string;
  thread_id: string;
  created_at: IsoDateTime;
}

/** A message written by the user. */
export interface UserMessageItem extends ThreadItemBase {
  type: "user_message";
  content: UserMessageContent[];
  attachments: Attachment[];
  quoted_text?: string;
  inference_options: InferenceOptions;
  /** The host page an embed sent the message from (lib/embed; not part of ChatKit's protocol). */
  page?: { url: string; title?: string };
}

/** A message written by the assistant. */
export interface AssistantMessageItem extends ThreadItemBase {
  type: "assistant_message";
  content: AssistantMessageContent[];
}

/** A call of a tool that runs in the browser. */
export interface ClientToolCallItem extends ThreadItemBase {
  type: "client_tool_call";
  status: "pending" | "completed";
  call_id: string;
  name: string;
  arguments: Record<string, unknown>;
  output?: unknown;
}

/** A widget. */
export interface WidgetItem extends ThreadItemBase {
  type: "widget";
  widget: WidgetRoot;
  copy_text?: string;
}

/** A workflow (list of tasks). */
export interface WorkflowItem extends ThreadItemBase {
  type: "workflow";
  workflow: Workflow;
}

/** A single task. */
export interface TaskItem extends ThreadItemBase {
  type: "task";
  task: Task;
}

/** A generated image. */
export interface GeneratedImageItem extends ThreadItemBase {
  type: "generated_image";
  image?: { id: string; url: string };
}

/** Questions shown in place of the composer. */
export interface StructuredInputItem extends ThreadItemBase {
  type: "structured_input";
  status: "pending" | "answered" | "skipped";
  inputs: StructuredInputQuestion[];
}

/** End-of-turn marker. */
export interface EndOfTurnItem extends ThreadItemBase {
  type: "end_of_turn";
}

/** Integration-defined model context; stored, never sent to the client. */
export interface HiddenContextItem extends ThreadItemBase {
  type: "hidden_context_item";
  content: unknown;
}

/** Library-written model context (e.g. the cancellation note); stored, never sent. */
export interface SdkHiddenContextItem extends ThreadItemBase {
  type: "sdk_hidden_context";
  content: string;
}

/** Any thread item. */
export type ThreadItem =
  | UserMessageItem
  | AssistantMessageItem
  | ClientToolCallItem
  | WidgetItem
  | WorkflowItem
  | TaskItem
  | GeneratedImageItem
  | StructuredInputItem
  | EndOfTurnItem
  | HiddenContextItem
  | SdkHiddenContextItem;

/** Item type names. */
export type ThreadItemType = ThreadItem["type"];

/** Item types that are stored but never sent to the client. */
export const HIDDEN_ITEM_TYPES: ReadonlySet<string> = new Set([
  "hidden_context_item",
  "sdk_hidden_context",
]);

/** True for items that must never be sent to the client. */
export function isHiddenItem(item: { type: string }): boolean {
  return item.type === "hidden_context_item" ||
    item.type === "sdk_hidden_context";
}

// ---------------------------------------------------------------------------------------------
// Item updates and stream events

/** An incremental update of a streamed item (inside `thread.item.updated`). */
export type ItemUpdate =
  | {
    type: "assistant_message.content_part.added";
    content_index: number;
    content: AssistantMessageContent;
  }
  | {
    type: "assistant_message.content_part.text_delta";
    content_index: number;
    delta: string;
  }
  | {
    type: "assistant_message.content_part.annotation_added";
    content_index: number;
    annotation_index: number;
    annotation: Annotation;
  }
  | {
    type: "assistant_message.content_part.done";
    content_index: number;
    content: AssistantMessageContent;
  }
  | {
    type: "widget.streaming_text.value_delta";
    component_id: string;
    delta: string;
    done: boolean;
  }
  | { type: "widget.root.updated"; widget: WidgetRoot }
  | {
    type: "widget.component.updated";
    component_id: string;
    component: WidgetComponent;
  }
  | { type: "workflow.task.added"; task_index: number; task: Task }
  | { type: "workflow.task.updated"; task_index: number; task: Task }
  | {
    type: "generated_image.updated";
    image: { id: string; url: string };
    progress?: number;
  };

/** Codes of `error` events. */
export type ErrorCode = "stream.error" | "custom";

/** One SSE event. */
export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ItemUpdate }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: { allow_cancel: boolean } }
  | { type: "progress_update"; text: string; icon?: string }
  | { type: "client_effect"; name: string; data: Record<string, unknown> }
  | {
    type: "notice";
    level: "info" | "warning" | "danger";
    message: string;
    title?: string;
  }
  | { type: "error"; code: ErrorCode; message?: string; allow_retry: boolean };

/** Event type names. */
export type ThreadStreamEventType = ThreadStreamEvent["type"];

/** A widget action (`threads.custom_action`). */
export interface Action {
  type: string;
  payload?: unknown;
}
