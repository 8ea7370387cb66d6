/**
 * The built-in chat client: used when ChatKit's script cannot load (offline, strict CSP,
 * blocked CDN) or when the settings ask for it. Same protocol, same endpoint, same settings.
 * @module
 */
import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { ChatKitClient } from "./client/client.ts";
import type { ThreadMemory } from "./client/memory.ts";
import type { AttachmentLimits } from "./client/options.ts";
import type { ChatKitSettings } from "./settings.ts";
import { Composer } from "./Composer.tsx";
import { History } from "./History.tsx";
import { MessageList } from "./MessageList.tsx";
import { PanelHeader } from "./PanelHeader.tsx";
import { StartScreen } from "./StartScreen.tsx";
import { useConversation } from "./useConversation.ts";

export interface BuiltInChatProps {
  settings: ChatKitSettings;
  apiFetch: typeof fetch;
  memory: ThreadMemory;
  fallbackThreadId?: string;
  /** Extra header controls (the embed's sign-in). */
  headerActions?: ComponentChildren;
  /** Upload limits from the server (unset, or attachments off in the settings: no uploads). */
  attachments?: AttachmentLimits;
  /** The Bearer token uploads carry (embeds); with a custom `apiFetch` and none, uploads go through it. */
  authToken?: string;
  /** `apiFetch` adds credentials of its own (the embed's). */
  customFetch?: boolean;
  onClose(): void;
}

export function BuiltInChat(props: BuiltInChatProps) {
  const { settings } = props;
  const client = useMemo(
    () =>
      new ChatKitClient({
        url: settings.apiUrl,
        fetch: props.apiFetch,
        locale: settings.locale ??
          (typeof navigator === "undefined" ? undefined : navigator.language),
      }),
    [settings.apiUrl, settings.locale, props.apiFetch],
  );
  const uploads = useMemo(() => {
    const { attachments } = settings.composer;
    if (!attachments.enabled || !props.attachments) return undefined;
    return {
      rules: {
        maxSize: props.attachments.maxSize,
        maxCount: attachments.maxCount,
        mimeTypes: props.attachments.mimeTypes,
      },
      transport: {
        url: settings.apiUrl,
        fetch: props.apiFetch,
        ...(props.authToken ? { authToken: props.authToken } : {}),
        bytesThroughFetch: !!props.customFetch && !props.authToken,
      },
    };
  }, [settings, props.attachments, props.apiFetch, props.authToken, props.customFetch]);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [threadsVersion, setThreadsVersion] = useState(0);
  const chat = useConversation({
    client,
    memory: props.memory,
    fallbackThreadId: props.fallbackThreadId,
    onThreadsChanged: () => setThreadsVersion((v) => v + 1),
  });
  const { conversation } = chat;
  const thread = conversation.thread;
  const status = thread?.status;
  const disabledReason = status && status.type !== "active"
    ? status.reason ?? (status.type === "closed" ? "This chat is closed." : "This chat is locked.")
    : undefined;
  const empty = conversation.items.length === 0 && !chat.loading && !conversation.error;

  return (
    <div class="ck-surface ck-surface-builtin" data-client="builtin">
      <PanelHeader
        title={historyOpen ? "Chats" : thread?.title || settings.title}
        history={settings.history.enabled}
        historyOpen={historyOpen}
        onHistory={() => setHistoryOpen((open) => !open)}
        onNewChat={() => {
          chat.newThread();
          setHistoryOpen(false);
        }}
        onClose={props.onClose}
        actions={props.headerActions}
      />
      {historyOpen
        ? (
          <History
            client={client}
            currentThreadId={thread?.id}
            showRename={settings.history.showRename}
            showDelete={settings.history.showDelete}
            version={threadsVersion}
            onOpen={(id) => {
              setHistoryOpen(false);
              chat.openThread(id);
            }}
            onRenamed={chat.renamed}
            onDeleted={chat.deleted}
          />
        )
        : (
          <>
            {chat.loading
              ? (
                <div class="ck-loading" role="status">
                  <span class="ck-spinner" aria-hidden="true" />
                  <span class="ck-sr-only">Loading conversation</span>
                </div>
              )
              : empty
              ? (
                <StartScreen
                  greeting={settings.startScreen.greeting}
                  prompts={settings.startScreen.prompts}
                  onPrompt={chat.send}
                />
              )
              : (
                <MessageList
                  chat={chat}
                  actions={settings.threadItemActions}
                  imageDomains={settings.allowedImageDomains}
                />
              )}
            <Composer
              placeholder={settings.composer.placeholder}
              streaming={chat.streaming}
              canStop={conversation.allowCancel}
              disabledReason={disabledReason}
              restoredDraft={chat.restoredDraft}
              attachments={uploads}
              onSend={chat.send}
              onStop={chat.stop}
            />
            {settings.disclaimer ? <p class="ck-disclaimer">{settings.disclaimer}</p> : null}
          </>
        )}
    </div>
  );
}
