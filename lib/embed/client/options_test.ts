import assert from "node:assert/strict";
import { DEFAULT_CHATKIT_SETTINGS } from "../../../components/chat/settings.ts";
import { embedChatSettings, readOptions } from "./options.ts";

const DEFAULTS = { position: "right", openOnLoad: false } as const;

Deno.test("embed options - data attributes override the defaults, bad ones are ignored", () => {
  const warn = console.warn;
  const warnings: unknown[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args);
  try {
    assert.deepEqual(
      readOptions({
        position: "left",
        colorScheme: "dark",
        accent: "#c0ffee",
        greeting: " Hi there ",
        openOnLoad: "",
        locale: "de-DE",
        sessionToken: "tok",
      }, DEFAULTS),
      {
        position: "left",
        openOnLoad: true,
        colorScheme: "dark",
        accent: "#c0ffee",
        greeting: "Hi there",
        locale: "de-DE",
        sessionToken: "tok",
      },
    );
    assert.deepEqual(
      readOptions(
        { position: "top", accent: "red; x", locale: "<x>", openOnLoad: "yes" },
        DEFAULTS,
      ),
      { ...DEFAULTS },
    );
    assert.equal(warnings.length, 4);
  } finally {
    console.warn = warn;
  }
});

Deno.test("embed options - chat settings: absolute endpoint, options applied, built-in without a domain key", () => {
  const options = readOptions({ accent: "#123456", greeting: "Hello" }, DEFAULTS);
  const settings = embedChatSettings(
    DEFAULT_CHATKIT_SETTINGS,
    options,
    "http://127.0.0.1:9",
    undefined,
  );
  assert.equal(settings.apiUrl, "http://127.0.0.1:9/chatkit");
  assert.equal(settings.builtInClient, "always");
  assert.equal(settings.theme.accent.primary, "#123456");
  assert.equal(settings.startScreen.greeting, "Hello");
  // The site's settings are not changed.
  assert.equal(DEFAULT_CHATKIT_SETTINGS.apiUrl, "/chatkit");
  assert.notEqual(DEFAULT_CHATKIT_SETTINGS.theme.accent.primary, "#123456");
  const withKey = embedChatSettings(
    DEFAULT_CHATKIT_SETTINGS,
    options,
    "http://127.0.0.1:9",
    "domain_pk_x",
  );
  assert.equal(withKey.builtInClient, "auto");
});
