/**
 * The run store's API within one process: the run lifecycle and its transitions, metrics
 * and latest metrics, weights, editing, soft delete and purge, listing, and sweeps.
 * Crashes, locks, damaged files and full disks are in store-recovery.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  canTransition,
  RUN_STATUSES,
  RunStore,
  StoreError,
  type FinalStatus,
  type MetricPoint,
  type RunStatus,
} from '../../src-main/store';

let dir: string;
let store: RunStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-store-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = JSON.stringify({ model: { hidden: [4] }, train: { learning_rate: 1.2 } });

/** Runs `fn` and returns the StoreError it throws. */
function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

function points(step: number, values: Record<string, number>): MetricPoint[] {
  return Object.entries(values).map(([key, value]) => ({ step, key, value }));
}

/** A run that went queued → running → `status`, with one logged step of `values`. */
function finishedRun(name: string, status: FinalStatus, values: Record<string, number> = {}): string {
  const id = store.createRun({ name, config });
  store.startRun(id);
  if (Object.keys(values).length) store.appendMetrics(id, points(0, values));
  store.finishRun(id, status, status === 'failed' ? { error: 'boom' } : {});
  return id;
}

describe('run lifecycle', () => {
  it('records a run from queued through running to completed, with times, config and summary', () => {
    const before = Date.now();
    const id = store.createRun({ name: '  planar [4] tanh ', config, tags: ['course'], notes: 'first try' });
    expect(id).toMatch(/^[0-9a-z]{13}$/);
    let run = store.getRun(id);
    expect(run).toMatchObject({ id, name: 'planar [4] tanh', status: 'queued', config, tags: ['course'], notes: 'first try' });
    expect(run.createdAt).toBeGreaterThanOrEqual(before);
    expect(run.startedAt).toBeNull();

    store.startRun(id);
    run = store.getRun(id);
    expect(run.status).toBe('running');
    expect(run.startedAt).toBeGreaterThanOrEqual(run.createdAt);
    expect(run.owner?.pid).toBe(process.pid);

    store.finishRun(id, 'completed', { summary: JSON.stringify({ final: { train_accuracy: 0.9 } }) });
    run = store.getRun(id);
    expect(run.status).toBe('completed');
    expect(run.finishedAt).toBeGreaterThanOrEqual(run.startedAt!);
    expect(JSON.parse(run.summary!)).toEqual({ final: { train_accuracy: 0.9 } });
    expect(run.error).toBeNull();
  });

  it('makes ids that sort by creation', () => {
    const ids = Array.from({ length: 50 }, (_, i) => store.createRun({ name: `r${i}`, config }));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
  });

  it('allows exactly the documented transitions', () => {
    const allowed: Record<RunStatus, RunStatus[]> = {
      queued: ['running', 'cancelled', 'failed'],
      running: ['completed', 'stopped', 'diverged', 'cancelled', 'failed', 'interrupted'],
      completed: [],
      stopped: [],
      diverged: [],
      cancelled: [],
      failed: [],
      interrupted: [],
    };
    for (const from of RUN_STATUSES) {
      for (const to of RUN_STATUSES) expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed[from].includes(to));
    }
  });

  it('refuses invalid transitions with a message naming both statuses and what is allowed', () => {
    const id = finishedRun('done', 'completed');
    const error = storeError(() => store.startRun(id));
    expect(error.code).toBe('invalid-transition');
    expect(error.message).toBe(`run ${id} is completed and cannot become running (completed is final)`);

    const queued = store.createRun({ name: 'q', config });
    expect(storeError(() => store.finishRun(queued, 'completed')).message).toBe(
      `run ${queued} is queued and cannot become completed (from queued it can become running, cancelled, failed)`,
    );
    store.finishRun(queued, 'cancelled');
    expect(store.getRun(queued).status).toBe('cancelled');
    expect(storeError(() => store.finishRun(id, 'running' as FinalStatus)).code).toBe('invalid-argument');
  });

  it('records every final status with its error', () => {
    for (const status of ['completed', 'stopped', 'diverged', 'cancelled', 'failed', 'interrupted'] as const) {
      const id = finishedRun(status, status);
      expect(store.getRun(id).status).toBe(status);
    }
    const [failed] = store.listRuns({ status: 'failed' });
    expect(failed.error).toBe('boom');
  });

  it('rejects bad names, config JSON and unknown ids', () => {
    expect(storeError(() => store.createRun({ name: ' ', config })).message).toBe('a run name must not be empty');
    expect(storeError(() => store.createRun({ name: 'a\nb', config })).code).toBe('invalid-argument');
    expect(storeError(() => store.createRun({ name: 'x', config: '{nope' })).message).toMatch(/^the run config is not valid JSON/);
    const missing = storeError(() => store.getRun('nosuchrun'));
    expect(missing.code).toBe('not-found');
    expect(missing.message).toBe(`there is no run 'nosuchrun' in ${dir}`);
    expect(storeError(() => store.createRun({ name: 'x', config, sweepId: 'nosweep' })).code).toBe('not-found');
  });

  it('finds a run by a unique prefix of its id', () => {
    const id = store.createRun({ name: 'a', config });
    expect(store.resolveRunId(id)).toBe(id);
    expect(store.resolveRunId(id.slice(0, 11))).toBe(id);
    expect(store.resolveRunId(id.slice(0, 11).toUpperCase())).toBe(id);
    store.createRun({ name: 'b', config });
    // Ids made in the same second share their first characters.
    expect(storeError(() => store.resolveRunId(id.slice(0, 5))).code).toBe('ambiguous');
    expect(storeError(() => store.resolveRunId('zzzz')).code).toBe('not-found');
  });
});

