/**
 * Inline SVG icons of the chat widget (stroke icons on a 24-unit grid, drawn in `currentColor`).
 * Decorative: the buttons that use them carry the accessible name.
 * @module
 */
import type { JSX } from "preact";

type IconProps = { size?: number; class?: string };

function icon(paths: JSX.Element) {
  return ({ size = 20, class: className }: IconProps) => (
    <svg
      class={className ? `ck-icon ${className}` : "ck-icon"}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      stroke-width="1.8"
      stroke-linecap="round"
      stroke-linejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {paths}
    </svg>
  );
}

export const ChatIcon = icon(
  <path d="M20 12.5c0 3.9-3.6 7-8 7-1.1 0-2.2-.2-3.2-.6L4 20l1.3-3.6C4.5 15.3 4 13.9 4 12.5c0-3.9 3.6-7 8-7s8 3.1 8 7Z" />,
);
export const CloseIcon = icon(<path d="M6 6l12 12M18 6 6 18" />);
export const ExternalIcon = icon(
  <>
    <path d="M14 5h5v5" />
    <path d="M19 5l-8 8" />
    <path d="M17 14v4a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h4" />
  </>,
);
export const HistoryIcon = icon(
  <>
    <path d="M3.5 12a8.5 8.5 0 1 0 2.5-6" />
    <path d="M3.5 4v4h4" />
    <path d="M12 8v4.5l3 2" />
  </>,
);
export const NewChatIcon = icon(
  <>
    <path d="M12 20H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h6" />
    <path d="M17.5 3.5a2.1 2.1 0 0 1 3 3L13 14l-4 1 1-4 7.5-7.5Z" />
  </>,
);
export const AttachIcon = icon(
  <path d="m20 11.5-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.5 8.5a1.7 1.7 0 0 1-2.4-2.4l7.8-7.8" />,
);
export const SendIcon = icon(<path d="M12 19V5M5.5 11.5 12 5l6.5 6.5" />);
export const StopIcon = ({ size = 20 }: IconProps) => (
  <svg class="ck-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
    <rect x="7" y="7" width="10" height="10" rx="2" fill="currentColor" />
  </svg>
);
export const ThumbUpIcon = icon(
  <>
    <path d="M7 10v10H4V10h3Z" />
    <path d="M7 10l4-7a2 2 0 0 1 2.5 2.3L13 9h5.6a2 2 0 0 1 2 2.4l-1.4 7A2 2 0 0 1 17.2 20H7" />
  </>,
);
export const ThumbDownIcon = icon(
  <>
    <path d="M17 14V4h3v10h-3Z" />
    <path d="M17 14l-4 7a2 2 0 0 1-2.5-2.3L11 15H5.4a2 2 0 0 1-2-2.4l1.4-7A2 2 0 0 1 6.8 4H17" />
  </>,
);
export const RetryIcon = icon(
  <>
    <path d="M20 12a8 8 0 1 1-2.3-5.7" />
    <path d="M20 4v5h-5" />
  </>,
);
export const CopyIcon = icon(
  <>
    <rect x="8" y="8" width="12" height="12" rx="2" />
    <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
  </>,
);
export const CheckIcon = icon(<path d="m5 12.5 4.5 4.5L19 7.5" />);
export const PencilIcon = icon(
  <path d="M15.5 5.5 18.5 8.5M4 20l1-4L16.5 4.5a2.1 2.1 0 0 1 3 3L8 19l-4 1Z" />,
);
export const TrashIcon = icon(
  <>
    <path d="M4 7h16M10 11v6M14 11v6" />
    <path d="M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />
  </>,
);
export const BackIcon = icon(<path d="M15 5l-7 7 7 7" />);
export const AlertIcon = icon(
  <>
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7.5v5.5M12 16.5v.01" />
  </>,
);
export const SparkleIcon = icon(
  <path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8L12 3ZM19 16l.8 2.2L22 19l-2.2.8L19 22l-.8-2.2L16 19l2.2-.8L19 16Z" />,
);
export const BookIcon = icon(
  <path d="M4 5.5A2.5 2.5 0 0 1 6.5 3H20v15H6.5A2.5 2.5 0 0 0 4 20.5v-15ZM4 20.5A2.5 2.5 0 0 0 6.5 23H20" />,
);
export const WriteIcon = icon(
  <>
    <path d="M4 20h4L19 9a2.8 2.8 0 0 0-4-4L4 16v4Z" />
    <path d="M13.5 6.5l4 4" />
  </>,
);
export const LightbulbIcon = icon(
  <path d="M9 18h6M10 21h4M12 3a6 6 0 0 0-3.5 10.9c.6.5 1 1.2 1 2.1h5c0-.9.4-1.6 1-2.1A6 6 0 0 0 12 3Z" />,
);

/** Start-screen prompt icons by ChatKit icon name (unknown names get the sparkle). */
export function PromptIcon({ name }: { name?: string }) {
  switch (name) {
    case "book-open":
    case "book-closed":
    case "notebook":
      return <BookIcon size={18} />;
    case "write":
    case "write-alt":
    case "write-alt2":
    case "notebook-pencil":
      return <WriteIcon size={18} />;
    case "lightbulb":
      return <LightbulbIcon size={18} />;
    case "circle-question":
    case "info":
      return <AlertIcon size={18} />;
    default:
      return <SparkleIcon size={18} />;
  }
}
