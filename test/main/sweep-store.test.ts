/** The one store addition the sweep needs: reopening an ended sweep for --resume. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore, StoreError } from '../../src-main/store';
import { tempDir } from '../fixtures/sweep/helpers';

describe('RunStore.reopenSweep', () => {
  it('makes an interrupted, cancelled, stopped or failed sweep running again, owned by this process', () => {
    const store = RunStore.open(path.join(tempDir(), 'store'));
    for (const ended of ['interrupted', 'cancelled', 'stopped', 'failed'] as const) {
      const id = store.createSweep({ name: ended, spec: '{}' });
      store.setSweepStatus(id, 'running');
      store.setSweepStatus(id, ended, { error: 'why' });
      store.reopenSweep(id);
      expect(store.getSweep(id)).toMatchObject({ status: 'running', error: null, finishedAt: null });
      store.setSweepStatus(id, 'completed');
      expect(store.getSweep(id).status).toBe('completed');
    }
    store.close();
  });

  it('refuses a queued, running or completed sweep', () => {
    const store = RunStore.open(path.join(tempDir(), 'store'));
    const id = store.createSweep({ name: 's', spec: '{}' });
    expect(() => store.reopenSweep(id)).toThrow(StoreError);
    store.setSweepStatus(id, 'running');
    expect(() => store.reopenSweep(id)).toThrow(/is running; only a sweep that ended without completing can be reopened/);
    store.setSweepStatus(id, 'completed');
    expect(() => store.reopenSweep(id)).toThrow(/is completed/);
    expect(() => store.reopenSweep('nope')).toThrow(/there is no sweep 'nope'/);
    store.close();
  });

  it('leaves a reopened sweep to be marked interrupted if its process dies', async () => {
    const dir = path.join(tempDir(), 'store');
    const store = RunStore.open(dir);
    const id = store.createSweep({ name: 's', spec: '{}' });
    store.setSweepStatus(id, 'running');
    store.setSweepStatus(id, 'interrupted');
    store.reopenSweep(id);
    store.close();
    // Closing marks what this process left running as interrupted, like a crash found later.
    const again = RunStore.open(dir);
    expect(again.getSweep(id).status).toBe('interrupted');
    again.close();
  });
});
