/**
 * The renderer's entry: the styles, then the app (app.ts). A page that came with the runs
 * table's first rows rendered by `layerlab ui` (first-view.ts) shows them on its own: the
 * app's code is fetched, compiled and run only once they are on screen, so that none of
 * it delays them (in a new tab it took the main thread 50–70 ms before their first paint),
 * and then takes them over.
 */
import './styles.css';
import { SERVER_RENDERED_ATTRIBUTE } from '../src-api/run-columns';
import { FIRST_ROW_TIMING, afterShown } from './lib/first-view';
import { chosenTheme } from './lib/theme-choice';

// The theme before the first paint (no flash); the app keeps it (state/theme.svelte.ts).
document.documentElement.dataset.theme = chosenTheme();

const startApp = () => void import('./app');
if (document.getElementById('app')?.hasAttribute(SERVER_RENDERED_ATTRIBUTE)) afterShown(FIRST_ROW_TIMING, startApp);
else startApp();
