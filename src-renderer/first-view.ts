/**
 * The runs view rendered on the server: `layerlab ui` puts its HTML in the page with the
 * first runs (src-main/ui-server/first-view.ts), so that a new tab shows the runs before
 * the app's code has arrived and run; the app then hydrates it (main.ts). The same
 * components as in the browser, compiled for the server (vite.first-view.config.ts builds
 * this into out/first-view/first-view.mjs). Rendering runs no effects, so nothing here
 * touches the API, the address or the DOM.
 */
import { render } from 'svelte/server';
import type { Result } from '../src-api';
import type { Preloaded, RenderFirstView } from '../src-api/run-columns';
import App from './components/App.svelte';
import { firstView } from './lib/first-view';
import { runs } from './state/runs.svelte';
import { theme } from './state/theme.svelte';

export const renderFirstView: RenderFirstView = (page: Preloaded, themeName) => {
  firstView.serverRendered = true;
  theme.name = themeName;
  runs.showFirstPage(page.result as Result<'runs.table'>, 0);
  return render(App).body;
};
