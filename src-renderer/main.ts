/** The renderer's entry: theme first (no flash), then the app. */
import { mount } from 'svelte';
import './styles.css';
import App from './components/App.svelte';
import { measure } from './lib/perf';
import { applyTheme } from './state/theme.svelte';

// For the benchmark: from navigation start until the app's code has loaded and runs.
measure('app-start', 0, {});
applyTheme();
mount(App, { target: document.getElementById('app')! });

// Once the first view is up and the page idle: compile Chart.js by drawing off screen, so
// that the first loss curve opened draws at full speed (lib/chart-warmup.ts).
requestIdleCallback(() => void import('./lib/chart-warmup').then((m) => m.warmUpCharts()).catch(() => {}), { timeout: 5000 });