describe('metrics', () => {
  it('appends history in batches and keeps the latest value per key', () => {
    const id = store.createRun({ name: 'm', config });
    store.startRun(id);
    store.appendMetrics(id, points(0, { train_cost: 0.69, train_accuracy: 0.5 }));
    store.appendMetrics(id, [...points(100, { train_cost: 0.3 }), ...points(50, { train_accuracy: 0.8 })]);
    store.appendMetrics(id, points(10, { train_accuracy: 0.6 })); // an earlier step does not replace the latest
    expect(store.getRun(id).metrics).toEqual({
      train_cost: { value: 0.3, step: 100 },
      train_accuracy: { value: 0.8, step: 50 },
    });
    expect(store.history(id, 'train_accuracy')).toEqual([
      { key: 'train_accuracy', step: 0, value: 0.5 },
      { key: 'train_accuracy', step: 10, value: 0.6 },
      { key: 'train_accuracy', step: 50, value: 0.8 },
    ]);
    expect(store.history(id).map((p) => `${p.key}@${p.step}`)).toEqual([
      'train_accuracy@0',
      'train_accuracy@10',
      'train_accuracy@50',
      'train_cost@0',
      'train_cost@100',
    ]);
    expect(store.metricKeys()).toEqual(['train_accuracy', 'train_cost']);
  });

  it('appends to several runs in one transaction: all of the batch or none of it', () => {
    const start = (name: string) => {
      const id = store.createRun({ name, config });
      store.startRun(id);
      return id;
    };
    const a = start('a');
    const b = start('b');
    const done = finishedRun('done', 'completed');
    store.appendMetricsMany([
      { id: a, points: points(0, { train_cost: 0.7, test_accuracy: 0.5 }) },
      { id: b, points: points(0, { train_cost: 0.6 }) },
      { id: a, points: points(1, { train_cost: 0.65 }) },
      { id: b, points: [] },
    ]);
    expect(store.history(a, 'train_cost').map((p) => p.value)).toEqual([0.7, 0.65]);
    expect(store.getRun(a).metrics).toEqual({ train_cost: { value: 0.65, step: 1 }, test_accuracy: { value: 0.5, step: 0 } });
    expect(store.listRunTable({ ids: [b] })[0].metrics).toMatchObject({ train_cost: 0.6, step: 0 });
    // A finished run or a bad point anywhere in the batch: nothing of it is written.
    const refused = storeError(() =>
      store.appendMetricsMany([
        { id: a, points: points(2, { train_cost: 0.5 }) },
        { id: done, points: points(2, { train_cost: 0.5 }) },
      ]),
    );
    expect(refused.message).toBe(`run ${done} is completed; metrics can only be appended while it is running`);
    expect(storeError(() => store.appendMetricsMany([{ id: a, points: points(2, { train_cost: 0.5 }) }, { id: b, points: [{ step: -1, key: 'x', value: 1 }] }])).message).toMatch(
      /^run .*: step -1 is not a whole number/,
    );
    expect(store.history(a, 'train_cost')).toHaveLength(2);
    expect(store.history(done)).toEqual([]);
  });

  it('replaces a point logged twice for the same step', () => {
    const id = store.createRun({ name: 'm', config });
    store.startRun(id);
    store.appendMetrics(id, points(5, { test_cost: 1 }));
    store.appendMetrics(id, points(5, { test_cost: 2 }));
    expect(store.history(id, 'test_cost')).toEqual([{ key: 'test_cost', step: 5, value: 2 }]);
    expect(store.getRun(id).metrics.test_cost).toEqual({ value: 2, step: 5 });
  });

  it('keeps NaN and infinities of a diverging run', () => {
    const id = store.createRun({ name: 'diverging', config });
    store.startRun(id);
    store.appendMetrics(id, [
      { step: 1, key: 'train_cost', value: Infinity },
      { step: 1, key: 'learning_rate', value: -Infinity },
      { step: 2, key: 'train_cost', value: NaN },
    ]);
    store.finishRun(id, 'diverged');
    expect(store.history(id, 'train_cost').map((p) => p.value)).toEqual([Infinity, NaN]);
    const run = store.listRuns()[0];
    expect(run.metrics.train_cost.value).toBeNaN();
    expect(run.metrics.learning_rate.value).toBe(-Infinity);
  });

  it('appends only while the run is running', () => {
    const queued = store.createRun({ name: 'q', config });
    const error = storeError(() => store.appendMetrics(queued, points(0, { train_cost: 1 })));
    expect(error.code).toBe('invalid-transition');
    expect(error.message).toBe(`run ${queued} is queued; metrics can only be appended while it is running`);
  });

  it('rejects bad points before writing any of the batch', () => {
    const id = store.createRun({ name: 'm', config });
    store.startRun(id);
    const good = points(0, { train_cost: 1 });
    expect(storeError(() => store.appendMetrics(id, [...good, { step: -1, key: 'x', value: 1 }])).code).toBe('invalid-argument');
    expect(storeError(() => store.appendMetrics(id, [...good, { step: 1.5, key: 'x', value: 1 }])).code).toBe('invalid-argument');
    expect(storeError(() => store.appendMetrics(id, [...good, { step: 1, key: 'bad key', value: 1 }])).code).toBe(
      'invalid-argument',
    );
    expect(store.history(id)).toEqual([]);
  });
});

