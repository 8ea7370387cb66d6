/**
 * The assistant on another site: the same launcher and panel as our own pages (the ChatWidget
 * island's component), talking as the embed's visitor, the user signed in through our popup,
 * or the session the host page passed. Shows a clear notice when the site is not allowed.
 * @module
 */
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import ChatWidget from "../../islands/ChatWidget.tsx";
import { ThreadMemory } from "../chat/client/memory.ts";
import { embedChatSettings, type EmbedOptions } from "../../lib/embed/client/options.ts";
import {
  type EmbedAuth,
  embedFetch,
  EmbedStore,
  revokeGrant,
  signInWithPopup,
  startEmbed,
} from "../../lib/embed/client/session.ts";
import type { EmbedBootConfig } from "../../lib/embed/protocol.ts";
import { Launcher } from "../chat/Launcher.tsx";
import { PanelHeader } from "../chat/PanelHeader.tsx";
import { themeStyle, useColorScheme } from "../chat/theme.ts";

/** What the page's `window.DenoChatKit` calls reach. */
export interface EmbedControls {
  open(): void;
  close(): void;
  /** A better-auth session token from the host page (null: back to the visitor). */
  setSessionToken(token: string | null): void;
  signIn(): void;
  signOut(): void;
}

export interface EmbedAppProps {
  /** Our origin (where `/embed.js` came from). */
  base: string;
  config: EmbedBootConfig;
  options: EmbedOptions;
  /** Receives the controls once mounted. */
  bind(controls: EmbedControls): void;
}

type Status =
  | { kind: "starting" }
  | { kind: "ready" }
  | { kind: "unavailable"; refused: boolean; message: string };

/** The identity key of the remembered thread (`chatkit_thread_<key>` in the host's storage). */
function identityKey(auth: EmbedAuth): string {
  if (auth.kind === "visitor") return `embed_${auth.visitorId}`;
  if (auth.kind === "user") return `embed_${auth.user.id}`;
  return "embed_session";
}

