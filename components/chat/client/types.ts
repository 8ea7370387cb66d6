/**
 * The wire types the browser client works with: the same definitions the server uses
 * (type-only imports, erased from the browser bundle).
 * @module
 */
export type {
  Annotation,
  AssistantMessageContent,
  AssistantMessageItem,
  ItemUpdate,
  Page,
  Source,
  Thread,
  ThreadItem,
  ThreadMetadata,
  ThreadStatus,
  ThreadStreamEvent,
  UserMessageContent,
  UserMessageInput,
  UserMessageItem,
} from "../../../lib/chatkit/types.ts";