describe('weights', () => {
  it('saves weights to a file, loads them back checked, and replaces them', () => {
    const id = finishedRun('w', 'completed');
    const bytes = new Uint8Array(2_000_000).map((_, i) => i % 251);
    const info = store.saveWeights(id, bytes, 'layerlab-model-json');
    expect(info.bytes).toBe(2_000_000);
    expect(path.dirname(info.file)).toBe(path.join(dir, 'weights'));
    expect(store.getRun(id).weights).toEqual(info);
    const loaded = store.loadWeights(id)!;
    expect(loaded.format).toBe('layerlab-model-json');
    expect(Buffer.from(loaded.bytes).equals(Buffer.from(bytes))).toBe(true);

    store.saveWeights(id, new Uint8Array([1, 2, 3]), 'raw');
    expect(Array.from(store.loadWeights(id)!.bytes)).toEqual([1, 2, 3]);
    expect(readdirSync(path.join(dir, 'weights'))).toHaveLength(1); // the old file is gone
  });

  it('returns null for a run without weights and names a damaged weights file', () => {
    const id = finishedRun('w', 'completed');
    expect(store.loadWeights(id)).toBeNull();
    const { file } = store.saveWeights(id, new Uint8Array([1, 2, 3]), 'raw');
    writeFileSync(file, new Uint8Array([1, 2, 4]));
    const error = storeError(() => store.loadWeights(id));
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain(file);
  });
});

