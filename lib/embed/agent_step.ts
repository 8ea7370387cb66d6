/**
 * The pre-model step that tells the assistant which page of the host site the user is on (an
 * embed sends it with each message; `AgentContext.page`). Its note sits just before the new
 * message; without a page it adds nothing.
 * @module
 */
import type { PreModelStep } from "../agent/context.ts";
import { pageContextNote } from "./page_context.ts";

export const pageContextStep: PreModelStep = {
  name: "page-context",
  run(context, input) {
    const page = input?.page ?? context.page;
    if (!page) return Promise.resolve(undefined);
    return Promise.resolve({ input: [{ role: "system", content: pageContextNote(page) }] });
  },
};
