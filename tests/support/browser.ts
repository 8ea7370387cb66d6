/**
 * Headless Chromium through playwright-core, for browser tests. `browserTest` registers a test
 * that is ignored (with the reason) when no Chromium is installed; `deno task test` passes
 * CHROMIUM_PATH when it finds one. Screenshots go to `test-output/screenshots/`.
 * @module
 */
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ||
  (exists("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined);
export const CHROMIUM_MISSING_REASON =
  "no Chromium: install Debian's chromium package or set CHROMIUM_PATH";
export const SCREENSHOT_DIR = "test-output/screenshots";

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Launches Chromium with the flags this closed network needs. */
export async function launchBrowser(): Promise<Browser> {
  if (!CHROMIUM_PATH) throw new Error(CHROMIUM_MISSING_REASON);
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Saves a screenshot of the page as `test-output/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name}.png`;
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Registers a browser test; the browser is launched for it and closed afterwards. Without
 * Chromium it is ignored, or under CI=true fails saying why (launchBrowser throws the reason).
 */
export function browserTest(name: string, fn: (browser: Browser) => Promise<void>): void {
  const ignore = !CHROMIUM_PATH && Deno.env.get("CI") !== "true";
  Deno.test({
    name: `[browser] ${name}${ignore ? ` (ignored: ${CHROMIUM_MISSING_REASON})` : ""}`,
    ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const browser = await launchBrowser();
      try {
        await fn(browser);
      } finally {
        await browser.close();
      }
    },
  });
}
