// `layerlab export`: a trained run's model in each format, read back by the
// format's own reader and predicting as the run's model does; its history and
// the table of runs as CSV; and every usage error with its message and exit code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Papa from 'papaparse';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { decodeOnnx, importSafetensors, modelFromNpz } from '../../src-core/export';
import { readNpz } from '../../src-core/io/npz';
import { Matrix } from '../../src-core/matrix';
import { type LoadedModel, modelFromJson } from '../../src-core/model-file';
import { applyPreprocessing } from '../../src-core/preprocess';
import { main } from '../../src-main/cli/main';
import { RunStore } from '../../src-main/store';

let dir: string;
let store: string;
let runId: string;
let out: string[];
let err: string[];

const config = {
  name: 'moons, "3 relu", standardized',
  data: { train: { generator: 'moons', m: 120, seed: 3, noise: 0.1 }, test: null, normalize: 'standardize' },
  model: { hidden: [3], activation: 'relu', output: 'softmax' },
  init: { method: 'he', seed: 1 },
  train: { optimizer: 'adam', learning_rate: 0.01, iterations: 60, log_every: 20 },
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-export-'));
  store = path.join(dir, 'store');
  const file = path.join(dir, 'moons.json');
  writeFileSync(file, JSON.stringify(config));
  const json = path.join(dir, 'result.json');
  vi.spyOn(console, 'log').mockImplementation(() => {});
  expect(await main(['train', file, '--store', store, '--json', json, '--quiet'])).toBe(0);
  vi.restoreAllMocks();
  runId = JSON.parse(readFileSync(json, 'utf8')).id;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
});
afterEach(() => vi.restoreAllMocks());

function storedModel(): LoadedModel {
  const s = RunStore.open(store, { readonly: true });
  try {
    return modelFromJson(JSON.parse(new TextDecoder().decode(s.loadWeights(runId)!.bytes)));
  } finally {
    s.close();
  }
}

const X = Matrix.from(2, 5, [-1, 0, 0.5, 1, 2, 0.5, -0.5, 0, 1, -1]);
const predict = (m: LoadedModel) => Array.from(m.network.predict(applyPreprocessing(X, m.preprocessing)).data);

