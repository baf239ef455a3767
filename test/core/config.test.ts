import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CONFIG_LIMITS,
  DEFAULT_ITERATIONS,
  GENERATOR_DEFAULT_NOISE,
  allFieldPaths,
  checkAtPath,
  dataSourceKind,
  formatIssues,
  layerActivations,
  layerKeepProbs,
  parseRunConfig,
  runConfigJsonSchema,
  schemaAtPath,
  type ConfigIssue,
  type RunConfig,
} from '../../src-core/config';

const root = new URL('../../', import.meta.url);
const readText = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The example of the contract (docs/config.md, examples/planar.json). */
const PLANAR = {
  name: 'planar flower, 4 tanh units',
  data: {
    train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' },
    test: null,
  },
  model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
  init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
  train: { optimizer: 'gd', learning_rate: 1.2, iterations: 10000, log_every: 1000 },
  precision: 'float64',
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function planar(): Doc {
  return structuredClone(PLANAR);
}

function parsed(value: unknown): RunConfig {
  const result = parseRunConfig(value);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.config;
}

function issuesOf(value: unknown): ConfigIssue[] {
  const result = parseRunConfig(value);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.issues;
}

describe('parseRunConfig on valid documents', () => {
  it('accepts the example and fills in every default', () => {
    expect(parsed(PLANAR)).toEqual({
      name: 'planar flower, 4 tanh units',
      data: {
        train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy', noise: 0.2 },
        test: null,
        split_seed: 0,
        normalize: 'none',
      },
      model: { hidden: [4], activation: 'tanh', output: 'sigmoid', leaky_slope: 0.01 },
      init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
      train: {
        optimizer: 'gd',
        learning_rate: 1.2,
        iterations: 10000,
        shuffle_seed: 0,
        log_every: 1000,
        l2: 0,
        keep_prob: 1,
        beta: 0.9,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
      },
      precision: 'float64',
    });
  });

  it('fills the defaults of a minimal document', () => {
    const config = parsed({
      data: { train: { generator: 'blobs', m: 50 } },
      model: { hidden: [] },
      train: { learning_rate: 0.1 },
    });
    expect(config.data.train).toEqual({
      generator: 'blobs',
      m: 50,
      seed: 0,
      rng: 'default',
      noise: GENERATOR_DEFAULT_NOISE.blobs,
      classes: 3,
    });
    expect(config.data.test).toBeNull();
    expect(config.model).toEqual({ hidden: [], activation: 'relu', output: 'sigmoid', leaky_slope: 0.01 });
    expect(config.init).toEqual({ method: 'xavier', scale: 0.01, seed: 0, rng: 'default' });
    expect(config.train.iterations).toBe(DEFAULT_ITERATIONS);
    expect(config.train.epochs).toBeUndefined();
    expect(config.train.optimizer).toBe('gd');
    expect(config.precision).toBe('float64');
  });

  it('keeps epochs and batch_size, and gives no iterations then', () => {
    const doc = planar();
    delete doc.train.iterations;
    doc.train.epochs = 5;
    doc.train.batch_size = 64;
    const { train } = parsed(doc);
    expect(train).toMatchObject({ epochs: 5, batch_size: 64 });
    expect('iterations' in train).toBe(false);
    doc.train = { learning_rate: 0.1, epochs: 3 };
    expect('batch_size' in parsed(doc).train).toBe(false);
  });

  it('reads file and CSV sources, normalising examples_axis 1 to -1', () => {
    const doc = planar();
    doc.data.train = {
      x: { file: 'X.npy' },
      y: { file: 'data.npz', key: 'Y' },
      examples_axis: 1,
      labels: ['non-cat', 'cat'],
    };
    doc.data.test = { csv: { file: 'test.csv', label: 'y' } };
    const { data } = parsed(doc);
    expect(data.train).toEqual({
      x: { file: 'X.npy' },
      y: { file: 'data.npz', key: 'Y' },
      examples_axis: -1,
      scale: 1,
      non_finite: 'error',
      labels: ['non-cat', 'cat'],
    });
    expect(data.test).toEqual({ csv: { file: 'test.csv', label: 'y', header: 'auto', non_finite: 'error' } });
    expect(dataSourceKind(data.train)).toBe('files');
    expect(dataSourceKind(data.test!)).toBe('csv');
    expect(dataSourceKind(parsed(PLANAR).data.train)).toBe('generator');
  });

  it('accepts the optional sections: decay, early stopping, dropout per layer, $schema', () => {
    const doc = planar();
    doc.$schema = '../resources/schemas/run-config.schema.json';
    doc.model.hidden = [8, 4];
    doc.model.activations = ['relu', 'tanh'];
    doc.data.test_fraction = 0.25;
    doc.data.test = null;
    doc.train.keep_prob = [0.8, 1];
    doc.train.decay = { type: 'exponential', rate: 0.95 };
    doc.train.early_stopping = { metric: 'test_accuracy', patience: 3 };
    const config = parsed(doc);
    expect(config.train.decay).toEqual({ type: 'exponential', rate: 0.95, interval: 1 });
    expect(config.train.early_stopping).toEqual({
      metric: 'test_accuracy',
      patience: 3,
      min_delta: 0,
      restore_best: true,
    });
    expect(layerActivations(config.model)).toEqual(['relu', 'tanh']);
    expect(layerKeepProbs(config)).toEqual([0.8, 1]);
    const plain = parsed(PLANAR);
    expect(layerActivations(plain.model)).toEqual(['tanh']);
    expect(layerKeepProbs(plain)).toEqual([1]);
  });

  it('accepts softmax with classes, and logistic regression with no hidden layer', () => {
    const doc = planar();
    doc.data.train = { generator: 'blobs', m: 90, classes: 3 };
    doc.model = { hidden: [], output: 'softmax', classes: 3 };
    doc.train.keep_prob = [];
    expect(parsed(doc).model.classes).toBe(3);
  });

  it('gives back a config that parses to itself, so stored configs can be re-read', () => {
    for (const name of exampleFiles()) {
      const config = parsed(JSON.parse(readText(`examples/${name}`)));
      expect(parsed(JSON.parse(JSON.stringify(config))), name).toEqual(config);
    }
  });
});

/** One bad document each, and the one issue it must give. */
const BAD: { what: string; edit: (doc: Doc) => unknown; path: string; message: string | RegExp }[] = [
  // train
  { what: 'zero learning rate', edit: (d) => (d.train.learning_rate = 0), path: 'train.learning_rate', message: 'must be > 0' },
  { what: 'missing learning rate', edit: (d) => delete d.train.learning_rate, path: 'train.learning_rate', message: 'is required' },
  { what: 'huge learning rate', edit: (d) => (d.train.learning_rate = 2e6), path: 'train.learning_rate', message: 'must be <= 1000000' },
  { what: 'learning rate as a string', edit: (d) => (d.train.learning_rate = '0.1'), path: 'train.learning_rate', message: 'must be a number; got "0.1"' },
  { what: 'a typo in a field name', edit: (d) => { d.train.learning_rte = 1; }, path: 'train.learning_rte', message: 'unknown field; did you mean "learning_rate"?' },
  { what: 'a field in the wrong section', edit: (d) => { d.l2 = 0.1; }, path: 'l2', message: 'unknown field; did you mean train.l2?' },
  { what: 'an unknown field', edit: (d) => { d.model.colour = 'red'; }, path: 'model.colour', message: 'unknown field' },
  { what: 'fractional iterations', edit: (d) => (d.train.iterations = 10.5), path: 'train.iterations', message: 'must be an integer; got 10.5' },
  { what: 'too many iterations', edit: (d) => (d.train.iterations = 1e9), path: 'train.iterations', message: 'must be <= 100000000' },
  { what: 'both iterations and epochs', edit: (d) => (d.train.epochs = 10), path: 'train.epochs', message: /^cannot be combined with train.iterations/ },
  { what: 'batch_size with iterations', edit: (d) => (d.train.batch_size = 64), path: 'train.batch_size', message: /use epochs instead of iterations/ },
  { what: 'batch_size without epochs', edit: (d) => { delete d.train.iterations; d.train.batch_size = 64; }, path: 'train.batch_size', message: /^needs train.epochs/ },
  { what: 'zero batch_size', edit: (d) => { delete d.train.iterations; d.train.epochs = 2; d.train.batch_size = 0; }, path: 'train.batch_size', message: 'must be >= 1' },
  { what: 'zero log_every', edit: (d) => (d.train.log_every = 0), path: 'train.log_every', message: 'must be >= 1' },
  { what: 'negative l2', edit: (d) => (d.train.l2 = -1), path: 'train.l2', message: 'must be >= 0' },
  { what: 'keep_prob 0', edit: (d) => (d.train.keep_prob = 0), path: 'train.keep_prob', message: 'must be > 0' },
  { what: 'keep_prob above 1 in a list', edit: (d) => (d.train.keep_prob = [1.5]), path: 'train.keep_prob[0]', message: 'must be <= 1' },
  { what: 'keep_prob of the wrong type', edit: (d) => (d.train.keep_prob = 'half'), path: 'train.keep_prob', message: 'must be a number in (0, 1] or a list of them, one per hidden layer; got "half"' },
  { what: 'keep_prob list longer than hidden', edit: (d) => (d.train.keep_prob = [0.5, 0.5]), path: 'train.keep_prob', message: 'must have one entry per hidden layer: model.hidden has 1 layer, keep_prob has 2 entries' },
  { what: 'beta2 of 1', edit: (d) => (d.train.beta2 = 1), path: 'train.beta2', message: 'must be < 1' },
  { what: 'negative beta', edit: (d) => (d.train.beta = -0.1), path: 'train.beta', message: 'must be >= 0' },
  { what: 'zero epsilon', edit: (d) => (d.train.epsilon = 0), path: 'train.epsilon', message: 'must be > 0' },
  { what: 'unknown optimizer', edit: (d) => (d.train.optimizer = 'sgd'), path: 'train.optimizer', message: 'must be one of gd, momentum, rmsprop, adam; got "sgd"' },
  { what: 'unknown decay type', edit: (d) => (d.train.decay = { type: 'step', rate: 0.5 }), path: 'train.decay.type', message: 'must be one of inverse_time, exponential; got "step"' },
  { what: 'decay without a type', edit: (d) => (d.train.decay = { rate: 0.5 }), path: 'train.decay.type', message: 'is required: one of inverse_time, exponential' },
  { what: 'exponential decay rate above 1', edit: (d) => (d.train.decay = { type: 'exponential', rate: 1.5 }), path: 'train.decay.rate', message: 'must be <= 1' },
  { what: 'inverse_time decay with a negative rate', edit: (d) => (d.train.decay = { type: 'inverse_time', rate: -1 }), path: 'train.decay.rate', message: 'must be >= 0' },
  { what: 'decay interval 0', edit: (d) => (d.train.decay = { type: 'inverse_time', rate: 1, interval: 0 }), path: 'train.decay.interval', message: 'must be >= 1' },
  { what: 'early stopping on a test metric without a test set', edit: (d) => (d.train.early_stopping = { metric: 'test_cost', patience: 5 }), path: 'train.early_stopping.metric', message: '"test_cost" needs a test set: give data.test or data.test_fraction' },
  { what: 'early stopping without patience', edit: (d) => (d.train.early_stopping = { metric: 'train_cost' }), path: 'train.early_stopping.patience', message: 'is required' },
  { what: 'early stopping with an unknown metric', edit: (d) => (d.train.early_stopping = { metric: 'loss', patience: 2 }), path: 'train.early_stopping.metric', message: 'must be one of test_cost, test_accuracy, train_cost, train_accuracy; got "loss"' },
  { what: 'restore_best not a boolean', edit: (d) => (d.train.early_stopping = { metric: 'train_cost', patience: 2, restore_best: 'yes' }), path: 'train.early_stopping.restore_best', message: 'must be true or false; got "yes"' },
  // model
  { what: 'a misspelt activation', edit: (d) => (d.model.activation = 'tanhh'), path: 'model.activation', message: 'must be one of sigmoid, tanh, relu, leaky_relu; got "tanhh"' },
  { what: 'a zero-unit layer', edit: (d) => (d.model.hidden = [4, 0]), path: 'model.hidden[1]', message: 'must be >= 1' },
  { what: 'a fractional layer size', edit: (d) => (d.model.hidden = [2.5]), path: 'model.hidden[0]', message: 'must be an integer; got 2.5' },
  { what: 'a huge layer', edit: (d) => (d.model.hidden = [200000]), path: 'model.hidden[0]', message: 'must be <= 100000' },
  { what: 'hidden not a list', edit: (d) => (d.model.hidden = 4), path: 'model.hidden', message: 'must be a list (JSON array); got 4' },
  { what: 'too many hidden layers', edit: (d) => { d.model.hidden = Array(101).fill(2); d.train.keep_prob = 1; }, path: 'model.hidden', message: 'must have at most 100 items' },
  { what: 'activations shorter than hidden', edit: (d) => { d.model.hidden = [4, 3]; d.model.activations = ['relu']; }, path: 'model.activations', message: 'must have one entry per hidden layer: model.hidden has 2 layers, activations has 1 entry' },
  { what: 'classes without softmax', edit: (d) => (d.model.classes = 2), path: 'model.classes', message: 'is only for output "softmax"; got output "sigmoid"' },
  { what: 'one class', edit: (d) => { d.model.output = 'softmax'; d.model.classes = 1; }, path: 'model.classes', message: 'must be >= 2' },
  { what: 'leaky slope of 1', edit: (d) => (d.model.leaky_slope = 1), path: 'model.leaky_slope', message: 'must be < 1' },
  { what: 'missing model', edit: (d) => delete d.model, path: 'model', message: 'is required' },
  // init
  { what: 'method file without a file', edit: (d) => (d.init = { method: 'file' }), path: 'init.file', message: 'is required when init.method is "file"' },
  { what: 'a file with another method', edit: (d) => (d.init.file = 'weights.npz'), path: 'init.file', message: 'is only used with init.method "file"; got method "normal"' },
  { what: 'a seed beyond 2^32 - 1', edit: (d) => (d.init.seed = 2 ** 32), path: 'init.seed', message: 'must be <= 4294967295' },
  { what: 'a negative seed', edit: (d) => (d.init.seed = -1), path: 'init.seed', message: 'must be >= 0' },
  { what: 'zero init scale', edit: (d) => (d.init.scale = 0), path: 'init.scale', message: 'must be > 0' },
  { what: 'an unknown rng', edit: (d) => (d.init.rng = 'mt'), path: 'init.rng', message: 'must be one of numpy, default; got "mt"' },
  // data
  { what: 'an unknown generator', edit: (d) => (d.data.train.generator = 'spirals'), path: 'data.train.generator', message: 'must be one of planar, circles, moons, blobs, gaussian_quantiles, xor, spiral, gaussian; got "spirals"' },
  { what: 'zero examples', edit: (d) => (d.data.train.m = 0), path: 'data.train.m', message: 'must be >= 1' },
  { what: 'negative noise', edit: (d) => (d.data.train.noise = -0.1), path: 'data.train.noise', message: 'must be >= 0' },
  { what: 'a typo in a generator field', edit: (d) => (d.data.train.noize = 0.1), path: 'data.train.noize', message: 'unknown field; did you mean "noise"?' },
  { what: 'classes for a generator without classes', edit: (d) => (d.data.train.classes = 3), path: 'data.train.classes', message: 'only the blobs and gaussian_quantiles generators take classes; got generator "planar"' },
  { what: 'eleven generator classes', edit: (d) => (d.data.train = { generator: 'blobs', m: 10, classes: 11 }), path: 'data.train.classes', message: 'must be <= 10' },
  { what: 'a source of no known kind', edit: (d) => (d.data.train = { generater: 'planar', m: 5 }), path: 'data.train', message: 'must be a data source: {"generator", "m"}, files {"x", "y"} or {"csv"}; got an object with keys "generater", "m"' },
  { what: 'a source that is not an object', edit: (d) => (d.data.test = 'test.csv'), path: 'data.test', message: 'must be a data source: {"generator", "m"}, files {"x", "y"} or {"csv"}; got "test.csv"' },
  { what: 'files without y', edit: (d) => (d.data.train = { x: { file: 'X.npy' } }), path: 'data.train.y', message: 'is required' },
  { what: 'an empty file path', edit: (d) => (d.data.train = { x: { file: '' }, y: { file: 'Y.npy' } }), path: 'data.train.x.file', message: 'must not be empty' },
  { what: 'examples_axis 2', edit: (d) => (d.data.train = { x: { file: 'X.npy' }, y: { file: 'Y.npy' }, examples_axis: 2 }), path: 'data.train.examples_axis', message: 'must be one of -1, 0, 1; got 2' },
  { what: 'a zero scale', edit: (d) => (d.data.train = { x: { file: 'X.npy' }, y: { file: 'Y.npy' }, scale: 0 }), path: 'data.train.scale', message: 'must be > 0' },
  { what: 'a CSV header of the wrong kind', edit: (d) => (d.data.train = { csv: { file: 'a.csv', label: 'y', header: 'yes' } }), path: 'data.train.csv.header', message: 'must be one of true, false, auto; got "yes"' },
  { what: 'a CSV without label', edit: (d) => (d.data.train = { csv: { file: 'a.csv' } }), path: 'data.train.csv.label', message: 'is required' },
  { what: 'a CSV label among the features', edit: (d) => (d.data.train = { csv: { file: 'a.csv', label: 'y', features: ['x1', 'y'] } }), path: 'data.train.csv.features[1]', message: 'is the label column "y"; a column cannot be both' },
  { what: 'test together with test_fraction', edit: (d) => { d.data.test = { generator: 'planar', m: 100 }; d.data.test_fraction = 0.2; }, path: 'data.test_fraction', message: /^cannot be combined with data.test/ },
  { what: 'test_fraction of 1', edit: (d) => (d.data.test_fraction = 1), path: 'data.test_fraction', message: 'must be < 1' },
  { what: 'an unknown normalisation', edit: (d) => (d.data.normalize = 'minmax'), path: 'data.normalize', message: 'must be one of none, standardize; got "minmax"' },
  // top level
  { what: 'an unknown precision', edit: (d) => (d.precision = 'float16'), path: 'precision', message: 'must be one of float64, float32; got "float16"' },
  { what: 'a name that is not a string', edit: (d) => (d.name = 5), path: 'name', message: 'must be a string; got 5' },
];

describe('parseRunConfig on bad documents', () => {
  it('has a case for every rule', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BAD)('$what → $path', ({ edit, path, message }) => {
    const doc = planar();
    edit(doc);
    const issues = issuesOf(doc);
    expect(issues, formatIssues(issues)).toHaveLength(1);
    expect(issues[0].path).toBe(path);
    if (typeof message === 'string') expect(issues[0].message).toBe(message);
    else expect(issues[0].message).toMatch(message);
  });

  it('reports every problem of a document at once, cross-field rules included', () => {
    const doc = planar();
    doc.train.learning_rte = 0.1;
    doc.train.learning_rate = -1;
    doc.model.activation = 'tanhh';
    doc.model.hidden = [4, 0];
    doc.model.activations = ['relu'];
    doc.train.epochs = 3;
    doc.train.early_stopping = { metric: 'test_cost', patience: 2 };
    doc.iterations = 10;
    doc.data.train.m = 1.5;
    const issues = issuesOf(doc);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'train.learning_rte', message: 'unknown field; did you mean "learning_rate"?' },
        { path: 'train.learning_rate', message: 'must be > 0' },
        { path: 'model.activation', message: 'must be one of sigmoid, tanh, relu, leaky_relu; got "tanhh"' },
        { path: 'model.hidden[1]', message: 'must be >= 1' },
        { path: 'model.activations', message: 'must have one entry per hidden layer: model.hidden has 2 layers, activations has 1 entry' },
        { path: 'train.epochs', message: expect.stringMatching(/^cannot be combined/) },
        { path: 'train.early_stopping.metric', message: expect.stringMatching(/needs a test set/) },
        { path: 'iterations', message: 'unknown field; did you mean train.iterations?' },
        { path: 'data.train.m', message: 'must be an integer; got 1.5' },
      ]),
    );
    expect(issues).toHaveLength(9);
  });

  it('names each missing section', () => {
    expect(issuesOf({})).toEqual([
      { path: 'data', message: 'is required' },
      { path: 'model', message: 'is required' },
      { path: 'train', message: 'is required' },
    ]);
  });

  it('rejects a document that is not an object, and never throws', () => {
    expect(issuesOf([])).toEqual([{ path: '', message: 'must be an object; got a list' }]);
    expect(issuesOf(null)).toEqual([{ path: '', message: 'must be an object; got null' }]);
    expect(issuesOf(undefined)).toEqual([{ path: '', message: 'is required' }]);
    const hostile = planar();
    Object.defineProperty(hostile.train, 'learning_rate', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(() => parseRunConfig(hostile)).not.toThrow();
    expect(parseRunConfig(hostile).ok).toBe(false);
    expect(parseRunConfig({ data: 10n, model: Symbol('m'), train: () => 1 }).ok).toBe(false);
  });
});