export function EmbedApp({ base, config, options, bind }: EmbedAppProps) {
  const store = useMemo(() => new EmbedStore(base), [base]);
  const [status, setStatus] = useState<Status>({ kind: "starting" });
  const [visitor, setVisitor] = useState<EmbedAuth & { kind: "visitor" } | null>(null);
  const [user, setUser] = useState<EmbedAuth & { kind: "user" } | null>(null);
  const [sessionToken, setSessionToken] = useState(options.sessionToken ?? null);
  const [open, setOpen] = useState(options.openOnLoad);
  const [notice, setNotice] = useState<string | null>(null);
  const settings = useMemo(
    () => embedChatSettings(config.settings, options, base, config.domainKey),
    [config, options, base],
  );

  const start = useCallback(async () => {
    const outcome = await startEmbed(base, store);
    if (!outcome.ok) {
      setStatus({ kind: "unavailable", refused: outcome.refused, message: outcome.message });
      return;
    }
    setVisitor({ kind: "visitor", ...outcome.visitor });
    const grant = store.grant;
    setUser(
      outcome.user && grant ? { kind: "user", token: grant.token, user: outcome.user } : null,
    );
    setStatus({ kind: "ready" });
  }, [base, store]);

  useEffect(() => {
    start();
  }, [start]);

  const signIn = useCallback(async () => {
    setNotice(null);
    const visitorNow = visitor;
    const grant = await signInWithPopup(base, visitorNow?.token);
    if (!grant) {
      setNotice("Sign-in did not finish. If nothing opened, allow pop-ups for this site.");
      return;
    }
    // The visitor's open thread is now the account's: keep it open after the switch.
    if (visitorNow) {
      const remembered = new ThreadMemory(identityKey(visitorNow)).get();
      if (remembered) new ThreadMemory(`embed_${grant.user.id}`).set(remembered);
    }
    store.grant = { token: grant.token, user: grant.user };
    // Like the cookie flow: the visitor is spent once claimed; a new one comes at sign-out.
    store.visitorToken = undefined;
    setUser({ kind: "user", token: grant.token, user: grant.user });
  }, [base, store, visitor]);

  const signOut = useCallback(async () => {
    const grant = store.grant;
    store.grant = undefined;
    setUser(null);
    if (grant) await revokeGrant(base, grant.token);
    await start();
  }, [base, store, start]);

  useEffect(() => {
    bind({
      open: () => setOpen(true),
      close: () => setOpen(false),
      setSessionToken: (token) => setSessionToken(token || null),
      signIn: () => void signIn(),
      signOut: () => void signOut(),
    });
  }, [bind, signIn, signOut]);

  const auth: EmbedAuth | null = sessionToken
    ? { kind: "session", token: sessionToken }
    : user ?? visitor;
  // A token that stopped holding (revoked, expired): forget it and start over as a visitor.
  const onUnauthorized = useCallback(() => {
    if (auth?.kind === "user") store.grant = undefined;
    else if (auth?.kind === "visitor") store.visitorToken = undefined;
    else if (auth?.kind === "session") setSessionToken(null);
    setUser(null);
    start();
  }, [auth?.kind, store, start]);
  const apiFetch = useMemo(
    () => auth ? embedFetch(auth.token, onUnauthorized) : undefined,
    [auth?.token, onUnauthorized],
  );

  if (status.kind === "starting" || (status.kind === "ready" && !auth)) return null;
  if (status.kind === "unavailable") {
    return (
      <Unavailable
        settings={settings}
        position={options.position}
        open={open}
        onOpenChange={setOpen}
        refused={status.refused}
        message={status.message}
      />
    );
  }
  const account = auth!.kind === "session" ? null : auth!.kind === "user"
    ? (
      <button
        type="button"
        class="ck-embed-account"
        title={`Signed in as ${auth!.user.name}`}
        onClick={() => void signOut()}
      >
        Sign out
      </button>
    )
    : (
      <button type="button" class="ck-embed-account" onClick={() => void signIn()}>
        Sign in
      </button>
    );
  return (
    <>
      {notice ? <p class="ck-embed-banner" role="status">{notice}</p> : null}
      <ChatWidget
        settings={settings}
        domainKey={config.domainKey ?? ""}
        identity={{
          key: identityKey(auth!),
          name: auth!.kind === "user" ? auth!.user.name : undefined,
        }}
        attachments={config.attachments}
        fetch={apiFetch}
        open={open}
        onOpenChange={setOpen}
        position={options.position}
        headerActions={account}
      />
    </>
  );
}

interface UnavailableProps {
  settings: EmbedAppProps["config"]["settings"];
  position: "left" | "right";
  open: boolean;
  onOpenChange(open: boolean): void;
  refused: boolean;
  message: string;
}

/** The launcher with a notice instead of the chat (refused origin, server unreachable). */
function Unavailable(props: UnavailableProps) {
  const scheme = useColorScheme(props.settings.theme.colorScheme);
  const style = useMemo(() => themeStyle(props.settings.theme), [props.settings.theme]);
  const close = () => props.onOpenChange(false);
  return (
    <div
      class="ck-root"
      data-color-scheme={scheme}
      data-position={props.position}
      data-embed-status={props.refused ? "refused" : "unavailable"}
      style={style}
    >
      <Launcher
        open={props.open}
        mounted={props.open}
        onOpen={() => props.onOpenChange(true)}
        onClose={close}
        title={props.settings.title}
      >
        <div class="ck-surface">
          <PanelHeader title={props.settings.title} onClose={close} />
          <div class="ck-embed-notice" role="alert">
            <strong>
              {props.refused ? "Not available on this site" : "Chat unavailable"}
            </strong>
            {props.message}
          </div>
        </div>
      </Launcher>
    </div>
  );
}
