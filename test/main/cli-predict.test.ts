// `layerlab predict`: every model format (JSON, npz, safetensors, ONNX through
// onnxruntime) on every kind of data file gives the same predictions as the
// model itself, with accuracy when labels are given; bad input gives a message,
// never a stack trace; and without onnxruntime an ONNX model says how to get it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { exportJson, exportNpz, exportOnnx, exportSafetensors } from '../../src-core/export';
import { fromMatrix } from '../../src-core/io/ndarray';
import { writeNpy } from '../../src-core/io/npy';
import { writeNpz } from '../../src-core/io/npz';
import { Matrix } from '../../src-core/matrix';
import { applyPreprocessing } from '../../src-core/preprocess';
import { main } from '../../src-main/cli/main';
import { randomInputs, randomModel } from '../fixtures/export/models';

let dir: string;
let out: string[];
let err: string[];
const file = (name: string) => path.join(dir, name);

const model = randomModel({ sizes: [3, 5, 3], activations: ['tanh'], output: 'softmax', classNames: ['red', 'green', 'blue'], seed: 4, scale: 2 });
const m = 12;
const X = Matrix.from(3, m, randomInputs(3, m, 21, 3));
const expected = model.network.predict(applyPreprocessing(X, model.preprocessing));
const argmax = (j: number) => [0, 1, 2].reduce((best, i) => (expected.get(i, j) > expected.get(best, j) ? i : best), 0);
const labels = Array.from({ length: m }, (_, j) => (j % 4 === 0 ? (argmax(j) + 1) % 3 : argmax(j))); // 3 of 12 wrong

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-predict-'));
  writeFileSync(file('model.json'), exportJson(model));
  writeFileSync(file('model.npz'), exportNpz(model));
  writeFileSync(file('model.safetensors'), exportSafetensors(model));
  writeFileSync(file('model.onnx'), exportOnnx(model));
  writeFileSync(file('X.npy'), writeNpy(fromMatrix(X)));
  const rows = fromMatrix(X);
  const Xt = { dtype: 'float64' as const, shape: [m, 3], data: Float64Array.from({ length: 3 * m }, (_, k) => X.get(k % 3, Math.floor(k / 3))) };
  writeFileSync(file('Xt.npy'), writeNpy(Xt));
  writeFileSync(file('data.npz'), writeNpz({ X: rows, y: { dtype: 'int64', shape: [m], data: Float64Array.from(labels) } }));
  writeFileSync(file('y.npy'), writeNpy({ dtype: 'int64', shape: [1, m], data: Float64Array.from(labels) }));
  const csvRows = Array.from({ length: m }, (_, j) => [X.get(0, j), X.get(1, j), X.get(2, j)]);
  writeFileSync(file('X.csv'), Papa.unparse({ fields: ['a', 'b', 'c'], data: csvRows }));
  writeFileSync(file('labelled.csv'), Papa.unparse({ fields: ['a', 'b', 'c', 'colour'], data: csvRows.map((r, j) => [...r, model.classNames![labels[j]]]) }));
  writeFileSync(file('square.npy'), writeNpy({ dtype: 'float64', shape: [3, 3], data: new Float64Array(9) }));
  writeFileSync(file('bad.csv'), 'a,b,c\n1,2,3\n4,x,6\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

function readPredictions(csv: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = Papa.parse<string[]>(csv.trim()).data;
  return { header, rows };
}

function expectPredictions(csv: string, tol: number): void {
  const { header, rows } = readPredictions(csv);
  expect(header.slice(0, 5)).toEqual(['example', 'p_red', 'p_green', 'p_blue', 'predicted']);
  expect(rows).toHaveLength(m);
  rows.forEach((row, j) => {
    expect(Number(row[0])).toBe(j);
    for (let i = 0; i < 3; i++) expect(Math.abs(Number(row[1 + i]) - expected.get(i, j))).toBeLessThanOrEqual(tol);
    expect(row[4]).toBe(model.classNames![argmax(j)]);
  });
}

describe('layerlab predict', () => {
  it.each([
    ['model.json', 0],
    ['model.npz', 0],
    ['model.safetensors', 0],
    ['model.onnx', 1e-5],
  ])('predicts with %s, reporting accuracy against labels', async (name, tol) => {
    const target = file(`${name}.csv`);
    expect(await main(['predict', '--model', file(name), '--data', file('X.npy'), '--labels', file('y.npy'), '--out', target])).toBe(0);
    expectPredictions(readFileSync(target, 'utf8'), tol);
    expect(readPredictions(readFileSync(target, 'utf8')).header[5]).toBe('label');
    expect(out.join('\n')).toBe(`predicted ${m} examples with ${name} to ${target}\n  accuracy 75.00% (9 of 12)`);
  });

  it('finds the examples axis from the model: (m, n_x) arrays are transposed', async () => {
    const target = file('t.csv');
    expect(await main(['predict', '--model', file('model.json'), '--data', file('Xt.npy'), '--out', target])).toBe(0);
    expectPredictions(readFileSync(target, 'utf8'), 0);
  });

  it('reads an array by key from an .npz, labels too, and writes CSV to standard output', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    const code = await main(['predict', '--model', file('model.safetensors'), '--data', file('data.npz'), '--key', 'X', '--labels', file('data.npz'), '--labels-key', 'y']);
    expect(code).toBe(0);
    expectPredictions(written.join(''), 0);
    expect(err.join('\n')).toBe(`predicted ${m} examples with model.safetensors\n  accuracy 75.00% (9 of 12)`);
  });

  it('reads CSV data, with or without a label column of class names', async () => {
    const target = file('csv.csv');
    expect(await main(['predict', '--model', file('model.npz'), '--data', file('X.csv'), '--out', target])).toBe(0);
    expectPredictions(readFileSync(target, 'utf8'), 1e-12);
    expect(await main(['predict', '--model', file('model.npz'), '--data', file('labelled.csv'), '--label', 'colour', '--out', target])).toBe(0);
    expect(out.at(-1)).toContain('\n  accuracy 75.00% (9 of 12)');
    const { rows } = readPredictions(readFileSync(target, 'utf8'));
    expect(rows.map((r) => r[5])).toEqual(labels.map((c) => model.classNames![c]));
  });
});

