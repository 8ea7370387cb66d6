/**
 * The embed bundle, loaded by `/embed.js` on another site. It mounts the assistant in an open
 * shadow root on a `<deno-chatkit>` element: the host page's selectors cannot reach inside, our
 * styles (adopted style sheets, so the host's `style-src` needs nothing) cannot leak out, and
 * `:host` resets what would be inherited. Calls made on `window.DenoChatKit` before the bundle
 * arrived are replayed.
 * @module
 */
import { render } from "preact";
import chatCss from "../../../static/chat.css" with { type: "text" };
import embedCss from "../../../static/embed.css" with { type: "text" };
import { EmbedApp, type EmbedControls } from "../../../components/embed/EmbedApp.tsx";
import type { EmbedBootConfig } from "../protocol.ts";
import { readOptions } from "./options.ts";

/** What `/embed.js` leaves on `window.DenoChatKit`. */
interface EmbedGlobal extends Partial<EmbedControls> {
  version?: string;
  /** Calls made before the bundle arrived. */
  _q?: [keyof EmbedControls, unknown[]][];
  _boot?: { script: HTMLScriptElement | null; base: string; config: EmbedBootConfig };
}

const HOST_TAG = "deno-chatkit";

function styles(root: ShadowRoot): void {
  const css = `${chatCss}\n${embedCss}`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const style = document.createElement("style");
    style.textContent = css;
    root.append(style);
  }
}

function mount(api: EmbedGlobal): void {
  const boot = api._boot;
  if (!boot || document.querySelector(HOST_TAG)) return;
  const options = readOptions({ ...(boot.script?.dataset ?? {}) }, boot.config.defaults);
  const host = document.createElement(HOST_TAG);
  const shadow = host.attachShadow({ mode: "open" });
  styles(shadow);
  const container = document.createElement("div");
  shadow.append(container);
  document.body.append(host);

  let controls: EmbedControls | undefined;
  const queue = api._q ?? [];
  const call = (name: keyof EmbedControls, args: unknown[]) => {
    if (!controls) {
      queue.push([name, args]);
      return;
    }
    (controls[name] as (...a: unknown[]) => void)(...args);
  };
  for (const name of ["open", "close", "setSessionToken", "signIn", "signOut"] as const) {
    api[name] = ((...args: unknown[]) => call(name, args)) as never;
  }
  api.version = "1";
  render(
    <EmbedApp
      base={boot.base}
      config={boot.config}
      options={options}
      bind={(bound) => {
        controls = bound;
        for (const [name, args] of queue.splice(0)) call(name, args);
      }}
    />,
    container,
  );
}

const api = ((globalThis as { DenoChatKit?: EmbedGlobal }).DenoChatKit ??= {});
if (document.body) mount(api);
else document.addEventListener("DOMContentLoaded", () => mount(api), { once: true });
