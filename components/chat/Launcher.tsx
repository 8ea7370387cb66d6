/**
 * The floating launcher and the panel it opens: a dialog about 420×600 (full screen at ≤480 px),
 * a backdrop that closes it, Escape to close, focus moved in on open (and kept inside while it
 * is open) and back to the launcher on close. The panel stays mounted once opened, so a
 * conversation keeps streaming while it is hidden.
 * @module
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ChatIcon, CloseIcon } from "./icons.tsx";

export interface LauncherProps {
  open: boolean;
  /** The panel has been opened at least once (its content is mounted). */
  mounted: boolean;
  onOpen(): void;
  onClose(): void;
  /** The dialog's accessible name. */
  title: string;
  children: ComponentChildren;
}

const FOCUSABLE =
  'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select:not([disabled]), iframe, openai-chatkit, [tabindex]:not([tabindex="-1"])';

export function Launcher({ open, mounted, onOpen, onClose, title, children }: LauncherProps) {
  const panel = useRef<HTMLDivElement>(null);
  const launcher = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);

  // Focus: into the panel on open (the element marked data-autofocus, else the first control),
  // back to the launcher on close.
  useEffect(() => {
    if (open) {
      const root = panel.current;
      if (!root) return;
      const focusInside = () => {
        const target = root.querySelector<HTMLElement>("[data-autofocus]") ??
          root.querySelector<HTMLElement>(FOCUSABLE);
        target?.focus({ preventScroll: true });
      };
      // After the content rendered (and the panel became visible).
      const frame = requestAnimationFrame(focusInside);
      wasOpen.current = true;
      return () => cancelAnimationFrame(frame);
    }
    if (wasOpen.current) {
      wasOpen.current = false;
      launcher.current?.focus({ preventScroll: true });
    }
  }, [open]);

  // Escape closes; Tab cycles inside the open panel.
  useEffect(() => {
    if (!open) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape" && !event.defaultPrevented) {
        event.preventDefault();
        onClose();
        return;
      }
      if (event.key !== "Tab" || !panel.current) return;
      // Inside a shadow root (the embed) the document only sees the host element as focused.
      const active = (panel.current.getRootNode() as Document | ShadowRoot).activeElement;
      const focusable = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)]
        .filter((el) => el.offsetParent !== null || el === active);
      if (focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (!panel.current.contains(active)) {
        event.preventDefault();
        first.focus();
      } else if (event.shiftKey && active === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active === last) {
        event.preventDefault();
        first.focus();
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [open, onClose]);

  return (
    <>
      <div
        class="ck-backdrop"
        data-open={open ? "true" : "false"}
        onClick={onClose}
        aria-hidden="true"
      />
      <div
        ref={panel}
        class="ck-panel"
        data-open={open ? "true" : "false"}
        role="dialog"
        aria-modal="true"
        aria-label={title}
        inert={!open}
        hidden={!mounted}
      >
        {mounted ? children : null}
      </div>
      <button
        ref={launcher}
        type="button"
        class="ck-launcher"
        data-open={open ? "true" : "false"}
        aria-label={open ? "Close chat" : "Open chat"}
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={open ? onClose : onOpen}
      >
        <span class="ck-launcher-icon ck-launcher-chat">
          <ChatIcon size={26} />
        </span>
        <span class="ck-launcher-icon ck-launcher-close">
          <CloseIcon size={24} />
        </span>
      </button>
    </>
  );
}
