/**
 * A finished run's final evaluation (its summary's `final`) is what listings show as its
 * latest metrics: every listing (listRuns, the runs table's rows and columns, sorting)
 * agrees with what `layerlab train` printed, while the history keeps every logged point.
 * Stores written before this (schema 8) get the same on opening.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, RunStore, type MetricPoint } from '../../src-main/store';
import { REFRESH_LATEST_SQL } from '../../src-main/store/latest-sql';
import { migrate } from '../../src-main/store/schema';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-final-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = JSON.stringify({
  data: { train: { generator: 'planar', m: 400, seed: 1 }, test_fraction: 0.2 },
  model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
  train: { optimizer: 'gd', learning_rate: 1.2, iterations: 10 },
});

/** The points a 10-iteration run logs at iteration 9, before its last update. */
function logged(trainCost: number, testCost: number | null): MetricPoint[] {
  const points: MetricPoint[] = [
    { step: 0, key: 'train_cost', value: 0.69 },
    { step: 9, key: 'train_cost', value: trainCost },
    { step: 9, key: 'learning_rate', value: 1.2 },
    { step: 9, key: 'train_accuracy', value: 0.6 },
  ];
  if (testCost !== null) points.push({ step: 9, key: 'test_cost', value: testCost }, { step: 9, key: 'test_accuracy', value: 0.55 });
  return points;
}

function runWith(name: string, points: MetricPoint[]): string {
  const id = store.createRun({ name, config: CONFIG });
  store.startRun(id);
  store.appendMetrics(id, points);
  return id;
}

const summary = (final: Record<string, number | null>, steps?: number) => JSON.stringify({ final, unit: 'iteration', steps, reason: undefined });

/** What the runs table shows of a run: its row, and its numbers in the columnar listing. */
function tableMetrics(id: string) {
  const row = store.listRunTable({ ids: [id] })[0].metrics;
  const columns = store.listRunColumns({ ids: [id] }).numbers;
  // NaN there for null.
  const value = (v: number) => (Number.isNaN(v) ? null : v);
  const fromColumns = {
    train_cost: value(columns.train_cost[0]),
    test_cost: value(columns.test_cost[0]),
    train_accuracy: value(columns.train_accuracy[0]),
    test_accuracy: value(columns.test_accuracy[0]),
  };
  return { row, fromColumns };
}

describe('final evaluation as the latest metrics', () => {
  it('shows the final evaluation in every listing once the run has finished, and keeps the history as logged', () => {
    const id = runWith('ten iterations', logged(0.637639, 0.7));
    expect(store.getRun(id).metrics.train_cost).toEqual({ value: 0.637639, step: 9 });

    const final = { train_cost: 0.633623, train_accuracy: 0.6125, test_cost: 0.69, test_accuracy: 0.5625 };
    store.finishRun(id, 'completed', { summary: summary(final, 10) });

    const run = store.getRun(id);
    expect(run.metrics).toEqual({
      train_cost: { value: 0.633623, step: 10 },
      train_accuracy: { value: 0.6125, step: 10 },
      test_cost: { value: 0.69, step: 10 },
      test_accuracy: { value: 0.5625, step: 10 },
      learning_rate: { value: 1.2, step: 9 },
    });
    expect(store.listRuns({ ids: [id] })[0].metrics).toEqual(run.metrics);
    const { row, fromColumns } = tableMetrics(id);
    expect(row).toEqual({ ...final, step: 10 });
    expect(fromColumns).toEqual(final);
    expect(store.history(id, 'train_cost')).toEqual([
      { step: 0, key: 'train_cost', value: 0.69 },
      { step: 9, key: 'train_cost', value: 0.637639 },
    ]);
  });

  it('sorts finished runs by their final values, not their last logged ones', () => {
    // Logged, a is ahead of b; the final evaluation (say, without dropout) turns it round.
    const a = runWith('a', logged(0.2, 0.3));
    const b = runWith('b', logged(0.25, 0.35));
    store.finishRun(a, 'completed', { summary: summary({ train_cost: 0.22, train_accuracy: 0.9, test_cost: 0.4, test_accuracy: 0.8 }, 10) });
    store.finishRun(b, 'completed', { summary: summary({ train_cost: 0.21, train_accuracy: 0.9, test_cost: 0.31, test_accuracy: 0.8 }, 10) });
    for (const sortBy of ['train_cost', 'test_cost']) {
      expect(store.listRuns({ sortBy, order: 'asc' }).map((r) => r.name)).toEqual(['b', 'a']);
      expect(store.listRunTable({ sortBy, order: 'asc' }).map((r) => r.name)).toEqual(['b', 'a']);
    }
  });

  it('marks a NaN final value as NaN, and adds no test metrics to a run without a test set', () => {
    const id = runWith('diverged', logged(1e30, null));
    store.finishRun(id, 'diverged', { summary: summary({ train_cost: null, train_accuracy: 0.5, test_cost: null, test_accuracy: null }, 10) });
    const { metrics } = store.getRun(id);
    expect(metrics.train_cost.step).toBe(10);
    expect(metrics.train_cost.value).toBeNaN();
    expect(metrics.train_accuracy).toEqual({ value: 0.5, step: 10 });
    expect(Object.keys(metrics).sort()).toEqual(['learning_rate', 'train_accuracy', 'train_cost']);
    expect(tableMetrics(id).row).toEqual({ train_cost: null, test_cost: null, train_accuracy: 0.5, test_accuracy: null, step: 10 });
  });

  it('leaves the logged metrics of a run that ended without a final evaluation', () => {
    const failed = runWith('failed', logged(0.5, 0.6));
    store.finishRun(failed, 'failed', { error: 'disk full' });
    const noFinal = runWith('summary without final', logged(0.5, 0.6));
    store.finishRun(noFinal, 'completed', { summary: '{"steps": 10}' });
    const foreign = runWith('final of another shape', logged(0.5, 0.6));
    store.finishRun(foreign, 'completed', { summary: '{"final": {"train_cost": "low"}, "steps": 10}' });
    for (const id of [failed, noFinal, foreign]) {
      expect(store.getRun(id).metrics.train_cost).toEqual({ value: 0.5, step: 9 });
      expect(tableMetrics(id).row.train_cost).toBe(0.5);
    }
  });

  it('keeps each metric’s own step when the summary gives no steps', () => {
    const id = runWith('no steps', logged(0.5, 0.6));
    store.finishRun(id, 'stopped', { summary: summary({ train_cost: 0.45, train_accuracy: 0.7, test_cost: 0.55, test_accuracy: 0.6 }) });
    expect(store.getRun(id).metrics.train_cost).toEqual({ value: 0.45, step: 9 });
  });
});

