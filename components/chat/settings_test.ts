import assert, { deepEqual, equal } from "node:assert/strict";
import { ThreadMemory, threadStorageKey } from "./client/memory.ts";
import { buildChatKitOptions } from "./client/options.ts";
import { DEFAULT_CHATKIT_SETTINGS, resolveChatKitSettings } from "./settings.ts";

Deno.test("settings - unset values take the defaults; ui:false means the built-in client", () => {
  deepEqual(resolveChatKitSettings(), DEFAULT_CHATKIT_SETTINGS);
  const s = resolveChatKitSettings({ theme: { radius: "sharp" }, ui: false });
  equal(s.theme.radius, "sharp");
  equal(s.theme.density, "normal");
  equal(s.builtInClient, "always");
  deepEqual(
    resolveChatKitSettings({ startScreen: { prompts: [] } }).startScreen.greeting,
    DEFAULT_CHATKIT_SETTINGS.startScreen.greeting,
  );
});

Deno.test("options - the setOptions payload from settings", () => {
  const fetch = (() => {}) as unknown as typeof globalThis.fetch;
  const settings = resolveChatKitSettings({
    composer: { attachments: { enabled: false } },
    theme: { grayscale: { hue: 220, tint: 4 } },
    disclaimer: "AI can make mistakes.",
  });
  const options = buildChatKitOptions({
    settings,
    domainKey: "domain_pk_x",
    fetch,
    initialThread: "thr_1",
    colorScheme: "dark",
  });
  deepEqual(options.api, { url: "/chatkit", domainKey: "domain_pk_x", fetch });
  equal(options.initialThread, "thr_1");
  deepEqual(options.theme, {
    colorScheme: "dark",
    radius: "round",
    density: "normal",
    color: { accent: { primary: "#0f62fe", level: 1 }, grayscale: { shade: 0, hue: 220, tint: 4 } },
    typography: { baseSize: 16 },
  });
  deepEqual(options.composer, {
    placeholder: settings.composer.placeholder,
    attachments: { enabled: false },
  });
  deepEqual(options.disclaimer, { text: "AI can make mistakes." });
  equal("locale" in options, false);
});

Deno.test("memory - one key per identity; storage failures are ignored", () => {
  equal(threadStorageKey("user_1"), "chatkit_thread_user_1");
  equal(threadStorageKey(""), "chatkit_thread_anonymous");
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
  const a = new ThreadMemory("user_1", storage);
  const b = new ThreadMemory("anonymous", storage);
  a.set("thr_a");
  b.set("thr_b");
  deepEqual([a.get(), b.get()], ["thr_a", "thr_b"]);
  a.set(null);
  deepEqual([a.get(), b.get()], [undefined, "thr_b"]);
  const broken = {
    getItem: () => {
      throw new Error("denied");
    },
    setItem: () => {
      throw new Error("denied");
    },
    removeItem: () => {},
  };
  const c = new ThreadMemory("x", broken);
  c.set("thr_c");
  equal(c.get(), undefined);
});

Deno.test("settings - allowedImageDomains must be host names, or start-up stops saying so", () => {
  const ok = resolveChatKitSettings({
    allowedImageDomains: ["images.example.com", "*.cdn.example.net", "localhost:9000"],
  });
  assert.deepEqual(ok.allowedImageDomains, [
    "images.example.com",
    "*.cdn.example.net",
    "localhost:9000",
  ]);
  for (const bad of ["https://images.example.com", "example.com/pics", "*", "a b.com", ""]) {
    assert.throws(
      () => resolveChatKitSettings({ allowedImageDomains: [bad] }),
      (error: Error) =>
        error.message.startsWith("fresh.config.ts → chatkit: allowedImageDomains: ") &&
        error.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});
