/**
 * A run of the app whose store fills up while it trains (the probe: a 3 MB tmpfs store).
 * The store refuses the metrics and then the run's end, so it still says `running` with
 * nothing training it; the API must not show it so ("waiting to start…" and a Cancel that
 * answers "not training here", until a restart): it answers `failed` with what happened.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableRows } from '../../src-api/run-columns';
import { StoreError } from '../../src-main/store';
import { type ApiFixture, openApi, planarConfig } from './helpers';

let f: ApiFixture;
beforeEach(() => {
  f = openApi();
});
afterEach(async () => {
  await f.close();
});

describe('a store that fills up during a run', () => {
  it('leaves the run answered as failed, saying the store could not record its end', async () => {
    const full = () => {
      throw new StoreError('full', `${f.store.dir}/layerlab.db: the disk is full while adding metrics (database or disk is full)`);
    };
    let appended = 0;
    const append = f.store.appendMetrics.bind(f.store);
    f.store.appendMetrics = ((...args: Parameters<typeof append>) => (++appended > 3 ? full() : append(...args))) as typeof append;
    f.store.finishRun = full as typeof f.store.finishRun;

    const { id } = await f.client.call('runs.start', { config: planarConfig({ iterations: 3000 }) });
    await f.api.trainer.wait(id);

    const detail = await f.client.call('runs.get', { id });
    expect(detail.status).toBe('failed');
    expect(detail.error).toMatch(/^the store could not record how this run ended \(.*the disk is full while adding metrics.*\); make room and restart Layerlab, which then marks it interrupted$/);
    // The events said so too, and what the store holds is unchanged: it still says running.
    const ended = () => f.events.filter((e) => e.type === 'run.status' && e.runId === id).at(-1);
    await expect.poll(ended).toMatchObject({ status: 'failed', error: detail.error });
    expect(f.store.getRun(id).status).toBe('running');
    // So does the runs table, in full and as a refresh.
    const table = await f.client.call('runs.table', {});
    expect(tableRows(table.columns).find((r) => r.id === id)?.status).toBe('failed');
    const refresh = await f.client.call('runs.table', { since: 0 });
    expect(tableRows(refresh.columns).find((r) => r.id === id)?.status).toBe('failed');
    // Nothing is training it, so there is nothing to cancel.
    await expect(f.client.call('runs.cancel', { id })).rejects.toThrow(/is not training here/);
  });
});
