/**
 * The app's settings: the one place a developer changes how deno-chatkit behaves. Every default
 * is shown here (lib/settings_test.ts checks it); a key left out takes the same default
 * (lib/settings.ts). Secrets and deployment values come from the environment instead (README).
 */
import { defineConfig } from "./lib/settings.ts";

export default defineConfig({
  site: {
    title: "deno-chatkit",
    description: "A self-hosted ChatKit backend and site, running on Deno.",
  },
  limits: {
    // Largest JSON request to /chatkit, in bytes (uploads have their own limit below).
    maxBodyBytes: 1024 * 1024,
    // Largest body of every other route but uploads: sign-in and sign-up forms, the auth API, the
    // embed's endpoints (bytes). multipart/form-data is accepted by the upload routes only.
    maxFormBytes: 64 * 1024,
    // How long a client may take to send a request body, and an upload's body (ms); then 408.
    // Slow request headers and idle connections are the reverse proxy's to time out (README).
    bodyTimeoutMs: 15_000,
    uploadTimeoutMs: 120_000,
    // Longest user message (text plus quoted text), in characters.
    maxMessageChars: 32_000,
    // Largest attachment, in bytes.
    maxAttachmentBytes: 10 * 1024 * 1024,
    // Attachment types users may upload (`image/*` style wildcards work). The type is decided
    // from the file's bytes and name, not the browser's claim: `.ts`, `.py`, `.md`, `.csv` files
    // are text; a "PNG" that is not one is refused.
    attachmentMimeTypes: [
      "image/png",
      "image/jpeg",
      "image/gif",
      "image/webp",
      "application/pdf",
      "text/*",
      "application/json",
      "application/jsonl",
      "application/xml",
      "application/yaml",
      "application/toml",
      "application/sql",
    ],
    // Attachment bytes one user or visitor may keep; uploads per hour; how long an upload no
    // message uses is kept; how long a signed image preview URL works (seconds).
    attachmentStorageBytes: 100 * 1024 * 1024,
    uploadsPerHour: 20,
    unattachedUploadHours: 24,
    previewUrlSeconds: 3600,
    // How long the user's message and the finished reply are retried while the database cannot
    // be reached (a restart, a failover, a hosted database waking up) before the user gets an
    // error. The reply stays on screen meanwhile; raise it if your database fails over slower.
    saveRetrySeconds: 20,
  },
  agent: {
    // The assistant's name and system prompt. Which provider and model answer comes from the
    // environment: OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_API, MODEL, TITLE_MODEL, GEMINI_API_KEY.
    name: "Assistant",
    instructions: "You are a helpful assistant. Answer clearly and concisely, using Markdown " +
      "where it helps.",
    // Passed to every model request, e.g. { temperature: 0.3, maxTokens: 2000 },
    // { reasoning: { effort: "low" } } for reasoning models, or { store: false } to ask OpenAI's
    // Responses API not to keep the responses.
    modelSettings: {},
    // Tools the model may call: `tool({ name, description, parameters, execute })` from
    // "@openai/agents". Each call is shown in the chat as a workflow step.
    tools: [],
    // History sent with each message: the newest turns that fit both limits.
    history: { maxTurns: 30, maxChars: 60_000 },
    // Automatic thread titles, written by TITLE_MODEL alongside the first reply.
    title: { enabled: true, maxLength: 60, timeoutMs: 15_000 },
    // How long to wait for the provider's first event, and for the next one once streaming.
    timeouts: { firstEventMs: 120_000, idleMs: 60_000 },
    // Retries of a failed request before anything streamed (rate limits, 5xx, connection errors).
    maxRetries: 2,
    // Most model calls in one turn (each tool round trip is one more).
    maxModelCalls: 10,
    // Attachments: `vision: false` for a model without image input (a note replaces each
    // image); `fileInput: "text"` sends PDFs as their extracted text even on the Responses API
    // (for providers behind it that take no files). Larger images are scaled down to the image
    // budget; at most maxTextChars of each PDF or text file are read; older turns keep at most
    // maxImages images and maxFiles PDF files (older images become notes first).
    vision: true,
    fileInput: "auto",
    attachments: {
      image: { maxEdge: 2048, maxPixels: 2048 * 2048, maxBytes: 3 * 1024 * 1024 },
      maxTextChars: 20_000,
      history: { maxImages: 8, maxFiles: 4 },
    },
  },
  auth: {
    // Require a verified email before sign-in. Needs `sendVerificationEmail` (see lib/auth/settings.ts).
    requireEmailVerification: false,
    // Shortest password accepted at sign-up.
    minPasswordLength: 8,
    // How long a sign-in lasts, and how long an anonymous visitor keeps their threads' cookie.
    sessionSeconds: 7 * 24 * 60 * 60,
    visitorSeconds: 30 * 24 * 60 * 60,
    // Brute-force limits, shared by all instances (in Postgres). Per client address: sign-in,
    // sign-up and password/email changes, at most `max` until `windowSeconds` after the last
    // one allowed. Per account and address: after `freeAttempts` failed sign-ins each next try
    // waits `delaySeconds`, doubling up to `maxDelaySeconds` (the owner, from their own address,
    // is never locked out by someone else's tries).
    signInLimits: {
      perAddress: { max: 3, windowSeconds: 10 },
      perAccount: { freeAttempts: 5, delaySeconds: 30, maxDelaySeconds: 60 * 60 },
    },
  },
  embed: {
    // Defaults of `/embed.js` on other sites (ALLOWED_ORIGINS); each can be set per page with a
    // data-* attribute on the script tag (data-position, data-color-scheme, data-accent,
    // data-greeting, data-open-on-load, data-locale). Unset: the `chatkit` section's values.
    position: "right", // or "left"
    openOnLoad: false,
    // How long an embed's visitor keeps its threads without a visit, and a sign-in from an embed.
    visitorSeconds: 30 * 24 * 60 * 60,
    grantSeconds: 8 * 60 * 60,
    // New embed visitors per client address.
    mintLimits: { perMinute: 20, perDay: 500 },
  },
  rateLimit: {
    // Model turns (new messages, retries, tool output, structured input) per user or visitor.
    perMinute: 60,
    perDay: 1000,
    // The same, per client address (several people may share one address; an IPv6 address
    // counts as its /64, which one machine can fill with addresses of its own).
    perAddressPerMinute: 300,
    perAddressPerDay: 5000,
    // Turns of brand-new visitors, all together per client address: requests that come without
    // a visitor cookie (each would otherwise be a new visitor with a full budget of its own).
    // Browsers get the cookie with the page, so this only holds back clients that drop it.
    newVisitorsPerAddressPerMinute: 10,
    newVisitorsPerAddressPerDay: 100,
    // A budget for the whole app, every caller together (0 = none): over it, new turns get a
    // 503 with Retry-After and "The assistant has reached its usage limit for now".
    globalPerMinute: 0,
    globalPerDay: 0,
  },
  knowledge: {
    // What `deno task ingest` reads with no argument: folders/files (with the public URL they are
    // published at, for citations) and page or sitemap URLs, e.g.
    // [{ path: "docs/", baseUrl: "https://docs.example.com/" }, "https://example.com/sitemap.xml"]
    sources: [],
    // "always": search before every model call and give the passages as numbered sources;
    // "tool": a search_knowledge tool the model may call instead; "off": no retrieval.
    // With nothing ingested the assistant behaves as if this section were not there.
    mode: "always",
    // Passages per turn, and the most characters of them.
    topK: 5,
    maxChars: 6000,
    // Least cosine similarity for a passage found by vector search alone (full-text matches
    // always count); 0.3 suits OpenAI's text-embedding-3 models.
    minSimilarity: 0.3,
    // Tell the model to answer only from the sources (and attached files), else to say it does
    // not know.
    answerOnlyFromSources: true,
    // Postgres text-search configuration: "english", "simple" (no stemming), "german", …
    language: "english",
    // Sections longer than maxChars are cut at paragraphs; overlapChars are repeated.
    chunk: { maxChars: 1200, overlapChars: 150 },
    // URL sources: pages fetched at once, time and size limits, other hosts a sitemap may list.
    fetch: { concurrency: 4, timeoutMs: 15_000, maxBytes: 5 * 1024 * 1024, allowedHosts: [] },
  },
  chatkit: {
    // OpenAI's ChatKit web component. Without access to it (offline, CSP, blocked), the widget
    // uses its built-in client, which speaks the same protocol to /chatkit.
    scriptUrl: "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js",
    // "auto": ChatKit if chatkit.js defines <openai-chatkit> within loadTimeoutMs, else built-in.
    // "always": the built-in client only (chatkit.js is never loaded).
    builtInClient: "auto",
    loadTimeoutMs: 5000,
    // The ChatKit endpoint the widget talks to.
    apiUrl: "/chatkit",
    title: "Assistant",
    // locale: "en-US", // unset: the browser's language
    theme: {
      colorScheme: "system", // "system" follows the OS; or "light" / "dark"
      radius: "round", // "pill" | "round" | "soft" | "sharp"
      density: "normal", // "compact" | "normal" | "spacious"
      accent: { primary: "#0f62fe", level: 1 },
      typography: { baseSize: 16, fontFamily: "system-ui, -apple-system, 'Segoe UI', sans-serif" },
    },
    startScreen: {
      greeting: "How can I help you today?",
      prompts: [
        { label: "What can you do?", prompt: "What can you help me with?", icon: "sparkle" },
        {
          label: "Explain a concept",
          prompt: "Explain how HTTP streaming works.",
          icon: "book-open",
        },
        {
          label: "Draft a message",
          prompt: "Help me write a short, friendly email.",
          icon: "write",
        },
      ],
    },
    composer: {
      placeholder: "Message the assistant…",
      // Uploads follow `limits` above (size and types).
      attachments: { enabled: true, maxCount: 5 },
    },
    history: { enabled: true, showRename: true, showDelete: true },
    threadItemActions: { feedback: true, retry: true },
    // Sites whose images answers may show ("images.example.com"; subdomains included). Other
    // images in answers become links, never fetched: an injected prompt could otherwise leak
    // data in an image URL. The CSP's img-src allows only this site and these.
    allowedImageDomains: [],
  },
  server: {
    // App workers of `deno task start` on one port: "auto" is one per core, or a number.
    // PostgreSQL only (the embedded database always runs one); `WORKERS` overrides it.
    workers: "auto",
  },
});
