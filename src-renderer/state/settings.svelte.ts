/**
 * The workbench's settings (src-api/settings.ts): where the store is, whether this side can
 * change it, and whether the welcome screen was dismissed. Opening a ready experiment
 * hands it to the new-experiment form through the draft.
 */
import type { Settings } from '../../src-api';
import { api } from '../lib/api';
import { type Example, formSweeps } from '../lib/examples';
import { draft } from './draft.svelte';
import { go } from './router.svelte';

export const settings = $state<{ info: Settings | null; error: string | null; busy: boolean }>({ info: null, error: null, busy: false });

let loading: Promise<void> | null = null;

/** Fetches the settings (once; `again` to refresh). */
export function loadSettings(again = false): Promise<void> {
  if (loading && !again) return loading;
  loading = api.call('settings.get', {}).then(
    (info) => {
      settings.info = info;
      settings.error = null;
    },
    (error: Error) => {
      settings.error = error.message;
      loading = null;
    },
  );
  return loading;
}

/** First launch: a store without runs whose welcome was not dismissed. */
export function isFirstRun(info: Settings | null): boolean {
  return info !== null && !info.hasRuns && !info.welcomeDismissed;
}

export async function setWelcomeDismissed(dismissed: boolean): Promise<void> {
  try {
    settings.info = await api.call('settings.update', { welcomeDismissed: dismissed });
    settings.error = null;
  } catch (error) {
    settings.error = (error as Error).message;
  }
}

async function act(run: () => Promise<void>): Promise<void> {
  settings.busy = true;
  settings.error = null;
  try {
    await run();
  } catch (error) {
    settings.error = (error as Error).message;
  } finally {
    settings.busy = false;
  }
}

/** Desktop app: the folder dialog; a new store reloads the page, whose state was the old one's. */
export function chooseStore(useDefault = false): Promise<void> {
  return act(async () => {
    const choice = await api.call('settings.chooseStore', { useDefault });
    if (choice.changed) {
      location.hash = '#/settings';
      location.reload();
    }
  });
}

/** Desktop app: shows the store's folder in the file manager. */
export function revealStore(): Promise<void> {
  return act(async () => {
    await api.call('settings.revealStore', {});
  });
}

/** Opens the new-experiment form filled with a ready experiment. */
export function openExample(example: Example): void {
  draft.config = structuredClone(example.config) as Record<string, unknown>;
  draft.sweeps = formSweeps(example);
  draft.name = example.title;
  go({ view: 'new' });
}