describe('tags, notes, names', () => {
  it('tags and untags, idempotently', () => {
    const id = store.createRun({ name: 't', config });
    store.tag(id, 'baseline');
    store.tag(id, ' baseline ');
    store.tag(id, 'adam');
    expect(store.getRun(id).tags).toEqual(['adam', 'baseline']);
    store.untag(id, 'baseline');
    store.untag(id, 'never-there');
    expect(store.getRun(id).tags).toEqual(['adam']);
    expect(storeError(() => store.tag(id, '')).code).toBe('invalid-argument');
    expect(storeError(() => store.tag('nosuch', 'x')).code).toBe('not-found');
  });

  it('sets notes and renames', () => {
    const id = store.createRun({ name: 'old', config });
    store.setNote(id, 'lr too high?\nsecond line');
    store.rename(id, 'new name');
    const run = store.getRun(id);
    expect(run.notes).toBe('lr too high?\nsecond line');
    expect(run.name).toBe('new name');
    store.setNote(id, '');
    expect(store.getRun(id).notes).toBe('');
    expect(storeError(() => store.rename(id, '')).code).toBe('invalid-argument');
  });
});

describe('delete and purge', () => {
  it('soft-deletes: hidden from listings, still readable, restorable', () => {
    const keep = finishedRun('keep', 'completed');
    const gone = finishedRun('gone', 'completed');
    store.softDelete(gone);
    expect(store.listRuns().map((r) => r.id)).toEqual([keep]);
    expect(store.listRuns({ deleted: 'only' }).map((r) => r.id)).toEqual([gone]);
    expect(store.listRuns({ deleted: 'include' })).toHaveLength(2);
    expect(store.getRun(gone).deletedAt).not.toBeNull();
    store.restore(gone);
    expect(store.listRuns()).toHaveLength(2);
  });

  it('purges rows, history and weight files for real', () => {
    const keep = finishedRun('keep', 'completed', { train_cost: 1 });
    const id = store.createRun({ name: 'purge me', config, tags: ['x'] });
    store.startRun(id);
    store.appendMetrics(id, points(0, { train_cost: 0.5, test_cost: 0.6 }));
    store.finishRun(id, 'completed');
    const { file } = store.saveWeights(id, new Uint8Array(10), 'raw');
    store.softDelete(id);
    store.purge(id);
    expect(existsSync(file)).toBe(false);
    expect(storeError(() => store.getRun(id)).code).toBe('not-found');
    expect(store.listRuns({ deleted: 'include' }).map((r) => r.id)).toEqual([keep]);
    expect(store.history(keep)).toHaveLength(1);
  });

  it('neither deletes nor purges a running run', () => {
    const id = store.createRun({ name: 'busy', config });
    store.startRun(id);
    expect(storeError(() => store.softDelete(id)).message).toBe(`run ${id} is running; stop it before deleting it`);
    expect(storeError(() => store.purge(id)).code).toBe('invalid-transition');
  });
});

