/**
 * The chat widget: a floating launcher that opens a chat panel. The panel shows OpenAI's
 * `<openai-chatkit>` when `chatkit.js` loads in time, else (or when configured) the built-in
 * client; both talk to `/chatkit`. The current thread is remembered per identity, and the
 * widget remounts when the identity changes (sign-in / sign-out).
 * @module
 */
import { useCallback, useMemo, useState } from "preact/hooks";
import { BuiltInChat } from "../components/chat/BuiltInChat.tsx";
import { ChatKitMount } from "../components/chat/ChatKitMount.tsx";
import { Launcher } from "../components/chat/Launcher.tsx";
import { useClientMode } from "../components/chat/loader.ts";
import { PanelHeader } from "../components/chat/PanelHeader.tsx";
import { themeStyle, useColorScheme } from "../components/chat/theme.ts";
import type { ChatWidgetProps, EmbedWidgetProps } from "../components/chat/types.ts";
import { createApiFetch } from "../components/chat/client/fetch.ts";
import { ThreadMemory } from "../components/chat/client/memory.ts";

export type { ChatWidgetProps, EmbedWidgetProps } from "../components/chat/types.ts";

type WidgetProps = ChatWidgetProps & EmbedWidgetProps;

function Widget(props: WidgetProps) {
  const { settings, onOpenChange } = props;
  const [openState, setOpenState] = useState(props.open ?? false);
  const open = props.open ?? openState;
  const [mountedState, setMounted] = useState(false);
  const mounted = mountedState || open;
  const mode = useClientMode(settings);
  const scheme = useColorScheme(settings.theme.colorScheme);
  const memory = useMemo(() => new ThreadMemory(props.identity.key), [props.identity.key]);
  const apiFetch = useMemo(
    () => props.fetch ?? createApiFetch({ authToken: props.authToken }),
    [props.fetch, props.authToken],
  );
  const style = useMemo(() => themeStyle(settings.theme), [settings.theme]);
  const onOpen = useCallback(() => {
    setMounted(true);
    setOpenState(true);
    onOpenChange?.(true);
  }, [onOpenChange]);
  const onClose = useCallback(() => {
    setOpenState(false);
    onOpenChange?.(false);
  }, [onOpenChange]);

  return (
    <div
      class="ck-root"
      data-color-scheme={scheme}
      data-radius={settings.theme.radius}
      data-density={settings.theme.density}
      data-client={mode}
      data-position={props.position ?? "right"}
      style={style}
    >
      <Launcher
        open={open}
        mounted={mounted}
        onOpen={onOpen}
        onClose={onClose}
        title={settings.title}
      >
        {mode === "chatkit"
          ? (
            <ChatKitMount
              settings={settings}
              domainKey={props.domainKey}
              apiFetch={apiFetch}
              memory={memory}
              fallbackThreadId={props.latestThreadId}
              colorScheme={scheme}
              attachments={props.attachments}
              headerActions={props.headerActions}
              onClose={onClose}
            />
          )
          : mode === "builtin"
          ? (
            <BuiltInChat
              settings={settings}
              apiFetch={apiFetch}
              memory={memory}
              fallbackThreadId={props.latestThreadId}
              headerActions={props.headerActions}
              attachments={props.attachments}
              authToken={props.authToken}
              customFetch={!!props.fetch}
              onClose={onClose}
            />
          )
          : (
            <div class="ck-surface">
              <PanelHeader
                title={settings.title}
                actions={props.headerActions}
                onClose={onClose}
              />
              <div class="ck-loading" role="status">
                <span class="ck-spinner" aria-hidden="true" />
                <span class="ck-sr-only">Loading chat</span>
              </div>
            </div>
          )}
      </Launcher>
    </div>
  );
}

/** The island: keyed by identity so that signing in or out starts over with that identity. */
export default function ChatWidget(props: WidgetProps) {
  return <Widget key={props.identity.key} {...props} />;
}
