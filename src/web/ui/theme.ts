// The light and dark theme of the UIs: kept in localStorage, defaulting to
// the system's preference, applied as <html data-theme="...">.
import { useEffect, useState } from "preact/hooks";

const themeKey = "promstack.theme";

/** A UI theme. */
export type Theme = "light" | "dark";

function initialTheme(): Theme {
  const saved = localStorage.getItem(themeKey);
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** The current theme and a function switching it, applied to the document and remembered. */
export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem(themeKey, theme);
  }, [theme]);
  return [theme, () => setTheme(theme === "dark" ? "light" : "dark")];
}
