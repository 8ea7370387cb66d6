/**
 * The ChatKit path: mounts `<openai-chatkit>` and gives it its options (`setOptions` replaces
 * them all, so every change sends the full set). The current thread is remembered per identity
 * from `chatkit.thread.change` and handed back as `initialThread` on the next load.
 * @module
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { buildChatKitOptions } from "../../lib/chatkit_client/options.ts";
import type { ThreadMemory } from "../../lib/chatkit_client/memory.ts";
import { CHATKIT_TAG } from "./loader.ts";
import { PanelHeader } from "./PanelHeader.tsx";
import type { ChatWidgetProps } from "./types.ts";

/** The element's methods this widget uses (protocol §10.3). */
interface ChatKitElement extends HTMLElement {
  setOptions(options: Record<string, unknown>): void | Promise<void>;
  setThreadId?(threadId: string | null): void | Promise<void>;
  showHistory?(): void | Promise<void>;
}

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
  const element = useRef<ChatKitElement | null>(null);
  const { memory } = props;

  useEffect(() => {
    const el = document.createElement(CHATKIT_TAG) as ChatKitElement;
    el.className = "ck-chatkit";
    const onThreadChange = (event: Event) => {
      const detail = (event as CustomEvent<{ threadId?: string | null }>).detail;
      memory.set(detail?.threadId ?? null);
    };
    const onError = (event: Event) => {
      console.warn("chatkit error", (event as CustomEvent).detail?.error);
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
    Promise.resolve(el.setOptions(options)).catch((error) =>
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