describe('layerlab export RUN_ID', () => {
  const readers: [string, (bytes: Uint8Array) => LoadedModel][] = [
    ['json', (b) => modelFromJson(JSON.parse(new TextDecoder().decode(b)))],
    ['npz', (b) => modelFromNpz(readNpz(b))],
    ['safetensors', (b) => importSafetensors(b)],
  ];
  it.each(readers)('writes %s that reads back as the run model, predicting the same', async (format, read) => {
    const file = path.join(dir, `model.${format}`);
    expect(await main(['export', runId, '--format', format, '--out', file, '--store', store])).toBe(0);
    expect(out[0]).toBe(`wrote the model of run ${runId} (${config.name}) as ${format} to ${file}`);
    const back = read(new Uint8Array(readFileSync(file)));
    const original = storedModel();
    expect(back.preprocessing.standardize).not.toBeNull();
    expect(back.preprocessing).toEqual(original.preprocessing);
    expect(back.network.architecture).toEqual(original.network.architecture);
    expect(predict(back)).toEqual(predict(original));
  });

  it('tells the format from the extension, and accepts a unique prefix of the run id', async () => {
    const file = path.join(dir, 'by-extension.onnx');
    expect(await main(['export', runId.slice(0, 6), '--out', file, '--store', store])).toBe(0);
    const proto = decodeOnnx(new Uint8Array(readFileSync(file)));
    expect(proto.producer_name).toBe('layerlab');
    expect(proto.producer_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(proto.graph.node.map((n) => n.op_type)).toEqual(['Sub', 'Div', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
  });

  it("writes the run's history as CSV, one row per logged step", async () => {
    const file = path.join(dir, 'history.csv');
    expect(await main(['export', runId, '--format', 'csv', '--out', file, '--store', store])).toBe(0);
    const rows = Papa.parse<string[]>(readFileSync(file, 'utf8').trim()).data;
    expect(rows[0]).toEqual(['step', 'train_cost', 'train_accuracy', 'learning_rate']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(['0', '20', '40', '59']);
    expect(Number(rows[1][1])).toBeGreaterThan(0);
  });

  it('writes text formats to standard output with --out -', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    expect(await main(['export', runId, '--format', 'json', '--out', '-', '--store', store])).toBe(0);
    expect(JSON.parse(written.join('')).format).toBe('layerlab-model');
    expect(out).toEqual([]);
  });
});

describe('continuing training from an export', () => {
  it.each(['json', 'npz', 'safetensors'])('starts a run from the %s export where the first run ended', async (format) => {
    const weights = path.join(dir, `resume.${format}`);
    expect(await main(['export', runId, '--out', weights, '--store', store])).toBe(0);
    const first = JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8'));
    const resumed = { ...config, name: `resumed from ${format}`, init: { method: 'file', file: weights }, train: { ...config.train, iterations: 1 } };
    const file = path.join(dir, `resume-${format}.json`);
    writeFileSync(file, JSON.stringify(resumed));
    const json = path.join(dir, `resume-${format}-result.json`);
    expect(await main(['train', file, '--store', store, '--json', json, '--quiet'])).toBe(0);
    const second = JSON.parse(readFileSync(json, 'utf8'));
    // The same data and standardization, the exported weights: the cost before the first update is the first run's final cost.
    expect(second.history[0].cost).toBeCloseTo(first.final.train_cost, 12);
  });

  it('names the layer and both shapes when the weights do not fit the config', async () => {
    const weights = path.join(dir, 'resume.safetensors');
    expect(await main(['export', runId, '--out', weights, '--store', store])).toBe(0);
    const wider = { ...config, model: { ...config.model, hidden: [4] }, init: { method: 'file', file: weights } };
    const file = path.join(dir, 'wider.json');
    writeFileSync(file, JSON.stringify(wider));
    const json = path.join(dir, 'wider-result.json');
    expect(await main(['train', file, '--store', store, '--json', json, '--quiet'])).toBe(1);
    expect(JSON.parse(readFileSync(json, 'utf8')).reason).toBe('W1: expected shape (4, 2), got (3, 2)');
  });
});

describe('layerlab export --runs', () => {
  it('writes the table of runs, with hyperparameters and latest metrics, filtered like runs list', async () => {
    const file = path.join(dir, 'runs.csv');
    expect(await main(['export', '--runs', '--out', file, '--store', store])).toBe(0);
    expect(out[0]).toMatch(new RegExp(`^wrote a table of \\d+ runs? to ${file}$`));
    const [header, ...rows] = Papa.parse<string[]>(readFileSync(file, 'utf8').trim()).data;
    const row = rows.find((r) => r[0] === runId)!;
    const get = (k: string) => row[header.indexOf(k)];
    expect(get('id')).toBe(runId);
    expect(get('name')).toBe(config.name);
    expect(get('status')).toBe('completed');
    expect(get('hidden')).toBe('[3]');
    expect(get('optimizer')).toBe('adam');
    expect(get('normalize')).toBe('standardize');
    // A finished run's latest metrics are its final evaluation, after the 60th iteration.
    expect(get('train_cost_step')).toBe('60');
    expect(Number(get('duration_s'))).toBeGreaterThanOrEqual(0);
    expect(await main(['export', '--runs', '--search', 'no run has this name', '--out', file, '--store', store])).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')[1]).toBe('');
  });
});

describe('layerlab export: errors', () => {
  const cases: [string, string[], number, string][] = [
    ['no --out', ['RUN'], 2, '--out FILE is required'],
    ['unknown format', ['RUN', '--format', 'pickle', '--out', 'x'], 2, "--format must be one of json, npz, safetensors, onnx, csv; got 'pickle'"],
    ['format not from extension', ['RUN', '--out', 'model.bin'], 2, "it cannot be told from 'model.bin'"],
    ['two runs', ['a', 'b', '--out', 'x.json'], 2, 'usage: layerlab export'],
    ['--runs with a run', ['--runs', 'a', '--out', 'x.csv'], 2, '--runs exports every run: give no RUN_ID'],
    ['--runs as npz', ['--runs', '--out', 'x.npz'], 2, '--runs exports a table of runs, which is CSV; got --format npz'],
    ['binary to stdout', ['RUN', '--format', 'onnx', '--out', '-'], 2, 'which is for text formats (json, csv), not onnx'],
    ['unknown run', ['nosuchrun', '--out', 'x.json'], 1, 'nosuchrun'],
  ];
  it.each(cases)('%s', async (_what, args, code, message) => {
    const full = args.map((a) => (a === 'RUN' ? runId : a.startsWith('x.') ? path.join(dir, a) : a));
    expect(await main(['export', ...full, '--store', store])).toBe(code);
    expect(err.join('\n')).toContain(message);
  });

  it('names a folder that does not exist', async () => {
    const file = path.join(dir, 'missing', 'm.json');
    expect(await main(['export', runId, '--out', file, '--store', store])).toBe(1);
    expect(err.join('\n')).toContain(`cannot write ${file}: its folder does not exist`);
  });

  it('says when a run has no saved model', async () => {
    const s = RunStore.open(store);
    const id = s.createRun({ name: 'queued', config: '{}' });
    s.close();
    expect(await main(['export', id, '--out', path.join(dir, 'q.json'), '--store', store])).toBe(1);
    expect(err.join('\n')).toContain(`run ${id} (queued) has no saved model: it is queued`);
    expect(await main(['export', id, '--out', path.join(dir, 'q.csv'), '--store', store])).toBe(1);
    expect(err.join('\n')).toContain(`run ${id} (queued) has logged no metrics yet`);
  });
});
