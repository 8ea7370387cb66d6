/**
 * Decides which client the widget uses: OpenAI's `<openai-chatkit>` when `chatkit.js` loads and
 * defines the element within the time limit, otherwise (or when the settings say so) the
 * built-in client. The script is requested once per page.
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { ChatKitSettings } from "./settings.ts";

/** The custom element's tag name. */
export const CHATKIT_TAG = "openai-chatkit";

/** Which client is shown. */
export type ClientMode = "loading" | "chatkit" | "builtin";

let pending: Promise<boolean> | undefined;

/** Loads `chatkit.js`; resolves true once `<openai-chatkit>` is defined, false on error/timeout. */
export function loadChatKitScript(url: string, timeoutMs: number): Promise<boolean> {
  if (customElements.get(CHATKIT_TAG)) return Promise.resolve(true);
  pending ??= new Promise<boolean>((resolve) => {
    let settled = false;
    const finish = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok) pending = undefined; // a later mount may try again
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    customElements.whenDefined(CHATKIT_TAG).then(() => finish(true));
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.dataset.chatkitLoader = "";
    script.addEventListener("error", () => finish(false));
    document.head.appendChild(script);
  });
  return pending;
}

/** The client mode for the settings: decided once after hydration. */
export function useClientMode(settings: ChatKitSettings): ClientMode {
  const [mode, setMode] = useState<ClientMode>(
    settings.builtInClient === "always" ? "builtin" : "loading",
  );
  useEffect(() => {
    if (settings.builtInClient === "always") return;
    let active = true;
    loadChatKitScript(settings.scriptUrl, settings.loadTimeoutMs).then((ok) => {
      if (!active) return;
      if (!ok) console.info("chatkit.js unavailable: using the built-in chat client");
      setMode(ok ? "chatkit" : "builtin");
    });
    return () => {
      active = false;
    };
  }, [settings.builtInClient, settings.scriptUrl, settings.loadTimeoutMs]);
  return mode;
}
