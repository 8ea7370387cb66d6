/**
 * Building the items and attachments the server stores: user messages, attachments, answered
 * structured input, and the MIME allow-list check.
 * @module
 */
import { newItemId, nowIso } from "./ids.ts";
import type {
  Attachment,
  StructuredInputItem,
  UserMessageInput,
  UserMessageItem,
} from "./types.ts";

/** The user message item for an input, with its attachments stamped with the thread. */
export function buildUserMessage(
  threadId: string,
  input: UserMessageInput,
  attachments: Attachment[],
  page?: UserMessageItem["page"],
): UserMessageItem {
  const item: UserMessageItem = {
    id: newItemId("message"),
    thread_id: threadId,
    created_at: nowIso(),
    type: "user_message",
    content: input.content,
    attachments: attachments.map((a) => {
      const { upload_descriptor: _drop, ...rest } = a;
      return { ...rest, thread_id: threadId } as Attachment;
    }),
    inference_options: input.inference_options,
  };
  if (input.quoted_text !== undefined) item.quoted_text = input.quoted_text;
  if (page) item.page = page;
  return item;
}

/** Whether a MIME type (parameters ignored) is in the allow-list (`type/*` wildcards allowed). */
export function mimeAllowed(mimeType: string, allowList: string[]): boolean {
  const media = mimeType.split(";")[0].trim().toLowerCase();
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(media)) return false;
  const major = media.split("/")[0];
  return allowList.some((allowed) => {
    const a = allowed.toLowerCase();
    return a === media || a === "*/*" || a === `${major}/*`;
  });
}

/** Applies a structured-input submission to its pending item (protocol §6.4). */
export function answerStructuredInput(
  item: StructuredInputItem,
  submission: {
    status: "answered" | "skipped";
    answers: Record<string, { values?: string[] | null; skipped?: boolean | null }>;
  },
): StructuredInputItem {
  const inputs = item.inputs.map((question) => {
    const answer = Object.hasOwn(submission.answers, question.id)
      ? submission.answers[question.id]
      : undefined;
    const values = answer?.values ?? [];
    if (submission.status === "skipped" || !answer || answer.skipped || values.length === 0) {
      return { ...question, answer: { values: [], skipped: true } };
    }
    const kept = question.type === "multiple_choice" && !question.multiple
      ? values.slice(0, 1)
      : values;
    return { ...question, answer: { values: kept, skipped: false } };
  });
  return { ...item, status: submission.status, inputs };
}
