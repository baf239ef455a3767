/**
 * Each run's listed numbers and latest metrics as blobs of big-endian float64s
 * (runs.list_numbers, schema 5; runs.latest_numbers, schema 6), which listings concatenate
 * in SQLite: the plain-SQL encoder gives the bits Node's own encoder gives, the triggers keep
 * the blobs equal to the run's columns through every kind of write, and the columnar
 * listing (and listRuns) stay equal to the rows (and getRun) for values at the edges of
 * float64, and for texts with quotes, newlines, `<` and non-ASCII letters.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableRows } from '../../src-api/run-columns';
import { encodeColumns } from '../../src-main/api/runs-list';
import { DB_FILE, RunStore, type RunDetail } from '../../src-main/store';
import { latestMetricsOf, LIST_NUMBERS_BYTES, listNumberColumns, listQuery, PAGE, TABLE_COLUMNS } from '../../src-main/store/list-query';
import { float64Blob, LIST_NUMBERS } from '../../src-main/store/schema';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-list-numbers-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Node's big-endian float64 bytes of the values, NaN for null. */
function nodeBytes(values: readonly (number | null)[]): Buffer {
  const out = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => out.writeDoubleBE(v ?? NaN, 8 * i));
  return out;
}

describe('float64Blob, the plain-SQL float64 encoder', () => {
  const db = new Database(':memory:');
  const encode = db.prepare(`SELECT ${float64Blob(['?'])}`).pluck();
  const bits = (v: number | null) => (encode.get(v) as Buffer).toString('hex');

  it('gives the bits of literal values', () => {
    // IEEE 754 binary64 encodings written out by hand.
    expect(bits(1)).toBe('3ff0000000000000');
    expect(bits(-2)).toBe('c000000000000000');
    expect(bits(0.1)).toBe('3fb999999999999a');
    expect(bits(0.01)).toBe('3f847ae147ae147b');
    expect(bits(1000)).toBe('408f400000000000');
    expect(bits(1001)).toBe('408f480000000000');
    expect(bits(0)).toBe('0000000000000000');
    expect(bits(null)).toBe('7ff8000000000000'); // NaN (SQLite's NULL)
    expect(bits(Infinity)).toBe('7ff0000000000000');
    expect(bits(-Infinity)).toBe('fff0000000000000');
    expect(bits(5e-324)).toBe('0000000000000001'); // the smallest subnormal
    expect(bits(2.2250738585072014e-308)).toBe('0010000000000000'); // the smallest normal
    expect(bits(1.7976931348623157e308)).toBe('7fefffffffffffff'); // the largest finite
  });

  it('agrees with Node bit for bit: powers of two and their neighbours, subnormals, integers, random bits', () => {
    const values: number[] = [Math.PI, 1 / 3, 0.1 + 0.2, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1764000000123, 2.225073858507201e-308];
    for (let k = -1074; k <= 1023; k++) {
      values.push(2 ** k, -(2 ** k), 2 ** k * (1 + 2 ** -52));
      if (k > -1074) values.push(2 ** k * (1 - 2 ** -53));
    }
    // Random bit patterns (all exponents), skipping NaNs and -0, which SQLite does not keep.
    const word = new Float64Array(1);
    const halves = new Uint32Array(word.buffer);
    let seed = 12345;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 20000; i++) {
      halves[0] = next() ^ (next() << 16);
      halves[1] = next() ^ (next() << 16);
      if (!Number.isNaN(word[0]) && !Object.is(word[0], -0)) values.push(word[0]);
    }
    const wrong = values.filter((v) => bits(v) !== nodeBytes([v]).toString('hex'));
    expect(wrong).toEqual([]);
    // And several values in one blob, in order.
    expect(db.prepare(`SELECT ${float64Blob(['?', '?', '?'])}`).pluck().get(3, null, -0.5)).toEqual(nodeBytes([3, null, -0.5]));
  });

  it('reads -0 as SQLite stores it: 0', () => {
    expect(bits(-0)).toBe('0000000000000000');
  });
});

