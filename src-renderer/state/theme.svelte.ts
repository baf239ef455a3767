/** Light or dark: follows the system until the user picks one, then remembers it. */
import { THEME_COOKIE, type Theme } from '../../src-api/run-columns';
import { THEME_KEY, chosenTheme } from '../lib/theme-choice';

export const theme = $state<{ name: Theme }>({ name: chosenTheme() });

export function applyTheme(): void {
  document.documentElement.dataset.theme = theme.name;
  // Not in Electron's file:// page, which no server renders.
  if (location.protocol.startsWith('http')) document.cookie = `${THEME_COOKIE}=${theme.name}; Path=/; SameSite=Strict; Max-Age=31536000`;
}

export function toggleTheme(): void {
  theme.name = theme.name === 'dark' ? 'light' : 'dark';
  localStorage.setItem(THEME_KEY, theme.name);
  applyTheme();
}

const cache = new Map<string, string>();
let cachedTheme = '';

/**
 * A CSS custom property's value (charts and canvases read the theme's colours), read once
 * per theme: getComputedStyle forces a style recalculation each time it is called.
 */
export function cssVar(name: string): string {
  const current = document.documentElement.dataset.theme ?? '';
  if (current !== cachedTheme) {
    cache.clear();
    cachedTheme = current;
  }
  let value = cache.get(name);
  if (value === undefined) {
    value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    cache.set(name, value);
  }
  return value;
}
