/** Light and dark themes: the system's preference until the toggle picks one (kept in localStorage). */
import { useState } from "preact/hooks";

type Theme = "light" | "dark";

function systemTheme(): Theme {
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function stored(): Theme | undefined {
  const t = localStorage.getItem("plinth-theme");
  return t === "light" || t === "dark" ? t : undefined;
}

const initial = stored();
if (initial) document.documentElement.dataset.theme = initial;

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => stored() ?? systemTheme());
  const next: Theme = theme === "dark" ? "light" : "dark";
  const toggle = (): void => {
    localStorage.setItem("plinth-theme", next);
    document.documentElement.dataset.theme = next;
    setTheme(next);
  };
  return (
    <button type="button" class="secondary" onClick={toggle} aria-label={`Switch to the ${next} theme`}>
      {theme === "dark" ? "Light theme" : "Dark theme"}
    </button>
  );
}
