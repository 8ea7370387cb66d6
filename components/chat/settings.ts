/**
 * The `chatkit` section of `fresh.config.ts`: how the chat widget loads, looks and behaves.
 * Browser-safe (no Deno APIs): the resolved settings are passed to the island as props.
 * The value types are OpenAI's own (`@openai/chatkit`) where the option is ChatKit's, so that a
 * wrong icon or grayscale in `fresh.config.ts` fails `deno check`.
 * @module
 */
import type { ChatKitIcon, GrayscaleOptions } from "@openai/chatkit";

/** The default location of OpenAI's ChatKit web component. */
export const DEFAULT_CHATKIT_SCRIPT_URL =
  "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";

/** A start-screen prompt chip. */
export interface StartPrompt {
  /** The chip's text. */
  label: string;
  /** What is sent when it is chosen. */
  prompt: string;
  /** A ChatKit icon name (e.g. `lightbulb`, `sparkle`, `book-open`). */
  icon?: ChatKitIcon;
}

/** Theme: ChatKit's theme options, also applied to the built-in client. */
export interface ChatKitThemeSettings {
  /** `system` follows the operating system and switches with it. */
  colorScheme: "system" | "light" | "dark";
  radius: "pill" | "round" | "soft" | "sharp";
  density: "compact" | "normal" | "spacious";
  /** Accent colour (a CSS hex colour) and its intensity level 0–3. */
  accent: { primary: string; level: 0 | 1 | 2 | 3 };
  /** Grayscale tint of surfaces (ChatKit's `color.grayscale`; unset = neutral). */
  grayscale?: GrayscaleOptions;
  typography: {
    /** Base font size in px (14–18). */
    baseSize: 14 | 15 | 16 | 17 | 18;
    fontFamily?: string;
    fontFamilyMono?: string;
  };
}

/** The resolved `chatkit` section. */
export interface ChatKitSettings {
  /** Where `chatkit.js` is loaded from. */
  scriptUrl: string;
  /** `auto`: ChatKit when its script loads in time, else the built-in client; `always`: built-in only. */
  builtInClient: "auto" | "always";
  /** How long to wait for `chatkit.js` to define `<openai-chatkit>` before falling back (ms). */
  loadTimeoutMs: number;
  /** The protocol endpoint. */
  apiUrl: string;
  /** Panel title. */
  title: string;
  /** UI locale (unset: the browser's). */
  locale?: string;
  theme: ChatKitThemeSettings;
  startScreen: { greeting: string; prompts: StartPrompt[] };
  composer: {
    placeholder: string;
    attachments: { enabled: boolean; maxCount: number };
  };
  history: { enabled: boolean; showRename: boolean; showDelete: boolean };
  threadItemActions: { feedback: boolean; retry: boolean };
  /**
   * Host names whose images answers may show (`example.com` also allows its subdomains;
   * `host:port` for a server off the default port), the
   * protocol's `allowed_image_domains`. Any other image in an answer is shown as a link and
   * never fetched (an injected prompt could leak data through an image URL), and the CSP's
   * `img-src` allows only the app's origin and these.
   */
  allowedImageDomains: string[];
  /** Markdown shown under the composer. */
  disclaimer?: string;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What `fresh.config.ts` may give: any subset of the settings. */
export type ChatKitSettingsInput = DeepPartial<ChatKitSettings> & {
  /** `false` = never load ChatKit (same as `builtInClient: "always"`; the CSP then omits its CDN). */
  ui?: boolean;
};

/** The defaults every unset value takes. */
export const DEFAULT_CHATKIT_SETTINGS: ChatKitSettings = {
  scriptUrl: DEFAULT_CHATKIT_SCRIPT_URL,
  builtInClient: "auto",
  loadTimeoutMs: 5000,
  apiUrl: "/chatkit",
  title: "Assistant",
  theme: {
    colorScheme: "system",
    radius: "round",
    density: "normal",
    accent: { primary: "#0f62fe", level: 1 },
    typography: { baseSize: 16 },
  },
  startScreen: { greeting: "How can I help you today?", prompts: [] },
  composer: { placeholder: "Message the assistant…", attachments: { enabled: false, maxCount: 5 } },
  history: { enabled: true, showRename: true, showDelete: true },
  threadItemActions: { feedback: true, retry: true },
  allowedImageDomains: [],
};

/**
 * A host name (`images.example.com`), optionally written `*.example.com` or `.example.com`, and
 * with a port (`localhost:9000`) for a server that is not on the default one.
 */
const HOST_NAME =
  /^(\*?\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:\d{1,5})?$/i;

/** A bad `chatkit` setting (start-up stops with this message). */
export class ChatKitSettingsError extends Error {
  constructor(message: string) {
    super(`fresh.config.ts → chatkit: ${message}`);
    this.name = "ChatKitSettingsError";
  }
}

/** Fills unset values with the defaults. */
export function resolveChatKitSettings(input: ChatKitSettingsInput = {}): ChatKitSettings {
  const { ui, ...rest } = input;
  const settings = merge(DEFAULT_CHATKIT_SETTINGS, rest) as ChatKitSettings;
  if (ui === false) settings.builtInClient = "always";
  if (!Array.isArray(settings.allowedImageDomains)) {
    throw new ChatKitSettingsError("allowedImageDomains must be a list of host names");
  }
  for (const domain of settings.allowedImageDomains) {
    if (typeof domain !== "string" || !HOST_NAME.test(domain)) {
      throw new ChatKitSettingsError(
        `allowedImageDomains: ${JSON.stringify(domain)} is not a host name ` +
          `(write "images.example.com", without a scheme or path)`,
      );
    }
  }
  return settings;
}

function merge(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (!isObject(base) || !isObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = merge(base[key], value);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