describe('listing', () => {
  let ids: Record<string, string>;
  beforeEach(() => {
    ids = {
      a: finishedRun('alpha relu', 'completed', { test_accuracy: 0.9, train_cost: 0.2 }),
      b: finishedRun('beta tanh', 'completed', { test_accuracy: 0.7, train_cost: 0.4 }),
      c: finishedRun('gamma relu', 'diverged', { test_accuracy: 0.5, train_cost: NaN }),
      d: finishedRun('delta sigmoid', 'failed'),
      e: finishedRun('epsilon tanh', 'stopped', { test_accuracy: 0.8, train_cost: 0.3 }),
    };
    store.tag(ids.b, 'baseline');
    store.tag(ids.e, 'baseline');
    store.setNote(ids.d, 'the data file was missing');
  });
  const names = (runs: { name: string }[]) => runs.map((r) => r.name.split(' ')[0]);

  it('lists newest first with latest metrics and tags', () => {
    const runs = store.listRuns();
    expect(names(runs)).toEqual(['epsilon', 'delta', 'gamma', 'beta', 'alpha']);
    expect(runs[0].tags).toEqual(['baseline']);
    expect(runs[0].metrics.test_accuracy).toEqual({ value: 0.8, step: 0 });
    expect(runs[1].metrics).toEqual({});
  });

  it('sorts by a metric either way, runs without a value last', () => {
    expect(names(store.listRuns({ sortBy: 'test_accuracy', order: 'desc' }))).toEqual(['alpha', 'epsilon', 'beta', 'gamma', 'delta']);
    expect(names(store.listRuns({ sortBy: 'test_accuracy' }))).toEqual(['gamma', 'beta', 'epsilon', 'alpha', 'delta']);
    // gamma's latest train_cost is NaN: it sorts with the runs that have none, by creation.
    expect(names(store.listRuns({ sortBy: 'train_cost' }))).toEqual(['alpha', 'epsilon', 'beta', 'gamma', 'delta']);
    expect(names(store.listRuns({ sortBy: 'train_cost', order: 'desc' }))).toEqual(['beta', 'epsilon', 'alpha', 'delta', 'gamma']);
    // A key no run has logged leaves the order by creation.
    expect(names(store.listRuns({ sortBy: 'nothing_logged' }))).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
  });

  it('sorts by name, status and creation', () => {
    expect(names(store.listRuns({ sortBy: 'name' }))).toEqual(['alpha', 'beta', 'delta', 'epsilon', 'gamma']);
    expect(names(store.listRuns({ sortBy: 'name', order: 'desc' }))).toEqual(['gamma', 'epsilon', 'delta', 'beta', 'alpha']);
    expect(store.listRuns({ sortBy: 'status' }).map((r) => r.status)).toEqual([
      'completed',
      'completed',
      'stopped',
      'diverged',
      'failed',
    ]);
    expect(names(store.listRuns({ sortBy: 'created', order: 'asc' }))).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
  });

  it('filters by status, tag, sweep and search text, and pages', () => {
    expect(names(store.listRuns({ status: 'completed' }))).toEqual(['beta', 'alpha']);
    expect(names(store.listRuns({ status: ['failed', 'diverged'] }))).toEqual(['delta', 'gamma']);
    expect(names(store.listRuns({ tag: 'baseline', sortBy: 'test_accuracy', order: 'desc' }))).toEqual(['epsilon', 'beta']);
    expect(names(store.listRuns({ search: 'RELU' }))).toEqual(['gamma', 'alpha']);
    expect(names(store.listRuns({ search: 'missing' }))).toEqual(['delta']); // in the notes
    expect(names(store.listRuns({ search: 'basel' }))).toEqual(['epsilon', 'beta']); // in a tag
    expect(names(store.listRuns({ search: ids.c }))).toEqual(['gamma']);
    expect(store.listRuns({ search: '%' })).toEqual([]); // LIKE wildcards are literal
    expect(names(store.listRuns({ sortBy: 'test_accuracy', order: 'desc', limit: 2 }))).toEqual(['alpha', 'epsilon']);
    expect(names(store.listRuns({ sortBy: 'test_accuracy', order: 'desc', limit: 2, offset: 2 }))).toEqual(['beta', 'gamma']);
    expect(names(store.listRuns({ status: 'completed', sortBy: 'train_cost', order: 'desc', limit: 1 }))).toEqual(['beta']);
    // Pages of a metric sort run on from the runs with a value into those without.
    const page = (limit: number | undefined, offset: number) =>
      names(store.listRuns({ sortBy: 'test_accuracy', order: 'desc', limit, offset }));
    expect(page(2, 3)).toEqual(['gamma', 'delta']);
    expect(page(3, 4)).toEqual(['delta']);
    expect(page(undefined, 4)).toEqual(['delta']);
    expect(page(1, 5)).toEqual([]);
    expect(page(0, 0)).toEqual([]);
    expect(names(store.listRuns({ sortBy: 'train_cost', limit: 2, offset: 2 }))).toEqual(['beta', 'gamma']);
    expect(storeError(() => store.listRuns({ status: 'done' as RunStatus })).message).toMatch(/^'done' is not a run status/);
  });

  it('lists a sweep’s runs', () => {
    const sweep = store.createSweep({ name: 'lr sweep', spec: JSON.stringify({ learning_rate: [0.1, 1] }) });
    const trial = store.createRun({ name: 'trial 1', config, sweepId: sweep });
    expect(store.listRuns({ sweepId: sweep }).map((r) => r.id)).toEqual([trial]);
    expect(store.getRun(trial).sweepId).toBe(sweep);
  });
});

