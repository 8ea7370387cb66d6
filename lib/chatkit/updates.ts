/**
 * Incremental item updates (`thread.item.updated`) applied to the pending copy of a streamed item,
 * so that the copy saved on `done` — or on a cancel — holds what the client was shown.
 * @module
 */
import type { ItemUpdate, ThreadItem, WidgetComponent } from "./types.ts";

/** Applies an incremental update to the pending copy of a streamed item. */
export function applyUpdate(item: ThreadItem, update: ItemUpdate): void {
  switch (update.type) {
    case "assistant_message.content_part.added":
      if (item.type === "assistant_message") {
        while (item.content.length < update.content_index) {
          item.content.push({ type: "output_text", text: "", annotations: [] });
        }
        item.content[update.content_index] = structuredClone(update.content);
      }
      return;
    case "assistant_message.content_part.text_delta":
      if (item.type === "assistant_message") {
        while (item.content.length <= update.content_index) {
          item.content.push({ type: "output_text", text: "", annotations: [] });
        }
        item.content[update.content_index].text += update.delta;
      }
      return;
    case "assistant_message.content_part.annotation_added":
      if (item.type === "assistant_message") {
        const part = item.content[update.content_index];
        if (!part) return;
        part.annotations ??= [];
        if (update.annotation_index >= part.annotations.length) {
          part.annotations.push(update.annotation);
        } else part.annotations.splice(update.annotation_index, 0, update.annotation);
      }
      return;
    case "assistant_message.content_part.done":
      if (item.type === "assistant_message") {
        while (item.content.length < update.content_index) {
          item.content.push({ type: "output_text", text: "", annotations: [] });
        }
        item.content[update.content_index] = structuredClone(update.content);
      }
      return;
    case "workflow.task.added":
      if (item.type === "workflow") item.workflow.tasks.push(update.task);
      return;
    case "workflow.task.updated":
      if (item.type === "workflow") item.workflow.tasks[update.task_index] = update.task;
      return;
    case "widget.root.updated":
      if (item.type === "widget") item.widget = update.widget;
      return;
    case "widget.component.updated":
      if (item.type === "widget") {
        replaceComponent(item.widget, update.component_id, update.component);
      }
      return;
    case "widget.streaming_text.value_delta":
      if (item.type === "widget") {
        const component = findComponent(item.widget, update.component_id);
        if (component) component.value = String(component.value ?? "") + update.delta;
      }
      return;
    case "generated_image.updated":
      if (item.type === "generated_image") item.image = update.image;
      return;
  }
}

function findComponent(root: WidgetComponent, id: string): WidgetComponent | undefined {
  if (root.id === id) return root;
  for (const child of root.children ?? []) {
    const found = findComponent(child, id);
    if (found) return found;
  }
  return undefined;
}

function replaceComponent(root: WidgetComponent, id: string, component: WidgetComponent): void {
  const children = root.children;
  if (!children) return;
  for (let i = 0; i < children.length; i++) {
    if (children[i].id === id) children[i] = component;
    else replaceComponent(children[i], id, component);
  }
}
