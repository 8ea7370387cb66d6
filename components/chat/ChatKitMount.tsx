/**
 * The ChatKit path: mounts `<openai-chatkit>` and gives it its options (`setOptions` replaces
 * them all, so every change sends the full set). The current thread is remembered per identity
 * from `chatkit.thread.change` and handed back as `initialThread` on the next load.
 * @module
 */
import type { OpenAIChatKit } from "@openai/chatkit";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { buildChatKitOptions } from "./client/options.ts";
import type { ThreadMemory } from "./client/memory.ts";
import { CHATKIT_TAG } from "./loader.ts";
import { PanelHeader } from "./PanelHeader.tsx";
import type { ChatWidgetProps } from "./types.ts";

export interface ChatKitMountProps extends Pick<ChatWidgetProps, "settings" | "domainKey"> {
  apiFetch: typeof fetch;
  memory: ThreadMemory;
  /** Thread to open when nothing is remembered (a signed-in user's latest). */
  fallbackThreadId?: string;
  colorScheme: "light" | "dark";
  attachments?: ChatWidgetProps["attachments"];
  /** Extra header controls (the embed's sign-in). */
  headerActions?: ComponentChildren;
  onClose(): void;
}

export function ChatKitMount(props: ChatKitMountProps) {
  const host = useRef<HTMLDivElement>(null);
  const element = useRef<OpenAIChatKit | null>(null);
  const { memory } = props;

  useEffect(() => {
    const el = document.createElement(CHATKIT_TAG) as OpenAIChatKit;
    el.className = "ck-chatkit";
    const onThreadChange = (event: CustomEvent<{ threadId: string | null }>) => {
      memory.set(event.detail?.threadId ?? null);
    };
    const onError = (event: CustomEvent<{ error: Error }>) => {
      console.warn("chatkit error", event.detail?.error);
    };
    el.addEventListener("chatkit.thread.change", onThreadChange);
    el.addEventListener("chatkit.error", onError);
    host.current?.appendChild(el);
    element.current = el;
    return () => {
      el.removeEventListener("chatkit.thread.change", onThreadChange);
      el.removeEventListener("chatkit.error", onError);
      el.remove();
      element.current = null;
    };
  }, [memory]);

  useEffect(() => {
    const el = element.current;
    if (!el) return;
    const options = buildChatKitOptions({
      settings: props.settings,
      domainKey: props.domainKey,
      fetch: props.apiFetch,
      initialThread: memory.get() ?? props.fallbackThreadId ?? null,
      colorScheme: props.colorScheme,
      attachments: props.attachments,
    });
    // Typed as void, but a version may answer a promise: its rejection is reported, not thrown.
    Promise.resolve(el.setOptions(options) as unknown).catch((error) =>
      console.warn("chatkit setOptions failed", error)
    );
  }, [props.settings, props.domainKey, props.apiFetch, props.colorScheme, memory]);

  return (
    <div class="ck-surface ck-surface-chatkit">
      <PanelHeader
        title={props.settings.title}
        history={props.settings.history.enabled}
        onHistory={() => element.current?.showHistory?.()}
        onNewChat={() => element.current?.setThreadId?.(null)}
        onClose={props.onClose}
        actions={props.headerActions}
      />
      <div class="ck-chatkit-host" ref={host} />
    </div>
  );
}
