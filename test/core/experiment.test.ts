import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../../src-core/config';
import { prepareExperiment, runExperiment, type ExperimentFiles } from '../../src-core/experiment';
import { Matrix } from '../../src-core/matrix';
import { modelFromJson, modelToJson } from '../../src-core/model-file';
import { applyPreprocessing, splitIndices } from '../../src-core/preprocess';
import { expectClose, loadFixture, type FixtureMatrix } from '../helpers/fixtures';

const noFiles: ExperimentFiles = {
  loadData: () => Promise.reject(new Error('no files in this test')),
};

function config(input: RunConfigInput): RunConfig {
  const r = parseRunConfig(input);
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return r.config;
}

const planar = config({
  data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' }, test: null },
  model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
  init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
  train: { optimizer: 'gd', learning_rate: 1.2, iterations: 2000, log_every: 1000 },
});

describe('a run configuration becomes the course experiment', () => {
  it('draws W1 and W2 as np.random.seed(2); randn(4, 2) * 0.01; randn(1, 4) * 0.01', async () => {
    const fx = loadFixture<{ planar_course: { initial_params: Record<string, FixtureMatrix>; costs_every_1000: number[] } }>('core/core_fixtures.json');
    const prepared = await prepareExperiment(planar, noFiles);
    for (const p of prepared.network.parameters()) {
      expect(Array.from(p.value.data), p.name).toEqual(fx.planar_course.initial_params[p.name].data);
    }
    const result = await runExperiment(prepared);
    expect(result.status).toBe('completed');
    expectClose(result.history.slice(0, 2).map((h) => h.cost), fx.planar_course.costs_every_1000.slice(0, 2), 1e-12, 'costs');
    expect(result.final.train_accuracy).toBeGreaterThan(0.85);
    expect(result.final.test_cost).toBeNull();
    expect(result.classification?.set).toBe('train');
    expect(result.classification?.confusion_matrix.flat().reduce((a, b) => a + b)).toBe(400);
  });

  it('splits off a stratified test set and standardizes on train only', async () => {
    const c = config({
      data: { train: { generator: 'blobs', m: 300, seed: 4, classes: 3 }, test_fraction: 0.2, split_seed: 7, normalize: 'standardize' },
      model: { hidden: [8], activation: 'relu', output: 'softmax' },
      train: { optimizer: 'adam', learning_rate: 0.01, epochs: 20, batch_size: 32, log_every: 5 },
    });
    const prepared = await prepareExperiment(c, noFiles);
    expect(prepared.classes).toBe(3);
    expect(prepared.data.X.cols).toBe(240);
    expect(prepared.data.Xtest!.cols).toBe(60);
    expect(prepared.data.Y.rows).toBe(3); // one-hot
    // Standardized train features have mean 0 and variance 1; test ones only roughly.
    for (let i = 0; i < 2; i++) {
      const row = Array.from(prepared.data.X.data.subarray(i * 240, (i + 1) * 240));
      const mean = row.reduce((a, b) => a + b) / 240;
      const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 240;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(variance).toBeCloseTo(1, 12);
    }
    // Stratified: each class keeps its share in the test set.
    const perClass = [0, 0, 0];
    for (let j = 0; j < 60; j++) for (let k = 0; k < 3; k++) perClass[k] += prepared.data.Ytest!.get(k, j);
    expect(perClass.every((n) => n >= 19 && n <= 21)).toBe(true);
    const result = await runExperiment(prepared);
    expect(result.final.test_accuracy).toBeGreaterThan(0.8);
    expect(result.history.at(-1)!.test_accuracy).toBeDefined();
  });

  it('refuses labels a sigmoid output cannot represent', async () => {
    const c = config({ data: { train: { generator: 'blobs', m: 50, classes: 3 } }, model: { hidden: [], output: 'sigmoid' }, train: { learning_rate: 0.1 } });
    await expect(prepareExperiment(c, noFiles)).rejects.toThrow('model.output "sigmoid" needs labels 0 and 1, but the data has labels up to 2: use output "softmax"');
  });
});

describe('continuing from saved weights', () => {
  it('keeps the standardization the weights were trained with instead of refitting it', async () => {
    const first = config({
      data: { train: { generator: 'moons', m: 200, seed: 1 }, normalize: 'standardize' },
      model: { hidden: [4], activation: 'tanh' },
      train: { learning_rate: 0.5, iterations: 30 },
    });
    const a = await prepareExperiment(first, noFiles);
    await runExperiment(a);
    const saved = { W: a.network.W, b: a.network.b, preprocessing: a.preprocessing };
    const again = config({
      data: { train: { generator: 'moons', m: 50, seed: 9 }, normalize: 'standardize' },
      model: { hidden: [4], activation: 'tanh' },
      init: { method: 'file', file: 'model.json' },
      train: { learning_rate: 0.5, iterations: 1 },
    });
    const b = await prepareExperiment(again, { ...noFiles, loadWeights: async () => saved });
    expect(b.preprocessing.standardize).toEqual(a.preprocessing.standardize);
    expect(Array.from(b.network.W[0].data)).toEqual(Array.from(a.network.W[0].data));
  });
});

describe('the model file', () => {
  it('round-trips weights, preprocessing and class names, and predicts the same', async () => {
    const c = config({
      data: { train: { generator: 'moons', m: 100, seed: 3 }, normalize: 'standardize' },
      model: { hidden: [5, 3], activations: ['tanh', 'leaky_relu'], output: 'sigmoid', leaky_slope: 0.05 },
      train: { learning_rate: 0.5, iterations: 50 },
    });
    const prepared = await prepareExperiment(c, noFiles);
    await runExperiment(prepared);
    const json = JSON.parse(JSON.stringify(modelToJson(prepared.network, { preprocessing: prepared.preprocessing, classNames: ['a', 'b'], config: c, leakySlope: 0.05 })));
    const loaded = modelFromJson(json, 'moons.json');
    expect(loaded.classNames).toEqual(['a', 'b']);
    const raw = Matrix.fromRows([[0.1, 1.5, -0.7], [0.3, -0.2, 0.9]]);
    const a = prepared.network.predict(applyPreprocessing(raw, prepared.preprocessing));
    const b = loaded.network.predict(applyPreprocessing(raw, loaded.preprocessing));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it('names the layer and both shapes on a mismatch, and rejects foreign or newer files', () => {
    const net = { format: 'layerlab-model', version: 1, architecture: { sizes: [2, 1], activations: [], output: 'sigmoid' }, weights: { W1: [[1, 2, 3]], b1: [[0]] } };
    expect(() => modelFromJson(net, 'm.json')).toThrow('m.json: W1 has shape (1, 3), the architecture needs (1, 2)');
    expect(() => modelFromJson({ hello: 1 }, 'x.json')).toThrow('x.json is not a Layerlab model');
    expect(() => modelFromJson({ ...net, version: 99 }, 'm.json')).toThrow('version 99');
  });
});

describe('splitIndices', () => {
  it('is deterministic per seed, disjoint and complete', () => {
    const labels = Int32Array.from({ length: 101 }, (_, j) => j % 2);
    const a = splitIndices(101, labels, 0.3, 5, 'default');
    const b = splitIndices(101, labels, 0.3, 5, 'default');
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(new Set([...a.train, ...a.test]).size).toBe(101);
    expect(a.test.length).toBe(Math.round(0.3 * 51) + Math.round(0.3 * 50));
  });
});
