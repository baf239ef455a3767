// Metrics and predictions as CSV: quoting by RFC 4180 (checked by reading the
// text back with papaparse, a parser we did not write), numbers that round-trip,
// and the columns of a run's history and of a table of runs.
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { csvField, historyCsv, predictionsCsv, runsCsv, toCsv, type RunRecord } from '../../src-core/export';
import { Matrix } from '../../src-core/matrix';

const parse = (text: string): string[][] => {
  const result = Papa.parse<string[]>(text.replace(/\n$/, ''));
  expect(result.errors).toEqual([]);
  return result.data;
};

describe('CSV fields', () => {
  it('quotes commas, quotes, line breaks and edge spaces, and nothing else', () => {
    expect(csvField('plain name')).toBe('plain name');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField('')).toBe('');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
  });

  it('writes numbers that read back exactly, and NaN and infinities as pandas reads them', () => {
    for (const v of [0.1, 1 / 3, 1e-8, -2.5e300, 5e-324, 123456789012345680000]) expect(Number(csvField(v))).toBe(v);
    expect([NaN, Infinity, -Infinity].map(csvField)).toEqual(['NaN', 'inf', '-inf']);
  });

  it('round-trips awkward names through a real CSV parser', () => {
    const names = ['lr 0.1, 2 layers', 'the "best" run', 'multi\nline\r\nname', ' spaced ', 'ü ✓ 日本', '=1+1', ''];
    const text = toCsv(['name', 'n'], names.map((n, i) => [n, i]));
    expect(parse(text)).toEqual([['name', 'n'], ...names.map((n, i) => [n, String(i)])]);
  });
});

describe('historyCsv', () => {
  it('has one row per step and one column per metric, the usual ones first', () => {
    const text = historyCsv([
      { step: 100, key: 'train_cost', value: 0.5 },
      { step: 0, key: 'train_cost', value: 0.69 },
      { step: 0, key: 'zeta', value: 1 },
      { step: 0, key: 'learning_rate', value: 0.1 },
      { step: 100, key: 'learning_rate', value: 0.1 },
      { step: 0, key: 'train_accuracy', value: 0.5 },
      { step: 100, key: 'test_cost', value: NaN },
    ]);
    expect(text).toBe(
      ['step,train_cost,train_accuracy,test_cost,learning_rate,zeta', '0,0.69,0.5,,0.1,1', '100,0.5,,NaN,0.1,', ''].join('\n'),
    );
  });

  it('is a header alone for no points', () => {
    expect(historyCsv([])).toBe('step\n');
  });
});

describe('runsCsv', () => {
  const base: RunRecord = {
    id: 'r1',
    name: 'planar, "4 tanh", units',
    status: 'completed',
    sweepId: null,
    createdAt: Date.UTC(2024, 0, 2, 3, 4, 5),
    startedAt: Date.UTC(2024, 0, 2, 3, 4, 6),
    finishedAt: Date.UTC(2024, 0, 2, 3, 4, 8, 500),
    tags: ['a', 'b'],
    config: { model: { hidden: [4, 3], activation: 'tanh', output: 'sigmoid' }, train: { optimizer: 'adam', learning_rate: 0.01, iterations: 1000, l2: 0 }, precision: 'float64' },
    metrics: { train_cost: { value: 0.25, step: 999 }, train_accuracy: { value: 0.9, step: 999 } },
  };

  it('has identity, times, the hyperparameters that runs set and the latest metrics', () => {
    const other: RunRecord = { ...base, id: 'r2', name: 'sweep\ntrial', status: 'failed', sweepId: 's1', tags: [], startedAt: null, finishedAt: null, config: null, metrics: { test_cost: { value: Infinity, step: 3 } } };
    const rows = parse(runsCsv([base, other]));
    const header = rows[0];
    expect(header).toEqual([
      'id', 'name', 'status', 'sweep', 'tags', 'created', 'started', 'finished', 'duration_s',
      'hidden', 'activation', 'output', 'optimizer', 'learning_rate', 'iterations', 'l2', 'precision',
      'train_cost', 'train_accuracy', 'test_cost', 'train_cost_step', 'train_accuracy_step', 'test_cost_step',
    ]);
    const row = Object.fromEntries(header.map((h, i) => [h, rows[1][i]]));
    expect(row).toMatchObject({
      id: 'r1', name: 'planar, "4 tanh", units', sweep: '', tags: 'a b', created: '2024-01-02T03:04:05.000Z',
      duration_s: '2.5', hidden: '[4,3]', optimizer: 'adam', learning_rate: '0.01', l2: '0', train_cost: '0.25', train_cost_step: '999', test_cost: '',
    });
    const second = Object.fromEntries(header.map((h, i) => [h, rows[2][i]]));
    expect(second).toMatchObject({ name: 'sweep\ntrial', status: 'failed', sweep: 's1', started: '', duration_s: '', hidden: '', test_cost: 'inf', test_cost_step: '3' });
  });
});

describe('predictionsCsv', () => {
  it('gives one sigmoid output a probability and the predicted class name', () => {
    const A = Matrix.from(1, 3, [0.2, 0.5, 0.9]);
    expect(predictionsCsv(A, { output: 'sigmoid', classNames: ['cat', 'dog'], labels: [0, 1, 1] })).toBe(
      'example,probability,predicted,label\n0,0.2,cat,cat\n1,0.5,cat,dog\n2,0.9,dog,dog\n',
    );
  });

  it('gives softmax outputs a column per class and the argmax', () => {
    const A = Matrix.from(3, 2, [0.1, 0.7, 0.6, 0.2, 0.3, 0.1]);
    expect(predictionsCsv(A, { output: 'softmax', classNames: ['a', 'b,c', 'd'] })).toBe('example,p_a,"p_b,c",p_d,predicted\n0,0.1,0.6,0.3,b,c\n'.replace('b,c\n', '"b,c"\n') + '1,0.7,0.2,0.1,a\n');
  });

  it('gives linear outputs their values and no class', () => {
    expect(predictionsCsv(Matrix.from(2, 1, [1.5, -2]), { output: 'linear', classNames: null })).toBe('example,y0,y1\n0,1.5,-2\n');
    expect(predictionsCsv(Matrix.from(1, 1, [3]), { output: 'linear', classNames: null })).toBe('example,prediction\n0,3\n');
  });
});
