/**
 * The runs table's listing (RunStore.listRunTable and its JSON text, listRunTableJson):
 * rows built by SQLite from the run rows must be what the table would compute from the run
 * itself (getRun and its config), values exact, and every column sortable and filterable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableRows, type RunTableRow as ApiTableRow } from '../../src-api/run-columns';
import { encodeColumns } from '../../src-main/api/runs-list';
import { hyperparams, RunStore, type ListRunsOptions, type MetricPoint, type RunDetail, type RunTableRow } from '../../src-main/store';

let dir: string;
let store: RunStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-store-table-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function runConfig(overrides: { generator?: string; hidden?: number[]; activation?: string; optimizer?: string; learning_rate?: number; iterations?: number } = {}) {
  return {
    data: { train: { generator: overrides.generator ?? 'planar', m: 400, noise: 0.2, seed: 1 }, test_fraction: 0.2 },
    model: { hidden: overrides.hidden ?? [4], activation: overrides.activation ?? 'tanh', output: 'sigmoid' },
    train: { optimizer: overrides.optimizer ?? 'gd', learning_rate: overrides.learning_rate ?? 1.2, iterations: overrides.iterations ?? 1000 },
  };
}

/** The row the table would show for a run, computed from getRun and its config (not from the listing). */
function expectedRow(run: RunDetail, sweepName: string | null): RunTableRow {
  const finite = (key: string) => {
    const m = run.metrics[key];
    return m !== undefined && Number.isFinite(m.value) ? m.value : null;
  };
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    sweepId: run.sweepId,
    sweepName,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    updatedAt: run.updatedAt,
    durationMs: run.startedAt === null ? null : (run.finishedAt ?? run.updatedAt) - run.startedAt,
    tags: run.tags,
    notes: run.notes,
    error: run.error,
    hp: hyperparams(run.config),
    metrics: {
      train_cost: finite('train_cost'),
      test_cost: finite('test_cost'),
      train_accuracy: finite('train_accuracy'),
      test_accuracy: finite('test_accuracy'),
      step: run.metrics.train_cost?.step ?? null,
    },
    deleted: run.deletedAt !== null,
  };
}

/** A listing's rows as the runs table's columns carry them (runs.table), made from listRunTable's rows. */
function asTableRow(r: RunTableRow): ApiTableRow {
  const { data, hidden, activation, optimizer, unit, learning_rate, steps } = r.hp;
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    sweepId: r.sweepId,
    sweepName: r.sweepName,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    tags: r.tags,
    notes: r.notes,
    hp: { data, hidden, activation, optimizer, unit, learning_rate, steps },
    metrics: r.metrics,
    deleted: r.deleted,
  };
}

/** The columnar listing (listRunColumns), through runs.table's encoding and the renderer's decoding. */
function columnRows(s: RunStore, options: ListRunsOptions = {}): ApiTableRow[] {
  return tableRows(encodeColumns(s.listRunColumns(options)));
}

describe('hyperparameters of a config', () => {
  it('reads the table’s columns from a run config, and unknowns from anything else', () => {
    expect(
      hyperparams(
        JSON.stringify({
          data: { train: { generator: 'moons', m: 300, noise: 0.1 } },
          model: { hidden: [8, 4], activations: ['relu', 'tanh'], output: 'softmax' },
          train: { optimizer: 'adam', learning_rate: 0.01, epochs: 30, batch_size: 64, l2: 0.7, keep_prob: [0.9, 0.8] },
        }),
      ),
    ).toEqual({
      data: 'moons',
      hidden: [8, 4],
      activation: 'relu/tanh',
      output: 'softmax',
      optimizer: 'adam',
      learning_rate: 0.01,
      steps: 30,
      unit: 'epoch',
      batch_size: 64,
      l2: 0.7,
      keep_prob: 0.8,
      m: 300,
      noise: 0.1,
    });
    expect(hyperparams(JSON.stringify({ data: { train: { csv: { file: '/data/cats/train.csv' } } }, model: { hidden: [3], activation: 'relu' } }))).toMatchObject({
      data: 'train.csv',
      hidden: [3],
      activation: 'relu',
      output: 'sigmoid',
      optimizer: 'gd',
      steps: null,
      unit: 'iteration',
    });
    const unknown = { data: '?', hidden: [], activation: '?', output: 'sigmoid', optimizer: 'gd', learning_rate: null, steps: null, unit: 'iteration', batch_size: null, l2: null, keep_prob: null, m: null, noise: null };
    for (const text of ['{}', '[]', 'null', '42', '{"model": [1], "train": "x", "data": {"train": null}}']) {
      expect(hyperparams(text), text).toEqual(unknown);
    }
  });
});

