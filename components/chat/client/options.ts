/**
 * Builds the `setOptions` payload of `<openai-chatkit>` (ChatKit options, protocol §10.2) from
 * the widget's settings. Everything comes from `fresh.config.ts` and the server-passed props.
 * @module
 */
import type {
  ChatKitOptions,
  ColorOption,
  ComposerOption,
  TypographyOption,
} from "@openai/chatkit";
import type { ChatKitSettings } from "../settings.ts";

/** Attachment limits from the server's `limits` settings. */
export interface AttachmentLimits {
  maxSize: number;
  /** Accepted MIME types (wildcards such as `image/*` allowed). */
  mimeTypes: string[];
}

export interface ChatKitOptionsInput {
  settings: ChatKitSettings;
  domainKey: string;
  fetch: typeof fetch;
  /** The thread to open (`null` = the new-thread view). */
  initialThread: string | null;
  /** The colour scheme in effect (settings' `system` resolved with the OS preference). */
  colorScheme: "light" | "dark";
  attachments?: AttachmentLimits;
}

const EXTENSIONS: Record<string, string[]> = {
  "image/png": [".png"],
  "image/jpeg": [".jpg", ".jpeg"],
  "image/gif": [".gif"],
  "image/webp": [".webp"],
  "application/pdf": [".pdf"],
  "text/plain": [".txt"],
  "text/markdown": [".md"],
  "text/csv": [".csv"],
  "application/json": [".json"],
  "text/*": [
    ".txt",
    ".md",
    ".csv",
    ".tsv",
    ".log",
    ".html",
    ".css",
    ".js",
    ".mjs",
    ".ts",
    ".tsx",
    ".jsx",
    ".py",
    ".rb",
    ".go",
    ".rs",
    ".java",
    ".kt",
    ".c",
    ".h",
    ".cpp",
    ".cs",
    ".php",
    ".sh",
    ".swift",
  ],
  "application/jsonl": [".jsonl", ".ndjson"],
  "application/xml": [".xml"],
  "application/yaml": [".yaml", ".yml"],
  "application/toml": [".toml"],
  "application/sql": [".sql"],
};

/** The options object passed to `el.setOptions`, checked against OpenAI's own types. */
export function buildChatKitOptions(input: ChatKitOptionsInput): ChatKitOptions {
  const { settings } = input;
  const { theme } = settings;
  const color: ColorOption = {
    accent: { primary: theme.accent.primary, level: theme.accent.level },
  };
  if (theme.grayscale) color.grayscale = { shade: 0, ...theme.grayscale };
  const typography: TypographyOption = { baseSize: theme.typography.baseSize };
  if (theme.typography.fontFamily) typography.fontFamily = theme.typography.fontFamily;
  if (theme.typography.fontFamilyMono) {
    typography.fontFamilyMono = theme.typography.fontFamilyMono;
  }
  const attachmentsEnabled = settings.composer.attachments.enabled;
  const api: ChatKitOptions["api"] & { url: string } = {
    url: settings.apiUrl,
    domainKey: input.domainKey,
    fetch: input.fetch,
  };
  if (attachmentsEnabled) api.uploadStrategy = { type: "two_phase" };
  const attachments: NonNullable<ComposerOption["attachments"]> = { enabled: attachmentsEnabled };
  if (attachmentsEnabled) {
    attachments.maxCount = settings.composer.attachments.maxCount;
    if (input.attachments) {
      attachments.maxSize = input.attachments.maxSize;
      attachments.accept = Object.fromEntries(
        input.attachments.mimeTypes.map((mime) => [mime, EXTENSIONS[mime] ?? []]),
      );
    }
  }
  const options: ChatKitOptions = {
    api,
    initialThread: input.initialThread,
    theme: {
      colorScheme: input.colorScheme,
      radius: theme.radius,
      density: theme.density,
      color,
      typography,
    },
    // The panel draws its own header (title, history, new chat, close) in both clients.
    header: { enabled: false },
    frameTitle: settings.title,
    history: { ...settings.history },
    startScreen: {
      greeting: settings.startScreen.greeting,
      prompts: settings.startScreen.prompts.map((p) => ({ ...p })),
    },
    composer: { placeholder: settings.composer.placeholder, attachments },
    threadItemActions: { ...settings.threadItemActions },
  };
  // Any BCP 47 tag is passed on (the built-in client formats with it too); ChatKit's list of
  // translated locales is narrower and it falls back for the others.
  if (settings.locale) options.locale = settings.locale as ChatKitOptions["locale"];
  if (settings.disclaimer) options.disclaimer = { text: settings.disclaimer };
  return options;
}