describe('formatIssues', () => {
  const issues = [
    { path: 'train.learning_rate', message: 'must be > 0' },
    { path: '', message: 'must be an object; got a list' },
  ];

  it('writes one line per issue, prefixed with the source', () => {
    expect(formatIssues(issues, 'planar.json')).toBe(
      'planar.json: train.learning_rate: must be > 0\nplanar.json: must be an object; got a list',
    );
  });

  it('leaves out a missing source', () => {
    expect(formatIssues(issues)).toBe('train.learning_rate: must be > 0\nmust be an object; got a list');
    expect(formatIssues([])).toBe('');
  });
});

/** The run configurations in examples/ (sweep specs, sweep-*.json, are tested with the sweep spec). */
function exampleFiles(): string[] {
  return readdirSync(new URL('examples/', root)).filter((name) => name.endsWith('.json') && !name.startsWith('sweep-'));
}

describe('the examples/ folder', () => {
  it('holds the three documented examples', () => {
    expect(exampleFiles()).toEqual(expect.arrayContaining(['planar.json', 'deep-cat.json', 'moons-adam.json']));
  });

  it.each(exampleFiles())('%s validates', (name) => {
    const result = parseRunConfig(JSON.parse(readText(`examples/${name}`)));
    expect(result.ok ? '' : formatIssues(result.issues, name)).toBe('');
  });

  it('planar.json is the example of the contract', () => {
    expect(JSON.parse(readText('examples/planar.json'))).toEqual(PLANAR);
  });

  it('deep-cat.json is the course\'s 4-layer cat net', () => {
    const config = parsed(JSON.parse(readText('examples/deep-cat.json')));
    expect(config.model.hidden).toEqual([20, 7, 5]);
    expect(config.data.train).toMatchObject({ x: { key: 'train_set_x' }, y: { key: 'train_set_y' }, scale: 1 / 255 });
    expect(config.data.test).toMatchObject({ x: { key: 'test_set_x' }, y: { key: 'test_set_y' }, scale: 1 / 255 });
    expect(config.train).toMatchObject({ optimizer: 'gd', learning_rate: 0.0075, iterations: 2500, log_every: 100 });
  });
});

