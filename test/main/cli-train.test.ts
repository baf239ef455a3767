import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src-main/cli/main';
import { RunStore } from '../../src-main/store';
import { writeNpy } from '../../src-core/io/npy';

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-train-'));
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

function writeConfig(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

const planar = {
  name: 'planar flower, 4 tanh units',
  data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' }, test: null },
  model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
  init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
  train: { optimizer: 'gd', learning_rate: 1.2, iterations: 3000, log_every: 1000 },
  precision: 'float64',
};

describe('layerlab train', () => {
  it('trains, prints the course costs, stores the run and writes the result JSON', async () => {
    const store = path.join(dir, 'store');
    const json = path.join(dir, 'result.json');
    const code = await main(['train', writeConfig('planar.json', planar), '--store', store, '--json', json]);
    expect(code).toBe(0);
    expect(out[0]).toBe('Cost after iteration 0: 0.693048  (train accuracy 59.75%)');
    expect(out.some((l) => l.startsWith('Cost after iteration 1000: 0.288083'))).toBe(true);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.status).toBe('completed');
    expect(result.history.map((h: { iteration: number }) => h.iteration)).toEqual([0, 1000, 2000, 2999]);
    expect(result.history[0].cost).toBeCloseTo(0.6930480201239823, 14);
    expect(Object.keys(result.final).sort()).toEqual(['test_accuracy', 'test_cost', 'train_accuracy', 'train_cost']);
    expect(result.final.train_accuracy).toBeGreaterThan(0.85);
    expect(result.final.train_accuracy).toBeLessThanOrEqual(1);
    expect(result.duration_ms).toBeGreaterThan(0);

    const s = RunStore.open(store, { readonly: true });
    const run = s.getRun(result.id);
    expect(run.status).toBe('completed');
    expect(run.name).toBe('planar flower, 4 tanh units');
    // The listing shows the final evaluation, after the 3000th update; the history as logged.
    expect(run.metrics.train_cost).toEqual({ value: result.final.train_cost, step: 3000 });
    expect(run.metrics.train_accuracy).toEqual({ value: result.final.train_accuracy, step: 3000 });
    expect(s.listRunTable({ ids: [result.id] })[0].metrics).toEqual({ ...result.final, step: 3000 });
    expect(s.history(result.id, 'train_cost').map((p) => p.step)).toEqual([0, 1000, 2000, 2999]);
    const model = JSON.parse(new TextDecoder().decode(s.loadWeights(result.id)!.bytes));
    expect(model.format).toBe('layerlab-model');
    expect(model.weights.W1).toHaveLength(4);
    s.close();
  });

  it('reports every config error with its path and exits 2', async () => {
    const bad = { ...planar, train: { ...planar.train, learning_rate: -1, iterations: 0 } };
    const code = await main(['train', writeConfig('bad.json', bad), '--store', path.join(dir, 's')]);
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('bad.json: train.learning_rate: must be > 0');
    expect(err.join('\n')).toContain('bad.json: train.iterations:');
  });

  it('names the line of a JSON syntax error', async () => {
    const code = await main(['train', writeConfig('broken.json', '{\n  "name": "x",\n  "data": ,\n}'), '--store', path.join(dir, 's')]);
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('broken.json: not valid JSON: value expected at line 3, column 11');
  });

  it('records a run whose data file is missing as failed, naming the file', async () => {
    const cfg = { ...planar, data: { train: { x: { file: 'nope.npy' }, y: { file: 'y.npy' } } } };
    const store = path.join(dir, 'store');
    const code = await main(['train', writeConfig('files.json', cfg), '--store', store]);
    expect(code).toBe(1);
    expect(err.join('\n')).toContain(`data.train.x: no such file: ${path.join(dir, 'nope.npy')}`);
    const s = RunStore.open(store, { readonly: true });
    const [run] = s.listRuns();
    expect(run.status).toBe('failed');
    expect(run.error).toContain('no such file');
    s.close();
  });

  it('trains from .npy files relative to the config file', async () => {
    const m = 40;
    const X = new Float64Array(2 * m);
    const Y = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      X[j] = Math.cos(j);
      X[m + j] = Math.sin(j * 3);
      Y[j] = X[j] > 0 ? 1 : 0;
    }
    writeFileSync(path.join(dir, 'X.npy'), writeNpy({ dtype: 'float64', shape: [2, m], data: X }));
    writeFileSync(path.join(dir, 'Y.npy'), writeNpy({ dtype: 'float64', shape: [1, m], data: Y }));
    const cfg = { data: { train: { x: { file: 'X.npy' }, y: { file: 'Y.npy' } } }, model: { hidden: [3] }, train: { learning_rate: 0.5, iterations: 200 } };
    const json = path.join(dir, 'r.json');
    expect(await main(['train', writeConfig('files.json', cfg), '--store', path.join(dir, 's'), '--json', json, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).final.train_accuracy).toBeGreaterThan(0.9);
  });

  it('rejects NaN in the data by default, naming where, and drops those examples when asked', async () => {
    const m = 30;
    const X = Float64Array.from({ length: 2 * m }, (_, i) => Math.sin(i));
    X[7] = NaN;
    const Y = Float64Array.from({ length: m }, (_, j) => (X[j] > 0 ? 1 : 0));
    writeFileSync(path.join(dir, 'Xn.npy'), writeNpy({ dtype: 'float64', shape: [2, m], data: X }));
    writeFileSync(path.join(dir, 'Yn.npy'), writeNpy({ dtype: 'float64', shape: [1, m], data: Y }));
    const source = { x: { file: 'Xn.npy' }, y: { file: 'Yn.npy' } };
    const base = { model: { hidden: [2] }, train: { learning_rate: 0.1, iterations: 5 } };
    expect(await main(['train', writeConfig('nan.json', { ...base, data: { train: source } }), '--store', path.join(dir, 's'), '--quiet'])).toBe(1);
    expect(err.join('\n')).toMatch(/Xn\.npy.*NaN/);
    const json = path.join(dir, 'r.json');
    const drop = { ...base, data: { train: { ...source, non_finite: 'drop' } } };
    expect(await main(['train', writeConfig('drop.json', drop), '--store', path.join(dir, 's'), '--quiet', '--json', json])).toBe(0);
    expect(JSON.parse(readFileSync(json, 'utf8')).status).toBe('completed');
  });

  it('exits 3 when the run diverges, keeping it in the store', async () => {
    const cfg = { ...planar, model: { hidden: [4], activation: 'relu', output: 'linear' }, init: { method: 'normal', scale: 1, seed: 1 }, train: { learning_rate: 1e6, iterations: 50, log_every: 1 } };
    const json = path.join(dir, 'r.json');
    expect(await main(['train', writeConfig('d.json', cfg), '--store', path.join(dir, 's'), '--json', json, '--quiet'])).toBe(3);
    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(result.status).toBe('diverged');
    expect(result.reason).toMatch(/the cost became/);
  });
});

