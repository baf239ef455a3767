/**
 * Schema migrations: stores written at schema versions 1 and 2 open, upgrade in place with
 * their data intact (version 3's listing columns filled from what the runs hold), and a
 * failing migration leaves the store as it was.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, hyperparams, RunStore, SCHEMA_VERSION, StoreError } from '../../src-main/store';
import { APPLICATION_ID, MIGRATIONS, migrate, schemaVersion } from '../../src-main/store/schema';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-migrate-'));
  file = path.join(dir, DB_FILE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store as Layerlab wrote it at schema version 1: one finished run with history and a tag. */
function writeVersion1Store(): void {
  const db = new Database(file);
  migrate(db, 1);
  db.pragma('journal_mode = WAL');
  db.exec(`
    INSERT INTO runs (seq, id, name, status, config, created_at, started_at, finished_at, updated_at, latest)
    VALUES (1, '0mwyaaaaaaaaa', 'from v1', 'completed', '{"lr":1.2}', 1000, 1001, 2000, 2000,
            '{"train_cost":{"value":0.25,"step":1}}');
    INSERT INTO metric_keys (id, key) VALUES (1, 'train_cost');
    INSERT INTO metric_history (run, key, step, value) VALUES (1, 1, 0, 0.5), (1, 1, 1, 0.25);
    INSERT INTO latest_metrics (run, key, step, value) VALUES (1, 1, 1, 0.25);
    INSERT INTO run_tags (run, tag) VALUES (1, 'old');
  `);
  db.close();
}

const V2_CONFIG = JSON.stringify({
  data: { train: { generator: 'moons', m: 300, noise: 0.1 } },
  model: { hidden: [8, 4], activation: 'relu' },
  train: { optimizer: 'adam', learning_rate: 0.01, iterations: 500 },
});

/**
 * A store as Layerlab wrote it at schema version 2: a sweep; a finished run of it with
 * history (its latest train_cost NaN, test_cost infinite) and tags; a queued run whose
 * config is not a run config.
 */
function writeVersion2Store(): void {
  const db = new Database(file);
  migrate(db, 2);
  db.pragma('journal_mode = WAL');
  db.exec(`
    INSERT INTO sweeps (id, name, spec, status, created_at, updated_at) VALUES ('0mwysweepaaaa', 'moons sweep', '{}', 'completed', 900, 3000);
    INSERT INTO runs (seq, id, name, status, config, created_at, started_at, finished_at, updated_at, latest, sweep_id, notes)
    VALUES (1, '0mwyaaaaaaaaa', 'from v2', 'diverged', '${V2_CONFIG}', 1000, 1001, 2000, 2000,
            '{"train_cost":{"value":null,"step":2},"test_cost":{"value":9e999,"step":2},"train_accuracy":{"value":0.75,"step":2},"test_accuracy":{"value":0.5,"step":1}}',
            '0mwysweepaaaa', 'it "diverged"'),
           (2, '0mwybbbbbbbbb', 'queued in v2', 'queued', '[1, 2]', 2500, NULL, NULL, 2500, '{}', NULL, '');
    INSERT INTO metric_keys (id, key) VALUES (1, 'train_cost'), (2, 'test_cost'), (3, 'train_accuracy'), (4, 'test_accuracy');
    INSERT INTO metric_history (run, key, step, value) VALUES (1, 1, 0, 0.5), (1, 1, 2, NULL), (1, 2, 2, 9e999), (1, 3, 2, 0.75), (1, 4, 1, 0.5);
    INSERT INTO latest_metrics (run, key, step, value) VALUES (1, 1, 2, NULL), (1, 2, 2, 9e999), (1, 3, 2, 0.75), (1, 4, 1, 0.5);
    INSERT INTO run_tags (run, tag) VALUES (1, 'zz'), (1, 'old');
  `);
  db.close();
}

/** A blob column of every run, in hex, read from the store's file by a connection of its own. */
function hexColumn(column: 'list_numbers' | 'latest_numbers'): string[] {
  const read = new Database(file, { readonly: true });
  try {
    return read.prepare(`SELECT hex(${column}) FROM runs ORDER BY seq`).pluck().all() as string[];
  } finally {
    read.close();
  }
}