describe('list_numbers', () => {
  /** Each run's blob next to its columns' values encoded by Node. */
  function blobsAndColumns(): { id: string; blob: string; columns: string }[] {
    const db = new Database(path.join(dir, DB_FILE), { readonly: true });
    try {
      const rows = db.prepare(`SELECT id, list_numbers, ${LIST_NUMBERS.join(', ')} FROM runs ORDER BY seq`).raw().all() as [string, Buffer, ...(number | null)[]][];
      return rows.map(([id, blob, ...values]) => ({ id, blob: blob.toString('hex'), columns: nodeBytes(values).toString('hex') }));
    } finally {
      db.close();
    }
  }
  const expectCurrent = () => {
    const runs = blobsAndColumns();
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run.blob, run.id).toBe(run.columns);
  };

  it('is kept equal to the run’s columns by every write', () => {
    const sweep = store.createSweep({ name: 's', spec: '{}' });
    const a = store.createRun({ name: 'a', config: JSON.stringify({ train: { learning_rate: 1e-300, iterations: 7 } }), sweepId: sweep });
    const b = store.createRun({ name: 'b', config: '{}' });
    expectCurrent();
    store.startRun(a);
    store.startRun(b);
    expectCurrent();
    store.appendMetrics(a, [
      { step: 1, key: 'train_cost', value: 1.7976931348623157e308 },
      { step: 1, key: 'test_cost', value: -0 },
      { step: 1, key: 'train_accuracy', value: 5e-324 },
      { step: 1, key: 'test_accuracy', value: -Infinity },
    ]);
    store.appendMetricsMany([{ id: b, points: [{ step: 4, key: 'train_cost', value: NaN }] }]);
    expectCurrent();
    store.saveWeights(a, new Uint8Array([1, 2, 3]), 'layerlab-model-json');
    store.finishRun(a, 'completed');
    store.setNote(b, 'n');
    store.rename(b, 'bb');
    store.tag(b, 't');
    expectCurrent();
    store.softDelete(a);
    expectCurrent();
    store.restore(a);
    store.close();
    // b, left running, becomes interrupted at the next writing open.
    store = RunStore.open(dir);
    expect(store.getRun(b).status).toBe('interrupted');
    expectCurrent();
    // Literal values: a's metrics as the table shows them (finite or NaN), its step, its learning rate.
    const columns = listNumberColumns(Buffer.from(blobsAndColumns()[0].blob, 'hex'));
    expect([...columns.tm_train_cost, ...columns.tm_test_cost, ...columns.tm_train_accuracy, ...columns.tm_test_accuracy]).toEqual([
      1.7976931348623157e308, 0, 5e-324, NaN,
    ]);
    expect([columns.tm_step[0], columns.hp_learning_rate[0], columns.hp_steps[0], columns.seq[0]]).toEqual([1, 1e-300, 7, 1]);
  });

  it('refuses latest metrics that are not those of the runs listed', () => {
    const keys = new Map([[1, 'train_cost']]);
    const one = nodeBytes([1, 1, 7, 0.5]); // one metric: key 1 at step 7, 0.5
    expect(latestMetricsOf(Buffer.concat([one, nodeBytes([0])]), 2, keys)).toEqual([{ train_cost: { value: 0.5, step: 7 } }, {}]);
    expect(() => latestMetricsOf(one, 2, keys)).toThrow("a listing's latest metrics (32 bytes) are not those of its 2 runs");
    expect(() => latestMetricsOf(one.subarray(0, 24), 1, keys)).toThrow("a listing's latest metrics (24 bytes) are not those of its 1 runs");
    expect(() => latestMetricsOf(nodeBytes([1, 2, 7, 0.5]), 1, keys)).toThrow("a run's latest metrics name metric key 2, which metric_keys does not hold");
  });

  it('refuses bytes that are not whole runs', () => {
    expect(listNumberColumns(new Uint8Array(0)).seq).toHaveLength(0);
    expect(() => listNumberColumns(new Uint8Array(LIST_NUMBERS_BYTES + 8))).toThrow(
      `a listing's numbers are ${LIST_NUMBERS_BYTES + 8} bytes, not a whole number of runs of ${LIST_NUMBERS_BYTES} bytes`,
    );
  });
});