describe('layerlab predict: errors', () => {
  const cases: [string, string[], number, string][] = [
    ['no model', ['--data', 'X.npy'], 2, '--model and --data are required'],
    ['bad axis', ['--model', 'model.json', '--data', 'X.npy', '--examples-axis', '2'], 2, '--examples-axis must be auto, rows (or 0) or columns (or -1'],
    ['missing model', ['--model', 'nope.json', '--data', 'X.npy'], 1, 'model: no such file:'],
    ['unknown model type', ['--model', 'X.csv', '--data', 'X.npy'], 1, "X.csv: unknown model file type '.csv' (expected .json, .npz, .safetensors, .onnx)"],
    ['model that is not one', ['--model', 'data.npz', '--data', 'X.npy'], 1, "data.npz has no 'layerlab_model' array"],
    ['missing data', ['--model', 'model.json', '--data', 'nope.npy'], 1, 'data: no such file:'],
    ['square data', ['--model', 'model.json', '--data', 'square.npy'], 1, 'square.npy has shape (3, 3): say whether examples are rows (--examples-axis rows) or columns (--examples-axis columns)'],
    ['wrong width', ['--model', 'model.json', '--data', 'y.npy'], 1, 'y.npy has shape (1, 12), but the model takes 3 features per example'],
    ['wrong width, axis given', ['--model', 'model.onnx', '--data', 'y.npy', '--examples-axis=-1'], 1, 'model.onnx takes 3 features per example, the data has 1'],
    ['bad CSV field', ['--model', 'model.json', '--data', 'bad.csv'], 1, "bad.csv row 3, column 'b': 'x' is not a finite number"],
    ['label for an array', ['--model', 'model.json', '--data', 'X.npy', '--label', 'y'], 1, '--label names a CSV column'],
    ['labels of another length', ['--model', 'model.json', '--data', 'Xt.npy', '--labels', 'square.npy'], 1, 'labels must have shape (1, m), (m, 1) or (m,)'],
  ];
  it.each(cases)('%s', async (_what, args, code, message) => {
    const full = args.map((a) => (/\.(json|npy|npz|csv|onnx|safetensors)$/.test(a) ? file(a) : a));
    expect(await main(['predict', ...full])).toBe(code);
    expect(err.join('\n')).toContain(message);
    expect(err.join('\n')).not.toContain('    at ');
  });
});

describe('layerlab predict without onnxruntime', () => {
  it('says how to install it, and predicts with the other formats', async () => {
    // Fresh modules: the runtime that earlier tests loaded is cached in the old ones.
    vi.resetModules();
    const { main } = await import('../../src-main/cli/main');
    const { onnxRuntimeLoader } = await import('../../src-main/models/onnx');
    const real = onnxRuntimeLoader.load;
    onnxRuntimeLoader.load = () => Promise.reject(Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    try {
      expect(await main(['predict', '--model', file('model.onnx'), '--data', file('X.npy')])).toBe(1);
      expect(err.join('\n')).toContain('predicting with an ONNX model needs onnxruntime-node, which is not installed');
      expect(err.join('\n')).toContain('ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node');
      expect(await main(['predict', '--model', file('model.json'), '--data', file('X.npy'), '--out', file('p.csv')])).toBe(0);
    } finally {
      onnxRuntimeLoader.load = real;
    }
    // And it loads again once it is there.
    expect(await main(['predict', '--model', file('model.onnx'), '--data', file('X.npy'), '--out', file('p.csv')])).toBe(0);
  });
});
