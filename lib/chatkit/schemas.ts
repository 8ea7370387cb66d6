/**
 * Zod schemas of the 16 request types (protocol §2), built once at module load.
 * Unknown keys are ignored (stripped); `null` for optional keys is accepted and dropped.
 * @module
 */
import { z } from "zod";
import type { Action, InferenceOptions, UserMessageContent, UserMessageInput } from "./types.ts";

const MAX_ID = 200;

const id = (what: string) =>
  z.string({
    error: (i) => i.input === undefined ? `${what} is required` : `${what} must be a string`,
  })
    .min(1, `${what} must not be empty`).max(MAX_ID, `${what} is too long`);

const freeObject = z.record(z.string(), z.unknown());

const inputText = z.object({ type: z.literal("input_text"), text: z.string() });
const inputTag = z.object({
  type: z.literal("input_tag"),
  id: z.string(),
  text: z.string(),
  data: freeObject.nullish().transform((v) => v ?? {}),
  group: z.string().nullish(),
  interactive: z.boolean().nullish().transform((v) => v ?? false),
}).transform((v) => {
  const out: UserMessageContent = {
    type: "input_tag",
    id: v.id,
    text: v.text,
    data: v.data,
    interactive: v.interactive,
  };
  if (v.group != null) out.group = v.group;
  return out;
});

const userContent = z.discriminatedUnion("type", [inputText, inputTag]);

const inferenceOptions = z.object({
  tool_choice: z.object({ id: z.string() }).nullish(),
  model: z.string().nullish(),
}).transform((v) => {
  const out: InferenceOptions = {};
  if (v.tool_choice != null) out.tool_choice = { id: v.tool_choice.id };
  if (v.model != null) out.model = v.model;
  return out;
});

const userMessageInput = z.object({
  content: z.array(userContent),
  attachments: z.array(id("attachment id")).max(100),
  quoted_text: z.string().nullish(),
  inference_options: inferenceOptions,
}).transform((v) => {
  const out: UserMessageInput = {
    content: v.content,
    attachments: v.attachments,
    inference_options: v.inference_options,
  };
  if (v.quoted_text != null) out.quoted_text = v.quoted_text;
  return out;
});

const action = z.object({ type: z.string().min(1), payload: z.unknown().optional() }).transform(
  (v) => {
    const out: Action = { type: v.type };
    if (v.payload !== undefined && v.payload !== null) out.payload = v.payload;
    return out;
  },
);

const order = z.enum(["asc", "desc"]).nullish().transform((v) => v ?? "desc");
const limit = z.number().int().nullish().transform((v) => v ?? undefined);
const after = z.string().max(MAX_ID).nullish().transform((v) => v ?? undefined);

const structuredInput = z.object({
  status: z.enum(["answered", "skipped"]).nullish().transform((v) => v ?? "answered"),
  answers: z.record(
    z.string(),
    z.object({ values: z.array(z.string()).nullish(), skipped: z.boolean().nullish() }),
  ).nullish().transform((v) => v ?? {}),
});

const customActionParams = z.object({
  thread_id: id("thread_id"),
  item_id: id("item_id").nullish().transform((v) => v ?? undefined),
  action,
});

const req = <T extends string, P extends z.ZodType>(type: T, params: P) =>
  z.object({
    type: z.literal(type),
    params,
    metadata: freeObject.nullish().transform((v) => v ?? {}),
  });

const requestSchemas = [
  req("threads.create", z.object({ input: userMessageInput })),
  req(
    "threads.add_user_message",
    z.object({ thread_id: id("thread_id"), input: userMessageInput }),
  ),
  req(
    "threads.add_client_tool_output",
    z.object({ thread_id: id("thread_id"), result: z.unknown() }),
  ),
  req(
    "threads.add_structured_input",
    z.object({ thread_id: id("thread_id"), item_id: id("item_id"), input: structuredInput }),
  ),
  req("threads.retry_after_item", z.object({ thread_id: id("thread_id"), item_id: id("item_id") })),
  req("threads.custom_action", customActionParams),
  req("threads.sync_custom_action", customActionParams),
  req("threads.get_by_id", z.object({ thread_id: id("thread_id") })),
  req(
    "threads.list",
    z.object({ limit, order, after }).nullish().transform((v) => v ?? { order: "desc" as const }),
  ),
  req("items.list", z.object({ thread_id: id("thread_id"), limit, order, after })),
  req("threads.update", z.object({ thread_id: id("thread_id"), title: z.string().max(1000) })),
  req("threads.delete", z.object({ thread_id: id("thread_id") })),
  req(
    "items.feedback",
    z.object({
      thread_id: id("thread_id"),
      item_ids: z.array(id("item id")).min(1).max(100),
      kind: z.enum(["positive", "negative"]),
    }),
  ),
  req(
    "attachments.create",
    z.object({
      name: z.string().min(1).max(1000),
      size: z.number().int().nonnegative(),
      mime_type: z.string().min(1).max(200),
    }),
  ),
  req("attachments.delete", z.object({ attachment_id: id("attachment_id") })),
  req(
    "input.transcribe",
    z.object({ audio_base64: z.string(), mime_type: z.string().min(1).max(200) }),
  ),
] as const;

/** All request types, discriminated on `type`. */
export const chatKitRequestSchema = z.discriminatedUnion("type", requestSchemas);

/** A parsed, valid request. */
export type ChatKitRequest = z.output<typeof chatKitRequestSchema>;
/** Request type names. */
export type ChatKitRequestType = ChatKitRequest["type"];
/** The request of a given type. */
export type RequestOf<T extends ChatKitRequestType> = Extract<ChatKitRequest, { type: T }>;

/** The schema of each request type (the request table in `requests.ts` names them). */
export const REQUEST_SCHEMAS = Object.fromEntries(
  requestSchemas.map((schema) => [schema.shape.type.value, schema]),
) as unknown as { [T in ChatKitRequestType]: z.ZodType<RequestOf<T>> };

/** Result of parsing: the request, or a message naming the offending field(s). */
export type ParseResult = { ok: true; request: ChatKitRequest } | { ok: false; message: string };

/** Validates a decoded JSON body. The error message names each field (`params.thread_id: …`). */
export function parseChatKitRequest(body: unknown): ParseResult {
  const result = chatKitRequestSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data };
  return { ok: false, message: describeIssues(result.error.issues) };
}

/** `path: message` for up to five issues, joined with `; `. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "invalid_union" && path === "type") message = "unknown request type";
    return path ? `${path}: ${message}` : message;
  });
  if (issues.length > 5) parts.push(`and ${issues.length - 5} more`);
  return parts.join("; ");
}
