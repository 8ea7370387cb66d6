/**
 * The sign-in popup's hand-over to the embed that opened it (on an allowed origin): it tells
 * the widget it is ready, receives the embedded visitor's token, asks our server (same origin,
 * session cookie) for a chat-scoped grant — which also moves the visitor's threads to the
 * account — and posts the grant to that origin only, then closes. Messages from any other
 * window or origin are ignored.
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import {
  type GrantResponse,
  POPUP_FAILED,
  POPUP_READY,
  POPUP_SIGNED_IN,
  POPUP_VISITOR,
} from "../lib/embed/protocol.ts";

export interface EmbedSignInProps {
  /** The host page's origin (checked against ALLOWED_ORIGINS by the server). */
  origin: string;
  /** The signed-in user's name. */
  name: string;
}

type Phase = "waiting" | "done" | "failed" | "no-opener";

export default function EmbedSignIn({ origin, name }: EmbedSignInProps) {
  const [phase, setPhase] = useState<Phase>("waiting");

  useEffect(() => {
    const opener = globalThis.opener as Window | null;
    if (!opener) {
      setPhase("no-opener");
      return;
    }
    let handled = false;
    const onMessage = async (event: MessageEvent) => {
      if (handled || event.source !== opener || event.origin !== origin) return;
      const data = event.data as { type?: string; visitorToken?: unknown } | null;
      if (data?.type !== POPUP_VISITOR) return;
      handled = true;
      const visitorToken = typeof data.visitorToken === "string" ? data.visitorToken : undefined;
      try {
        const response = await fetch("/embed/grant", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ origin, visitorToken }),
        });
        if (!response.ok) throw new Error(`grant: ${response.status}`);
        const grant = await response.json() as GrantResponse;
        opener.postMessage({ type: POPUP_SIGNED_IN, grant }, origin);
        setPhase("done");
        globalThis.close();
      } catch (error) {
        console.warn("embed sign-in hand-over failed", error);
        opener.postMessage({ type: POPUP_FAILED }, origin);
        setPhase("failed");
      }
    };
    globalThis.addEventListener("message", onMessage);
    opener.postMessage({ type: POPUP_READY }, origin);
    return () => globalThis.removeEventListener("message", onMessage);
  }, [origin]);

  return (
    <div class="embed-handoff" role="status" data-phase={phase}>
      {phase === "waiting" && <p>Signed in as {name}. Connecting the chat on {origin}…</p>}
      {phase === "done" && <p>Signed in as {name}. You can close this window.</p>}
      {phase === "failed" && (
        <p>The chat could not be connected. Close this window and try again.</p>
      )}
      {phase === "no-opener" && (
        <p>Signed in as {name}. Open sign-in from the chat on {origin} to connect it.</p>
      )}
    </div>
  );
}