describe('sweeps', () => {
  it('creates, lists and moves sweeps through their statuses', () => {
    const first = store.createSweep({ name: 'first', spec: '{}' });
    const second = store.createSweep({ name: 'second', spec: JSON.stringify({ grid: { lr: [1, 2] } }) });
    expect(store.listSweeps().map((s) => s.id)).toEqual([second, first]);
    expect(store.getSweep(second)).toMatchObject({ name: 'second', status: 'queued', spec: '{"grid":{"lr":[1,2]}}' });
    store.setSweepStatus(second, 'running');
    expect(store.getSweep(second).startedAt).not.toBeNull();
    store.setSweepStatus(second, 'failed', { error: 'all trials failed' });
    expect(store.getSweep(second)).toMatchObject({ status: 'failed', error: 'all trials failed' });
    expect(storeError(() => store.setSweepStatus(second, 'running')).code).toBe('invalid-transition');
    // `sweep --resume` reopens a sweep that ended without completing.
    store.reopenSweep(second);
    expect(store.getSweep(second)).toMatchObject({ status: 'running', error: null, finishedAt: null });
    store.setSweepStatus(second, 'completed');
    expect(storeError(() => store.reopenSweep(second)).message).toBe(
      `sweep ${second} is completed; only a sweep that ended without completing can be reopened`,
    );
    expect(storeError(() => store.reopenSweep(first)).code).toBe('invalid-transition'); // queued
    expect(storeError(() => store.getSweep('nosuch')).code).toBe('not-found');
    expect(storeError(() => store.createSweep({ name: 's', spec: 'nope' })).code).toBe('invalid-argument');
  });
});

describe('read-only', () => {
  it('reads while this process writes, and refuses to write', () => {
    const id = finishedRun('r', 'completed', { train_cost: 1 });
    const reader = RunStore.open(dir, { readonly: true });
    try {
      expect(reader.listRuns().map((r) => r.id)).toEqual([id]);
      const later = finishedRun('later', 'completed');
      expect(reader.listRuns()).toHaveLength(2); // sees the writer's commits
      expect(storeError(() => reader.tag(later, 'x')).code).toBe('read-only');
    } finally {
      reader.close();
    }
  });

  it('says there is no store yet rather than creating one', () => {
    const empty = path.join(dir, 'nothing-here');
    const error = storeError(() => RunStore.open(empty, { readonly: true }));
    expect(error.code).toBe('missing');
    expect(error.message).toBe(`there is no Layerlab store in ${empty} yet`);
    expect(existsSync(empty)).toBe(false);
  });

  it('is closed after close()', () => {
    store.close();
    expect(storeError(() => store.listRuns()).code).toBe('closed');
    store.close(); // twice is fine
    store = RunStore.open(dir);
  });
});
