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
