/**
 * The app, started by the entry (main.ts), which has set the theme already: the theme's
 * state takes over (and keeps it in the cookie the server reads), then the views.
 */
import { hydrate, mount } from 'svelte';
import { SERVER_RENDERED_ATTRIBUTE } from '../src-api/run-columns';
import App from './components/App.svelte';
import { firstView } from './lib/first-view';
import { measure } from './lib/perf';
import { router } from './state/router.svelte';
import { runs } from './state/runs.svelte';
import { applyTheme } from './state/theme.svelte';

// For the benchmark: from navigation start until the app's code has loaded and runs.
measure('app-start', 0, {});
applyTheme();
const target = document.getElementById('app')!;
// `layerlab ui` renders the runs table's first rows into the page (first-view.ts), shown
// before this code arrives. The app takes them over (hydrates them) when it opens on that
// table with the same runs (the page's data block, which the runs state has taken);
// otherwise (another view in the address, or no runs taken) it starts afresh.
if (target.hasAttribute(SERVER_RENDERED_ATTRIBUTE) && router.route.view === 'runs' && runs.loaded) {
  firstView.serverRendered = true;
  hydrate(App, { target });
  // Tables made later start from the window's height, as in a page the app rendered.
  firstView.serverRendered = false;
} else {
  target.replaceChildren();
  mount(App, { target });
}

// Once the first view is up and the page idle: compile Chart.js by drawing off screen, so
// that the first loss curve opened draws at full speed (lib/chart-warmup.ts).
requestIdleCallback(() => void import('./lib/chart-warmup').then((m) => m.warmUpCharts()).catch(() => {}), { timeout: 5000 });