describe('the columnar listing', () => {
  it('gives the rows’ runs for texts that need escaping, values at float64’s edges, and more runs than a page of tags', () => {
    const generator = 'line\nbreak <b>"x"</b> \\ ünï ✿';
    for (let i = 0; i < 620; i++) {
      const id = store.createRun({
        name: i % 3 === 0 ? `</script><script>alert("${i}")</script>` : `run ✿ ${i} 'q' "qq" \\ back`,
        config: JSON.stringify({ data: { train: { generator: i % 2 ? generator : 'moons' } }, train: { learning_rate: i === 5 ? 5e-324 : 10 ** (-i % 7) } }),
        tags: i % 7 === 0 ? ['seven', `t<${i % 3}>`] : [],
        notes: i % 5 === 0 ? `note\n${i} "quoted" <b>` : '',
      });
      store.startRun(id);
      if (i % 4 !== 0) {
        store.appendMetrics(id, [
          { step: i, key: 'train_cost', value: i === 7 ? 1.7976931348623157e308 : i % 11 === 0 ? NaN : 1 / (i + 1) },
          { step: i, key: 'test_accuracy', value: i % 13 === 0 ? Infinity : (i % 17) / 17 },
        ]);
      }
      if (i % 9 === 0 || i % 50 === 0) store.finishRun(id, i % 9 === 0 ? 'completed' : 'cancelled');
      if (i % 50 === 0) store.softDelete(id);
    }
    const rowsOf = (options: Parameters<RunStore['listRunColumns']>[0]) =>
      store.listRunTable(options).map((r) => {
        const { data, hidden, activation, optimizer, unit, learning_rate, steps } = r.hp;
        const { finishedAt: _f, updatedAt: _u, error: _e, hp: _h, ...rest } = r;
        return { ...rest, hp: { data, hidden, activation, optimizer, unit, learning_rate, steps } };
      });
    for (const options of [
      {},
      { deleted: 'include' as const },
      { deleted: 'only' as const },
      { sortBy: 'train_cost' },
      { sortBy: 'train_cost', order: 'desc' as const, offset: 300, limit: 250 },
      { sortBy: 'test_accuracy', order: 'desc' as const, tag: 'seven' },
      { sortBy: 'name', search: 'script' },
      { sortBy: 'hp.learning_rate', offset: 10, limit: 20 },
      { search: 'ünï' },
      { status: ['completed' as const], sortBy: 'duration' },
      { search: 'nothing matches this' },
    ]) {
      expect(tableRows(encodeColumns(store.listRunColumns(options))), JSON.stringify(options)).toEqual(rowsOf(options));
    }
    const all = store.listRunColumns({});
    expect(all.count).toBe(620 - 13);
    // Sorted by a table metric (read from the run row since schema 8), against a sort here:
    // finite values first by value, ties and the runs without one by creation, either way.
    const created = store.listRunTable({}).reverse();
    const rank = new Map(created.map((r, i) => [r.id, i]));
    for (const key of ['test_accuracy', 'train_cost'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const dir = order === 'asc' ? 1 : -1;
        const expected = [...created].sort((x, y) => {
          const [a, b] = [x.metrics[key], y.metrics[key]];
          const byCreation = dir * (rank.get(x.id)! - rank.get(y.id)!);
          if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0) || byCreation;
          return dir * (a - b) || byCreation;
        });
        expect(store.listRunTable({ sortBy: key, order }).map((r) => r.id), `${key} ${order}`).toEqual(expected.map((r) => r.id));
        expect(store.listRunColumns({ sortBy: key, order }).id, `${key} ${order}`).toEqual(expected.map((r) => r.id));
      }
    }
    // listRuns reads the same columns and the latest metrics' blobs: each run as getRun
    // gives it (from the run's own row and its `latest` JSON), in the rows' order.
    for (const options of [{}, { deleted: 'include' as const }, { sortBy: 'test_accuracy', order: 'desc' as const, offset: 100, limit: 400 }, { tag: 'seven', sortBy: 'name' }]) {
      const summaries = store.listRuns(options);
      expect(summaries.map((r) => r.id), JSON.stringify(options)).toEqual(store.listRunTable(options).map((r) => r.id));
      expect(summaries).toEqual(
        summaries.map((r) => {
          const { config: _c, summary: _s, hp: _h, owner: _o, weights: _w, ...run }: RunDetail = store.getRun(r.id);
          return run;
        }),
      );
    }
    expect(all.shared.values.some((v) => v.data === generator)).toBe(true);
  });

  it('walks an index for the default listing sorted by a field or a table metric (schema 7 and 8), either way, instead of sorting', () => {
    store.createRun({ name: 'r', config: '{}' });
    const db = new Database(path.join(dir, DB_FILE), { readonly: true });
    try {
      const indexed = ['name', 'status', 'started', 'finished', 'duration', 'hp.data', 'hp.hidden', 'hp.activation', 'hp.optimizer', 'hp.learning_rate', 'hp.steps',
        // The table's four metrics, on the run row (schema 8).
        'train_cost', 'test_cost', 'train_accuracy', 'test_accuracy'];
      for (const sortBy of indexed) {
        for (const order of ['asc', 'desc'] as const) {
          const part = listQuery({ sortBy, order }, () => undefined, TABLE_COLUMNS).parts[0];
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${part.sql.replace(PAGE, 'LIMIT -1 OFFSET 0')}`).all(...part.params) as { detail: string }[]).map((r) => r.detail);
          expect(plan.join(' | '), `${sortBy} ${order}`).toMatch(/USING (COVERING )?INDEX runs_sorted_by_/);
          expect(plan.join(' | '), `${sortBy} ${order}`).not.toContain('TEMP B-TREE');
        }
      }
    } finally {
      db.close();
    }
  });

  it('lists an empty store', () => {
    expect(store.listRunColumns()).toEqual({
      count: 0,
      id: [],
      name: [],
      notes: [],
      shared: { values: [], codes: [] },
      numbers: Object.fromEntries(
        ['createdAt', 'startedAt', 'durationMs', 'learning_rate', 'steps', 'train_cost', 'test_cost', 'train_accuracy', 'test_accuracy', 'step'].map((k) => [k, new Float64Array(0)]),
      ),
      tags: { rows: [], tags: [] },
    });
  });
});