describe('layerlab gradcheck', () => {
  it('prints the difference per parameter and passes for the planar net', async () => {
    const cfg = { ...planar, init: { method: 'normal', scale: 1, seed: 2, rng: 'numpy' } };
    const code = await main(['gradcheck', writeConfig('g.json', cfg)]);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/W1\s+8\s+8\s+\d\.\d+e-\d+\s+ok/);
    expect(out.join('\n')).toMatch(/overall\s+\d\.\d+e-\d+\s+ok/);
  });
});

describe('the layerlab bin', () => {
  it('runs from a checkout with no build step', () => {
    const file = writeConfig('small.json', { ...planar, train: { ...planar.train, iterations: 10, log_every: 5 } });
    const text = execFileSync(process.execPath, ['bin/layerlab.mjs', 'train', file, '--store', path.join(dir, 'bin-store')], { encoding: 'utf8' });
    expect(text).toContain('Cost after iteration 0: 0.693048');
    expect(text).toContain('completed');
  });

  it('exits 2 with usage for an unknown command', () => {
    try {
      execFileSync(process.execPath, ['bin/layerlab.mjs', 'nope'], { encoding: 'utf8', stdio: 'pipe' });
      expect.unreachable();
    } catch (error) {
      const e = error as { status: number; stderr: string };
      expect(e.status).toBe(2);
      expect(e.stderr).toContain("unknown command 'nope'");
    }
  });
});
