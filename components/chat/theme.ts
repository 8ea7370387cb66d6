/**
 * The theme settings as CSS custom properties of the widget root (both clients), and the colour
 * scheme in effect (`system` follows the OS and updates when it changes).
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { ChatKitThemeSettings } from "./settings.ts";

const RADIUS = { pill: 22, round: 16, soft: 10, sharp: 4 } as const;
const SPACE = { compact: 10, normal: 14, spacious: 18 } as const;
const ACCENT_SOFT = [8, 12, 18, 26] as const;

/** CSS custom properties for the theme. */
export function themeStyle(theme: ChatKitThemeSettings): Record<string, string> {
  const style: Record<string, string> = {
    "--ck-accent": theme.accent.primary,
    "--ck-accent-soft-pct": `${ACCENT_SOFT[theme.accent.level] ?? 12}%`,
    "--ck-radius": `${RADIUS[theme.radius] ?? 16}px`,
    "--ck-control-radius": theme.radius === "pill" ? "999px" : `${RADIUS[theme.radius] ?? 16}px`,
    "--ck-space": `${SPACE[theme.density] ?? 14}px`,
    "--ck-font-size": `${theme.typography.baseSize}px`,
  };
  if (theme.typography.fontFamily) style["--ck-font"] = theme.typography.fontFamily;
  if (theme.typography.fontFamilyMono) style["--ck-font-mono"] = theme.typography.fontFamilyMono;
  if (theme.grayscale) {
    style["--ck-gray-hue"] = String(theme.grayscale.hue);
    style["--ck-gray-sat"] = `${Math.min(9, Math.max(0, theme.grayscale.tint)) * 3}%`;
  }
  return style;
}

const DARK_QUERY = "(prefers-color-scheme: dark)";

/** The colour scheme in effect: the setting, or the OS preference for `system`. */
export function useColorScheme(setting: ChatKitThemeSettings["colorScheme"]): "light" | "dark" {
  const [osDark, setOsDark] = useState(false);
  useEffect(() => {
    if (setting !== "system" || typeof matchMedia !== "function") return;
    const query = matchMedia(DARK_QUERY);
    setOsDark(query.matches);
    const onChange = (event: MediaQueryListEvent) => setOsDark(event.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, [setting]);
  if (setting === "light" || setting === "dark") return setting;
  return osDark ? "dark" : "light";
}