describe('the runs table listing', () => {
  it('gives each run as the table shows it, as computed from the run itself', () => {
    const sweep = store.createSweep({ name: 'learning "rates" sweep', spec: '{}' });
    const done = store.createRun({ name: 'flower ✿ "quoted"', config: JSON.stringify(runConfig({ hidden: [5, 2] })), sweepId: sweep, tags: ['zeta', 'alpha'] });
    store.startRun(done);
    // Values that only survive a round trip through SQLite's JSON if it writes enough digits.
    const values = { train_cost: 0.1 + 0.2, test_cost: 1 / 3, train_accuracy: 5e-324, test_accuracy: 0.8954174025822431, learning_rate: 1.2 };
    store.appendMetrics(done, Object.entries(values).map(([key, value]) => ({ step: 0, key, value })));
    store.appendMetrics(done, [
      { step: 10, key: 'train_cost', value: 2 ** -40 * 3 },
      { step: 12, key: 'test_cost', value: 123456789.12345678 },
    ]);
    store.finishRun(done, 'completed');
    store.setNote(done, 'line one\nline "two" \\ tab\t and ünïcödé');

    const diverged = store.createRun({ name: 'diverged', config: JSON.stringify(runConfig({ learning_rate: 50 })) });
    store.startRun(diverged);
    store.appendMetrics(diverged, [
      { step: 3, key: 'train_cost', value: NaN },
      { step: 3, key: 'test_cost', value: Infinity },
      { step: 3, key: 'train_accuracy', value: -Infinity },
    ]);
    store.finishRun(diverged, 'diverged', { error: 'the cost became NaN at iteration 3' });

    const running = store.createRun({ name: 'running', config: JSON.stringify(runConfig()) });
    store.startRun(running);
    const queued = store.createRun({ name: 'queued', config: '{"not": "a run config"}' });
    const deleted = store.createRun({ name: 'deleted', config: JSON.stringify(runConfig()) });
    store.softDelete(deleted);

    const rows = store.listRunTable({ deleted: 'include' });
    const expected = [deleted, queued, running, diverged, done].map((id) => expectedRow(store.getRun(id), id === done ? 'learning "rates" sweep' : null));
    expect(rows).toEqual(expected);
    // Spot checks against literal values, not only against getRun.
    const row = rows.find((r) => r.id === done)!;
    expect(row.metrics).toEqual({ train_cost: 2 ** -40 * 3, test_cost: 123456789.12345678, train_accuracy: 5e-324, test_accuracy: 0.8954174025822431, step: 10 });
    expect(row.tags).toEqual(['alpha', 'zeta']);
    expect(row.hp).toMatchObject({ data: 'planar', hidden: [5, 2], learning_rate: 1.2, steps: 1000 });
    expect(rows.find((r) => r.id === diverged)!.metrics).toEqual({ train_cost: null, test_cost: null, train_accuracy: null, test_accuracy: null, step: 3 });
    expect(rows.find((r) => r.id === queued)!).toMatchObject({ durationMs: null, metrics: { train_cost: null, step: null }, hp: { data: '?', hidden: [] } });
    expect(rows.find((r) => r.id === deleted)!.deleted).toBe(true);
    expect(store.listRunTable().map((r) => r.id)).not.toContain(deleted);
    // The columns hold the same runs, field for field, and share the repeated fields.
    expect(columnRows(store, { deleted: 'include' })).toEqual(rows.map(asTableRow));
    const columns = store.listRunColumns({ deleted: 'include' });
    expect(columns.count).toBe(5);
    expect(columns.shared.values).toHaveLength(5); // deleted, queued (unknown config), running, diverged, done
    expect(columns.tags).toEqual({ rows: [4, 4], tags: ['alpha', 'zeta'] });
    expect(columns.numbers.train_accuracy[4]).toBe(5e-324);
    expect(Number.isNaN(columns.numbers.train_cost[3])).toBe(true);
    expect(store.listRunColumns({ search: 'no such run' })).toMatchObject({ count: 0, id: [], tags: { rows: [], tags: [] } });
    // The JSON text is what the objects are parsed from, and is plain JSON.
    const page = store.listRunTableJson({ deleted: 'include' });
    expect(page.rows).toBe(5);
    expect(JSON.parse(page.json)).toEqual(rows);
    expect(store.listRunTableJson({ search: 'no such run' })).toEqual({ json: '[]', rows: 0 });
  });

  it('keeps every value exact through the JSON SQLite writes', () => {
    const id = store.createRun({ name: 'many values', config: '{}' });
    store.startRun(id);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let step = 0; step < 300; step++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
      store.appendMetrics(id, [{ step, key: 'test_accuracy', value }]);
      expect(store.listRunTable()[0].metrics.test_accuracy).toBe(value);
      expect(store.listRunColumns().numbers.test_accuracy[0]).toBe(value);
    }
  });

  describe('sorting and filtering', () => {
    let ids: string[];
    beforeEach(() => {
      const sweepB = store.createSweep({ name: 'B sweep', spec: '{}' });
      const sweepA = store.createSweep({ name: 'a sweep', spec: '{}' });
      const specs = [
        { name: 'r0', generator: 'moons', hidden: [8], activation: 'relu', optimizer: 'adam', learning_rate: 0.01, iterations: 500, sweep: sweepB, tags: ['b'], cost: 0.3 },
        { name: 'r1', generator: 'circles', hidden: [2, 2], activation: 'tanh', optimizer: 'gd', learning_rate: 0.5, iterations: 3000, sweep: undefined, tags: [], cost: 0.1 },
        { name: 'r2', generator: 'planar', hidden: [16], activation: 'sigmoid', optimizer: 'momentum', learning_rate: 1.2, iterations: 100, sweep: sweepA, tags: ['a', 'c'], cost: Infinity },
        { name: 'r3', generator: 'spiral', hidden: [3, 1], activation: 'relu', optimizer: 'adam', learning_rate: 0.05, iterations: 2000, sweep: sweepA, tags: ['a'], cost: null },
      ];
      ids = specs.map((s) => {
        const id = store.createRun({ name: s.name, config: JSON.stringify(runConfig(s)), sweepId: s.sweep, tags: s.tags });
        if (s.cost !== null) {
          store.startRun(id);
          store.appendMetrics(id, [{ step: 1, key: 'train_cost', value: s.cost }]);
        }
        return id;
      });
      store.finishRun(ids[0], 'completed');
      store.finishRun(ids[2], 'diverged');
    });
    const names = (rows: { name: string }[]) => rows.map((r) => r.name);

    it('sorts by every column of the table either way, runs without a value last', () => {
      const rows = store.listRunTable();
      // Each column's key as the table computes it, sorted here, against the store's order.
      const keys: Record<string, (r: RunTableRow) => string | number | null> = {
        duration: (r) => r.durationMs,
        sweep: (r) => r.sweepName?.toLowerCase() ?? null,
        tags: (r) => r.tags.join(' ') || null,
        'hp.data': (r) => r.hp.data,
        'hp.hidden': (r) => r.hp.hidden.reduce((s, n) => s * 1000 + n, r.hp.hidden.length),
        'hp.activation': (r) => r.hp.activation,
        'hp.optimizer': (r) => r.hp.optimizer,
        'hp.learning_rate': (r) => r.hp.learning_rate,
        'hp.steps': (r) => r.hp.steps,
      };
      for (const [sortBy, key] of Object.entries(keys)) {
        for (const order of ['asc', 'desc'] as const) {
          const dir = order === 'asc' ? 1 : -1;
          const expected = [...rows]
            .sort((x, y) => Number(ids.indexOf(x.id)) - Number(ids.indexOf(y.id)))
            .map((r) => [key(r), r] as const)
            .sort(([a, ra], [b, rb]) =>
              a === null || b === null
                ? (a === null ? 1 : 0) - (b === null ? 1 : 0) || dir * (ids.indexOf(ra.id) - ids.indexOf(rb.id))
                : a < b ? -dir : a > b ? dir : dir * (ids.indexOf(ra.id) - ids.indexOf(rb.id)),
            )
            .map(([, r]) => r.name);
          expect(names(store.listRunTable({ sortBy, order })), `${sortBy} ${order}`).toEqual(expected);
          expect(names(store.listRuns({ sortBy, order })), `listRuns ${sortBy} ${order}`).toEqual(expected);
          expect(names(columnRows(store, { sortBy, order })), `listRunColumns ${sortBy} ${order}`).toEqual(expected);
        }
      }
      // Literal orders for a few, so that the check above is not the only word.
      expect(names(store.listRunTable({ sortBy: 'hp.hidden' }))).toEqual(['r0', 'r2', 'r1', 'r3']);
      expect(names(store.listRunTable({ sortBy: 'sweep', order: 'desc' }))).toEqual(['r0', 'r3', 'r2', 'r1']);
      expect(names(store.listRunTable({ sortBy: 'tags' }))).toEqual(['r3', 'r2', 'r0', 'r1']);
      expect(names(store.listRunTable({ sortBy: 'hp.learning_rate', order: 'desc', limit: 2 }))).toEqual(['r2', 'r1']);
    });

    it('puts infinite metric values with the runs that have none', () => {
      expect(names(store.listRunTable({ sortBy: 'train_cost' }))).toEqual(['r1', 'r0', 'r2', 'r3']);
      expect(names(store.listRunTable({ sortBy: 'train_cost', order: 'desc' }))).toEqual(['r0', 'r1', 'r3', 'r2']);
      expect(names(columnRows(store, { sortBy: 'train_cost', order: 'desc' }))).toEqual(['r0', 'r1', 'r3', 'r2']);
      // Pages of the columnar listing span the two parts of a metric listing, as the rows do.
      expect(names(columnRows(store, { sortBy: 'train_cost', offset: 1, limit: 2 }))).toEqual(['r0', 'r2']);
      expect(columnRows(store, { sortBy: 'train_cost', tag: 'a' })).toEqual(store.listRunTable({ sortBy: 'train_cost', tag: 'a' }).map(asTableRow));
    });

    it('filters by ids, time of the last write, and text in the hyperparameters and sweep name', () => {
      expect(names(store.listRunTable({ ids: [ids[3], ids[1], 'nope'] }))).toEqual(['r3', 'r1']);
      const later = Date.now() + 1;
      expect(store.listRunTable({ updatedSince: later })).toEqual([]);
      const run = store.createRun({ name: 'r4', config: '{}' });
      const since = store.getRun(run).updatedAt;
      expect(names(store.listRunTable({ updatedSince: since }))).toContain('r4');
      expect(names(store.listRunTable({ search: 'MOONS' }))).toEqual(['r0']);
      expect(names(store.listRunTable({ search: '[2, 2]' }))).toEqual(['r1']);
      expect(names(store.listRunTable({ search: 'momentum' }))).toEqual(['r2']);
      expect(names(store.listRunTable({ search: 'sigmoid' }))).toEqual(['r2']); // the activation, not the output
      expect(names(store.listRunTable({ search: 'a sweep' }))).toEqual(['r3', 'r2']);
      expect(names(store.listRunTable({ sweepId: store.listSweeps().find((s) => s.name === 'a sweep')!.id, sortBy: 'name' }))).toEqual(['r2', 'r3']);
      expect(names(store.listRunTable({ tag: 'a', status: ['diverged'] }))).toEqual(['r2']);
    });

    it('counts the runs a listing matches, over all its pages', () => {
      expect(store.countRuns()).toBe(4);
      expect(store.countRuns({ search: 'relu', limit: 1, offset: 1 })).toBe(2);
      expect(store.countRuns({ status: ['completed', 'diverged'] })).toBe(2);
      store.softDelete(ids[0]);
      expect(store.countRuns()).toBe(3);
      expect(store.countRuns({ deleted: 'only' })).toBe(1);
    });
  });

  it('reads the store of another process: a read-only open lists the same rows', () => {
    const id = store.createRun({ name: 'shared', config: JSON.stringify(runConfig()) });
    store.startRun(id);
    store.appendMetrics(id, [{ step: 0, key: 'train_cost', value: 0.25 } satisfies MetricPoint]);
    const reader = RunStore.open(dir, { readonly: true });
    try {
      expect(reader.listRunTable()).toEqual(store.listRunTable());
    } finally {
      reader.close();
    }
  });
});
