/**
 * Which theme the page opens in: the one the user picked (kept in localStorage), else the
 * system's. Plain code (no Svelte state), so that the entry (main.ts) can set it before the
 * page's first paint; the theme state (state/theme.svelte.ts) starts from it.
 */
import { type Theme, asTheme } from '../../src-api/run-columns';
import { onServer } from './first-view';

export const THEME_KEY = 'layerlab.theme';

export function chosenTheme(): Theme {
  // On the server that renders the first view, the page's theme is set from the cookie.
  if (onServer) return 'light';
  return asTheme(localStorage.getItem(THEME_KEY)) ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}
