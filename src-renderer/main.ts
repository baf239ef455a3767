/** The renderer's entry: theme first (no flash), then the app. */
import { mount } from 'svelte';
import './styles.css';
import App from './components/App.svelte';
import { applyTheme } from './state/theme.svelte';

applyTheme();
mount(App, { target: document.getElementById('app')! });