describe('the published JSON Schema', () => {
  const file = 'resources/schemas/run-config.schema.json';

  it('is current: the committed file is what the schema produces now (npm run schemas)', () => {
    expect(readText(file)).toBe(`${JSON.stringify(runConfigJsonSchema(), null, 2)}\n`);
  });

  it('is draft 2020-12, strict, and requires data, model and train', () => {
    const schema = runConfigJsonSchema() as Record<string, unknown>;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['data', 'model', 'train']);
    const train = (schema.properties as Record<string, Record<string, unknown>>).train;
    expect(train.required).toEqual(['learning_rate']);
    const rate = (train.properties as Record<string, Record<string, unknown>>).learning_rate;
    expect(rate).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: CONFIG_LIMITS.maxLearningRate });
    const iterations = (train.properties as Record<string, Record<string, unknown>>).iterations;
    expect(iterations).toMatchObject({ type: 'integer', minimum: 1, maximum: 1e8 });
  });
});

describe('schemaAtPath and checkAtPath', () => {
  it('finds the schema of a field by its dotted path', () => {
    expect(schemaAtPath('train.learning_rate')!.safeParse(0.5).success).toBe(true);
    expect(schemaAtPath('train.learning_rate')!.safeParse(0).success).toBe(false);
    expect(schemaAtPath('model.hidden')!.safeParse([4, 3]).success).toBe(true);
    expect(schemaAtPath('model.hidden')!.safeParse([4, 0]).success).toBe(false);
    expect(schemaAtPath('model.hidden[0]')!.safeParse(7).success).toBe(true);
    expect(schemaAtPath('model.activation')!.safeParse('tanh').success).toBe(true);
    expect(schemaAtPath('data.train.m')!.safeParse(100).success).toBe(true);
    expect(schemaAtPath('init.seed')!.safeParse(2 ** 32).success).toBe(false);
  });

  it('combines the branches of a union that have the field', () => {
    const rate = schemaAtPath('train.decay.rate')!;
    expect(rate.safeParse(5).success).toBe(true); // an inverse_time rate
    expect(rate.safeParse(-1).success).toBe(false);
  });

  it('returns the whole schema for "" and undefined for what is not a field', () => {
    expect(schemaAtPath('')!.safeParse(PLANAR).success).toBe(true);
    expect(schemaAtPath('train.learning_rte')).toBeUndefined();
    expect(schemaAtPath('model.hidden.activation')).toBeUndefined();
    expect(schemaAtPath('train..l2')).toBeUndefined();
  });

  it('checks one value with the messages of parseRunConfig', () => {
    expect(checkAtPath('train.learning_rate', 0.01)).toEqual([]);
    expect(checkAtPath('train.learning_rate', 0)).toEqual([{ path: 'train.learning_rate', message: 'must be > 0' }]);
    expect(checkAtPath('model.hidden', [4, 1.5])).toEqual([
      { path: 'model.hidden[1]', message: 'must be an integer; got 1.5' },
    ]);
    expect(checkAtPath('train.learnig_rate', 1)).toEqual([
      { path: 'train.learnig_rate', message: 'is not a field of the run configuration' },
    ]);
  });
});

describe('docs/config.md', () => {
  it('documents every field', () => {
    const docs = readText('docs/config.md');
    // Sections have rows by full path; the fields of a data source, a decay and early
    // stopping have rows by their own name in their tables.
    const nested = /^(data\.train|data\.test|train\.decay|train\.early_stopping)\./;
    const missing = allFieldPaths()
      .map((path) => (nested.test(path) ? path.split('.').pop()! : path))
      .filter((name) => !docs.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
