/**
 * WCAG 2.1 A/AA checks with axe-core in a Playwright page. axe is evaluated over the DevTools
 * protocol because the pages' CSP (rightly) refuses inline scripts.
 */
import type { Page } from "playwright-core";

const AXE = await Deno.readTextFile(
  new URL(import.meta.resolve("axe-core/axe.min.js")).pathname,
).catch(() => Deno.readTextFile("node_modules/axe-core/axe.min.js"));

/**
 * The violations axe finds inside `selector`, as `rule: targets` lines. `shadowHost` names an
 * element whose open shadow root holds `selector` (the embed).
 */
export async function axeViolations(
  page: Page,
  selector: string,
  shadowHost?: string,
): Promise<string[]> {
  await page.evaluate(AXE);
  return await page.evaluate(async ({ selector, shadowHost }) => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const context = shadowHost
      ? { include: [{ fromShadowDom: [shadowHost, selector] }] }
      : selector;
    const result = await axe.run(context, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    // An empty context (selector or shadow root not found) would pass vacuously.
    if (result.passes.length + result.violations.length === 0) {
      return [`axe checked nothing: ${shadowHost ?? ""} ${selector} not found`];
    }
    return (result.violations as { id: string; nodes: { target: unknown[] }[] }[]).map((v) =>
      `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`
    );
  }, { selector, shadowHost });
}