describe('schema migrations', () => {
  it('numbers the migrations 1, 2, … and marks the file as Layerlab’s from the first', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    writeVersion1Store();
    expect(readFileSync(file).readUInt32BE(68)).toBe(APPLICATION_ID);
  });

  it('upgrades a version 1 store on a writing open, keeping its runs', () => {
    writeVersion1Store();
    const store = RunStore.open(dir);
    try {
      const run = store.getRun('0mwyaaaaaaaaa');
      expect(run).toMatchObject({ name: 'from v1', status: 'completed', config: '{"lr":1.2}', tags: ['old'], sweepId: null });
      expect(run.metrics).toEqual({ train_cost: { value: 0.25, step: 1 } });
      expect(store.history(run.id).map((p) => p.value)).toEqual([0.5, 0.25]);
      // Version 2 brought sweeps.
      const sweep = store.createSweep({ name: 'after the upgrade', spec: '{}' });
      const trial = store.createRun({ name: 'trial', config: '{}', sweepId: sweep });
      expect(store.listRuns({ sweepId: sweep }).map((r) => r.id)).toEqual([trial]);
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('upgrades a version 2 store: the listing columns of its runs are filled from their configs and metrics', () => {
    writeVersion2Store();
    const store = RunStore.open(dir);
    try {
      const rows = store.listRunTable();
      expect(rows).toEqual([
        {
          id: '0mwybbbbbbbbb',
          name: 'queued in v2',
          status: 'queued',
          sweepId: null,
          sweepName: null,
          createdAt: 2500,
          startedAt: null,
          finishedAt: null,
          updatedAt: 2500,
          durationMs: null,
          tags: [],
          notes: '',
          error: null,
          hp: hyperparams('[1, 2]'),
          metrics: { train_cost: null, test_cost: null, train_accuracy: null, test_accuracy: null, step: null },
          deleted: false,
        },
        {
          id: '0mwyaaaaaaaaa',
          name: 'from v2',
          status: 'diverged',
          sweepId: '0mwysweepaaaa',
          sweepName: 'moons sweep',
          createdAt: 1000,
          startedAt: 1001,
          finishedAt: 2000,
          updatedAt: 2000,
          durationMs: 999,
          tags: ['old', 'zz'],
          notes: 'it "diverged"',
          error: null,
          hp: {
            data: 'moons',
            hidden: [8, 4],
            activation: 'relu',
            output: 'sigmoid',
            optimizer: 'adam',
            learning_rate: 0.01,
            steps: 500,
            unit: 'iteration',
            batch_size: null,
            l2: null,
            keep_prob: null,
            m: 300,
            noise: 0.1,
          },
          // NaN and infinite latest values show as null; the step is train_cost's.
          metrics: { train_cost: null, test_cost: null, train_accuracy: 0.75, test_accuracy: 0.5, step: 2 },
          deleted: false,
        },
      ]);
      expect(store.getRun('0mwyaaaaaaaaa').hp).toEqual(rows[1].hp);
      // Schema 4's plain columns (the unit, the standard metrics) are filled too: the columnar listing agrees.
      const columns = store.listRunColumns();
      expect(columns.id).toEqual(['0mwybbbbbbbbb', '0mwyaaaaaaaaa']);
      expect([...columns.numbers.train_accuracy]).toEqual([NaN, 0.75]);
      expect([...columns.numbers.test_accuracy]).toEqual([NaN, 0.5]);
      expect([...columns.numbers.train_cost]).toEqual([NaN, NaN]);
      expect([...columns.numbers.step]).toEqual([NaN, 2]);
      expect([...columns.numbers.durationMs]).toEqual([NaN, 999]);
      expect(columns.shared.values[columns.shared.codes[1]]).toEqual({
        status: 'diverged', sweepId: '0mwysweepaaaa', sweepName: 'moons sweep', data: 'moons', hidden: [8, 4],
        activation: 'relu', optimizer: 'adam', unit: 'iteration', deleted: false,
      });
      expect(columns.tags).toEqual({ rows: [1, 1], tags: ['old', 'zz'] });
      // Sorting and searching by the config's hyperparameters work on the migrated runs.
      expect(store.listRunTable({ sortBy: 'hp.learning_rate' }).map((r) => r.id)).toEqual(['0mwyaaaaaaaaa', '0mwybbbbbbbbb']);
      expect(store.listRunTable({ search: '[8, 4]' }).map((r) => r.id)).toEqual(['0mwyaaaaaaaaa']);
      expect(store.listRunTable({ search: 'moons sweep' }).map((r) => r.id)).toEqual(['0mwyaaaaaaaaa']);
      // Runs created after the upgrade get the columns when they are created, and appends keep them current.
      const id = store.createRun({ name: 'after', config: V2_CONFIG });
      store.startRun(id);
      store.appendMetrics(id, [{ step: 4, key: 'train_cost', value: 0.125 }]);
      expect(store.listRunTable({ ids: [id] })[0]).toMatchObject({ hp: rows[1].hp, metrics: { train_cost: 0.125, test_cost: null, step: 4 } });
      const after = store.listRunColumns({ ids: [id] });
      expect([after.numbers.train_cost[0], after.numbers.step[0]]).toEqual([0.125, 4]);
      expect(after.shared.values[0]).toMatchObject({ unit: 'iteration', hidden: [8, 4] });
    } finally {
      store.close();
    }
    const db = new Database(file, { readonly: true });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('upgrades a version 4 store: each run’s listed numbers become one float64 blob, kept current afterwards', () => {
    const db = new Database(file);
    migrate(db, 4);
    db.pragma('journal_mode = WAL');
    db.exec(`
      INSERT INTO runs (seq, id, name, status, config, created_at, started_at, finished_at, updated_at, deleted_at,
                        hp_learning_rate, hp_steps, tm_train_cost, tm_test_cost, tm_train_accuracy, tm_test_accuracy, tm_step)
      VALUES (1, '0mwyaaaaaaaaa', 'from v4', 'completed', '{}', 1000, 1001, 2000, 2000, NULL, 0.01, 500, NULL, 0.1, 0.75, 0.5, 2),
             (2, '0mwybbbbbbbbb', 'queued in v4', 'queued', '{}', 2500, NULL, NULL, 2500, 3000, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    `);
    db.close();
    const store = RunStore.open(dir);
    const NAN = '7FF8000000000000';
    try {
      // The fields many runs share, one row per distinct combination (no config: no hyperparameters).
      const read = new Database(file, { readonly: true });
      expect(read.prepare('SELECT id, key FROM list_shared ORDER BY id').raw().all()).toEqual([
        [1, '["completed",null,null,null,null,null,null,0]'],
        [2, '["queued",null,null,null,null,null,null,1]'],
      ]);
      read.close();
      // seq, shared fields' id, created, started, finished, updated, deleted, learning rate, steps,
      // the four metrics, step: IEEE 754 encodings written out by hand.
      expect(hexColumn('list_numbers')).toEqual([
        ['3FF0000000000000', '3FF0000000000000', '408F400000000000', '408F480000000000', '409F400000000000', '409F400000000000', NAN,
          '3F847AE147AE147B', '407F400000000000', NAN, '3FB999999999999A', '3FE8000000000000', '3FE0000000000000', '4000000000000000'].join(''),
        ['4000000000000000', '4000000000000000', '40A3880000000000', NAN, NAN, '40A3880000000000', '40A7700000000000', NAN, NAN, NAN, NAN, NAN, NAN, NAN].join(''),
      ]);
      const columns = store.listRunColumns({ deleted: 'include' });
      expect(columns.id).toEqual(['0mwybbbbbbbbb', '0mwyaaaaaaaaa']);
      expect([...columns.numbers.durationMs]).toEqual([NaN, 999]);
      expect([...columns.numbers.test_cost]).toEqual([NaN, 0.1]);
      expect(columns.shared.values.map((v) => v.deleted)).toEqual([true, false]);
      // The triggers keep the blob of a run that changes after the upgrade.
      store.restore('0mwybbbbbbbbb');
      store.startRun('0mwybbbbbbbbb');
      const started = store.getRun('0mwybbbbbbbbb').startedAt!;
      const after = store.listRunColumns({ ids: ['0mwybbbbbbbbb'] });
      expect([after.numbers.startedAt[0], after.numbers.durationMs[0], after.shared.values[0].deleted]).toEqual([started, 0, false]);
    } finally {
      store.close();
    }
  });

  it('upgrades a version 5 store: each run’s latest metrics become one float64 blob, kept current by appends', () => {
    const db = new Database(file);
    migrate(db, 5);
    db.pragma('journal_mode = WAL');
    db.exec(`
      INSERT INTO runs (seq, id, name, status, config, created_at, started_at, updated_at, latest)
      VALUES (1, '0mwyaaaaaaaaa', 'from v5', 'running', '{}', 1000, 1001, 2000,
              '{"train_cost":{"value":null,"step":3},"test_cost":{"value":9e999,"step":3},"test_accuracy":{"value":0.75,"step":2}}'),
             (2, '0mwybbbbbbbbb', 'queued in v5', 'queued', '{}', 2500, NULL, 2500, '{}');
      INSERT INTO metric_keys (id, key) VALUES (1, 'train_cost'), (2, 'test_cost'), (4, 'test_accuracy');
      INSERT INTO latest_metrics (run, key, step, value) VALUES (1, 1, 3, NULL), (1, 2, 3, 9e999), (1, 4, 2, 0.75);
    `);
    db.close();
    const store = RunStore.open(dir);
    try {
      // The number of metrics, then key id, step and value of each by key id: IEEE 754 encodings written out by hand.
      expect(hexColumn('latest_numbers')).toEqual([
        ['4008000000000000', '3FF0000000000000', '4008000000000000', '7FF8000000000000', '4000000000000000', '4008000000000000',
          '7FF0000000000000', '4010000000000000', '4000000000000000', '3FE8000000000000'].join(''),
        '0000000000000000',
      ]);
      const expected = { train_cost: { value: NaN, step: 3 }, test_cost: { value: Infinity, step: 3 }, test_accuracy: { value: 0.75, step: 2 } };
      expect(store.listRuns().map((r) => r.metrics)).toEqual([{}, expected]);
      // Appends after the upgrade rewrite the blob: new keys, then a later step for one of them.
      store.startRun('0mwybbbbbbbbb');
      store.appendMetrics('0mwybbbbbbbbb', [{ step: 1, key: 'train_cost', value: 0.5 }, { step: 1, key: 'lr', value: 0.125 }]);
      store.appendMetrics('0mwybbbbbbbbb', [{ step: 2, key: 'lr', value: -0.25 }]);
      const [b] = store.listRuns({ ids: ['0mwybbbbbbbbb'] });
      expect(b.metrics).toEqual({ train_cost: { value: 0.5, step: 1 }, lr: { value: -0.25, step: 2 } });
      expect(b.metrics).toEqual(store.getRun('0mwybbbbbbbbb').metrics);
    } finally {
      store.close();
    }
  });

  it('does not upgrade on a read-only open, and says how to', () => {
    writeVersion1Store();
    const before = readFileSync(file);
    let error: unknown;
    try {
      RunStore.open(dir, { readonly: true });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe('needs-migration');
    expect((error as StoreError).message).toBe(
      `${file} has schema version 1, and this Layerlab reads version ${SCHEMA_VERSION}; ` +
        'opening it for writing once (any command that changes runs) upgrades it',
    );
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('rolls a failing migration back whole, leaving the earlier version', () => {
    writeVersion1Store();
    const db = new Database(file);
    const failing = [
      ...MIGRATIONS.slice(0, 1),
      {
        version: 2,
        description: 'fails halfway',
        up(d: Database.Database) {
          d.exec('CREATE TABLE half_done (x INTEGER)');
          throw new Error('disk pulled out');
        },
      },
    ];
    expect(() => migrate(db, 2, failing)).toThrow('disk pulled out');
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half_done'").pluck().get()).toBe(0);
    db.close();
    // The real migrations still apply afterwards.
    RunStore.open(dir).close();
  });
});