describe('opening a store of schema 8', () => {
  it('takes the final evaluation of runs finished before, in every listing', () => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(path.join(tmpdir(), 'layerlab-final-'));
    const db = new Database(path.join(dir, DB_FILE));
    migrate(db, 8);
    db.pragma('journal_mode = WAL');
    db.exec(`
      INSERT INTO runs (seq, id, name, status, config, created_at, started_at, finished_at, updated_at, summary)
      VALUES (1, '0mwyaaaaaaaaa', 'finished', 'completed', '${CONFIG}', 1000, 1001, 2000, 2000,
              '{"final":{"train_cost":0.25,"train_accuracy":0.875,"test_cost":null,"test_accuracy":null},"unit":"iteration","steps":10}'),
             (2, '0mwybbbbbbbbb', 'failed', 'failed', '${CONFIG}', 1100, 1101, 2100, 2100, NULL);
      INSERT INTO metric_keys (id, key) VALUES (1, 'train_cost'), (2, 'train_accuracy');
      INSERT INTO metric_history (run, key, step, value) VALUES (1, 1, 9, 0.3), (1, 2, 9, 0.8), (2, 1, 3, 0.6);
      INSERT INTO latest_metrics (run, key, step, value) VALUES (1, 1, 9, 0.3), (1, 2, 9, 0.8), (2, 1, 3, 0.6);
    `);
    // What appending did at schema 8: the run rows' copies of their latest metrics.
    db.exec(`UPDATE runs SET ${REFRESH_LATEST_SQL}`);
    db.close();

    store = RunStore.open(dir);
    expect(store.getRun('0mwyaaaaaaaaa').metrics).toEqual({ train_cost: { value: 0.25, step: 10 }, train_accuracy: { value: 0.875, step: 10 } });
    expect(store.listRuns({ sortBy: 'train_cost', order: 'asc' }).map((r) => [r.name, r.metrics.train_cost])).toEqual([
      ['finished', { value: 0.25, step: 10 }],
      ['failed', { value: 0.6, step: 3 }],
    ]);
    expect(tableMetrics('0mwyaaaaaaaaa').fromColumns).toEqual({ train_cost: 0.25, test_cost: null, train_accuracy: 0.875, test_accuracy: null });
    expect(store.history('0mwyaaaaaaaaa', 'train_cost')).toEqual([{ step: 9, key: 'train_cost', value: 0.3 }]);
  });
});
