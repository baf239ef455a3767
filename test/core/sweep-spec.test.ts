import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatIssues, parseRunConfig, type ConfigIssue } from '../../src-core/config';
import {
  SWEEP_LIMITS,
  configKey,
  formatParams,
  getAtPath,
  parseSweepSpec,
  setAtPath,
  sweepSpecJsonSchema,
  type SweepParseOptions,
  type SweepPlan,
} from '../../src-core/sweep-spec';

const root = new URL('../../', import.meta.url);
const readText = (path: string) => readFileSync(new URL(path, root), 'utf8');

const BASE = {
  data: { train: { generator: 'planar', m: 100, seed: 1, rng: 'numpy' } },
  model: { hidden: [4], activation: 'tanh' },
  init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
  train: { learning_rate: 1.2, iterations: 200, log_every: 50 },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function spec(extra: Doc): Doc {
  return { base: structuredClone(BASE), ...extra };
}

function plan(value: unknown, options?: SweepParseOptions): SweepPlan {
  const result = parseSweepSpec(value, options);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.plan;
}

function issues(value: unknown): ConfigIssue[] {
  const result = parseSweepSpec(value);
  if (result.ok) throw new Error('expected the spec to be rejected');
  return result.issues;
}

function lines(value: unknown): string[] {
  return issues(value).map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
}

describe('the example spec', () => {
  it("expands the course's hidden-layer sweep into its seven trials", () => {
    const p = plan(JSON.parse(readText('examples/sweep-planar-hidden.json')));
    expect(p.trials.map((t) => t.config.model.hidden)).toEqual([[1], [2], [3], [4], [5], [20], [50]]);
    expect(p.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p.trials[0].config).toMatchObject({
      name: 'planar flower: hidden layer size: hidden=[1]',
      model: { activation: 'tanh', output: 'sigmoid' },
      train: { learning_rate: 1.2, iterations: 5000 },
      data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' } },
    });
    expect(p.trials[4].params).toEqual({ 'model.hidden': [5] });
    expect(p.metric).toEqual({ name: 'train_accuracy', goal: 'maximize' });
    expect(p.duplicates).toEqual([]);
  });
});

describe('grid expansion', () => {
  it('takes the cartesian product, the last parameter fastest', () => {
    const p = plan(spec({ parameters: { 'model.hidden': [[1], [2]], 'train.learning_rate': [0.1, 0.5, 1] } }));
    expect(p.trials.map((t) => [t.config.model.hidden[0], t.config.train.learning_rate])).toEqual([
      [1, 0.1], [1, 0.5], [1, 1], [2, 0.1], [2, 0.5], [2, 1],
    ]);
    expect(p.trials[5].config.name).toBe('sweep: hidden=[2] learning_rate=1');
  });

  it('takes every integer of an int_uniform and the values of a values distribution', () => {
    const p = plan(spec({
      parameters: {
        'model.hidden[0]': { distribution: 'int_uniform', min: 2, max: 4 },
        'model.activation': { distribution: 'values', values: ['tanh', 'relu'] },
      },
    }));
    expect(p.trials.map((t) => `${t.config.model.hidden[0]}${t.config.model.activation}`)).toEqual([
      '2tanh', '2relu', '3tanh', '3relu', '4tanh', '4relu',
    ]);
  });

  it('sets a whole object at a path, such as the data source', () => {
    const p = plan(spec({
      parameters: { 'data.train': [{ generator: 'moons', m: 50 }, { generator: 'circles', m: 60 }] },
    }));
    expect(p.trials.map((t) => ('generator' in t.config.data.train ? t.config.data.train.generator : ''))).toEqual(['moons', 'circles']);
    expect(p.trials[0].config.data.train).toMatchObject({ noise: 0.2, seed: 0 });
  });

  it('runs repeats with init.seed + r and train.shuffle_seed + r, every point before the next repeat', () => {
    const p = plan(spec({ parameters: { 'model.hidden': [[1], [2]] }, repeats: 3 }));
    expect(p.trials.map((t) => [t.config.model.hidden[0], t.repeat, t.config.init.seed, t.config.train.shuffle_seed])).toEqual([
      [1, 0, 2, 0], [2, 0, 2, 0],
      [1, 1, 3, 1], [2, 1, 3, 1],
      [1, 2, 4, 2], [2, 2, 4, 2],
    ]);
    expect(p.trials[3].config.name).toBe('sweep: hidden=[2] #1');
  });

  it('wraps repeated seeds at 2^32', () => {
    const base = structuredClone(BASE) as Doc;
    base.init.seed = 4294967295;
    const p = plan({ base, parameters: {}, repeats: 2 });
    expect(p.trials.map((t) => t.config.init.seed)).toEqual([4294967295, 0]);
  });

  it('keeps identical trial configs once, and says which trial they duplicate', () => {
    const p = plan(spec({
      parameters: { 'model.activation': ['tanh', 'relu', 'tanh'], 'init.seed': [2, 3] },
      repeats: 2,
    }));
    // tanh/2/r1 has init.seed 3 and shuffle_seed 1: not tanh/3/r0, whose shuffle_seed is 0.
    expect(p.trials).toHaveLength(8);
    expect(p.duplicates).toHaveLength(4);
    expect(p.duplicates[0]).toEqual({ params: { 'model.activation': 'tanh', 'init.seed': 2 }, repeat: 0, sameAs: 0 });
    expect(new Set(p.trials.map((t) => t.key)).size).toBe(8);
  });

  it('counts a value equal to the default as the same config', () => {
    const p = plan(spec({ parameters: { 'train.optimizer': ['gd'], 'train.l2': [0, 0.0, 1e-9] } }));
    expect(p.trials.map((t) => t.config.train.l2)).toEqual([0, 1e-9]);
    const q = plan(spec({ parameters: { 'train.log_every': [100, 50] } }));
    expect(q.trials).toHaveLength(2);
    const base = structuredClone(BASE) as Doc;
    delete base.train.log_every;
    expect(plan({ base, parameters: { 'train.log_every': [100, 50, 100] } }).trials.map((t) => t.config.train.log_every)).toEqual([100, 50]);
  });

  it('compares configs after mapConfig, which can resolve file paths', () => {
    const base = structuredClone(BASE) as Doc;
    base.data.train = { x: { file: 'x.npy' }, y: { file: 'y.npy' } };
    const p = plan(
      { base, parameters: { 'data.train.x.file': ['x.npy', './x.npy', 'other.npy'] } },
      {
        mapConfig: (c) => {
          const train = c.data.train as { x: { file: string } };
          return { ...c, data: { ...c.data, train: { ...train, x: { file: train.x.file.replace(/^\.\//, '/data/') .replace(/^(?!\/)/, '/data/') } } } } as typeof c;
        },
      },
    );
    expect(p.trials.map((t) => (t.config.data.train as { x: { file: string } }).x.file)).toEqual(['/data/x.npy', '/data/other.npy']);
    expect(p.duplicates).toHaveLength(1);
  });

  it('lets the base leave out what the parameters set', () => {
    const base = structuredClone(BASE) as Doc;
    delete base.train.learning_rate;
    const p = plan({ base, parameters: { 'train.learning_rate': [0.5, 1] } });
    expect(p.trials.map((t) => t.config.train.learning_rate)).toEqual([0.5, 1]);
  });

  it('gives trial configs that parse back to themselves, so stored configs stay valid', () => {
    const p = plan(spec({ parameters: { 'model.hidden': [[3, 2]], 'train.decay': [{ type: 'exponential', rate: 0.9 }] } }));
    const config = p.trials[0].config;
    const again = parseRunConfig(JSON.parse(JSON.stringify(config)));
    expect(again.ok && again.config).toEqual(config);
  });
});

describe('random expansion', () => {
  const random = (extra: Doc = {}) =>
    spec({
      method: 'random',
      count: 40,
      parameters: {
        'train.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1 },
        'train.l2': { distribution: 'uniform', min: 0, max: 0.5 },
        'model.hidden[0]': { distribution: 'int_uniform', min: 1, max: 5 },
        'model.activation': ['tanh', 'relu', 'sigmoid'],
      },
      ...extra,
    });

  it('draws within the bounds, integers for int_uniform', () => {
    const p = plan(random());
    expect(p.trials).toHaveLength(40);
    for (const t of p.trials) {
      expect(t.config.train.learning_rate).toBeGreaterThanOrEqual(1e-4);
      expect(t.config.train.learning_rate).toBeLessThanOrEqual(1);
      expect(t.config.train.l2).toBeGreaterThanOrEqual(0);
      expect(t.config.train.l2).toBeLessThanOrEqual(0.5);
      expect(Number.isInteger(t.config.model.hidden[0])).toBe(true);
      expect(['tanh', 'relu', 'sigmoid']).toContain(t.config.model.activation);
    }
    expect(new Set(p.trials.map((t) => t.config.model.hidden[0]))).toEqual(new Set([1, 2, 3, 4, 5]));
    // Log-uniform: about as many draws below 0.01 as above.
    const small = p.trials.filter((t) => t.config.train.learning_rate < 0.01).length;
    expect(small).toBeGreaterThan(10);
    expect(small).toBeLessThan(30);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = plan(random()).trials.map((t) => t.params);
    expect(plan(random()).trials.map((t) => t.params)).toEqual(a);
    expect(plan(random({ seed: 1 })).trials.map((t) => t.params)).not.toEqual(a);
  });

  it('drops duplicate draws', () => {
    const p = plan(spec({ method: 'random', count: 30, parameters: { 'model.activation': ['tanh', 'relu'] } }));
    expect(p.trials).toHaveLength(2);
    expect(p.duplicates).toHaveLength(28);
  });
});

describe('metric', () => {
  it('defaults to test_cost with a test set, else train_cost; the goal follows the metric', () => {
    expect(plan(spec({ parameters: { 'model.hidden': [[2]] } })).metric).toEqual({ name: 'train_cost', goal: 'minimize' });
    const base = structuredClone(BASE) as Doc;
    base.data.test_fraction = 0.2;
    expect(plan({ base, parameters: { 'model.hidden': [[2]] } }).metric).toEqual({ name: 'test_cost', goal: 'minimize' });
    expect(plan({ base, parameters: { 'model.hidden': [[2]] }, metric: 'test_accuracy' }).metric).toEqual({ name: 'test_accuracy', goal: 'maximize' });
    expect(plan({ base, parameters: { 'model.hidden': [[2]] }, metric: 'test_accuracy', goal: 'minimize' }).metric.goal).toBe('minimize');
  });

  it('refuses a test metric when a trial has no test set', () => {
    expect(lines(spec({ parameters: { 'model.hidden': [[2]] }, metric: 'test_cost' }))).toEqual([
      'metric: "test_cost" needs a test set in every trial; trial (model.hidden=[2]) has none: give base.data.test or base.data.test_fraction',
    ]);
  });
});

describe('validation, every problem with its path', () => {
  it('checks each grid value against the field at its path', () => {
    expect(lines(spec({ parameters: { 'train.learning_rate': [0.1, 1, -1, 'x'], 'model.hidden': [[4, 0], [2]] } }))).toEqual([
      'parameters["train.learning_rate"][2]: must be > 0',
      'parameters["train.learning_rate"][3]: must be a number; got "x"',
      'parameters["model.hidden"][0][1]: must be >= 1',
    ]);
  });

  it('checks values distributions and bounds of continuous ones', () => {
    expect(lines(spec({
      method: 'random',
      count: 3,
      parameters: {
        'model.activation': { distribution: 'values', values: ['tanh', 'swish'] },
        'train.learning_rate': { distribution: 'uniform', min: -1, max: 1 },
        'train.l2': { distribution: 'uniform', min: 0.5, max: 0.1 },
        'train.beta': { distribution: 'log_uniform', min: 0, max: 0.9 },
        'init.seed': { distribution: 'uniform', min: 1, max: 10 },
        'model.hidden[0]': { distribution: 'int_uniform', min: 1.5, max: 3 },
      },
    }))).toEqual(expect.arrayContaining([
      'parameters["model.activation"].values[1]: must be one of sigmoid, tanh, relu, leaky_relu; got "swish"',
      'parameters["train.learning_rate"].min: must be > 0',
      'parameters["train.l2"].max: must be > min (0.5)',
      'parameters["train.beta"].min: must be > 0',
      'parameters["init.seed"].distribution: "init.seed" takes whole numbers: use "int_uniform"',
      'parameters["model.hidden[0]"].min: must be an integer; got 1.5',
    ]));
  });

  it('names an unknown path and suggests the nearest field', () => {
    expect(lines(spec({ parameters: { 'model.hiden': [[1]], 'train.learning_rte': [1], 'train.nope': [1] } }))).toEqual([
      'parameters["model.hiden"]: is not a field of the run configuration; did you mean model.hidden?',
      'parameters["train.learning_rte"]: is not a field of the run configuration; did you mean train.learning_rate?',
      'parameters["train.nope"]: is not a field of the run configuration',
    ]);
  });

  it('refuses paths that do not change training, and overlapping paths', () => {
    expect(lines(spec({ parameters: { name: ['a', 'b'], 'model.hidden': [[1]], 'model.hidden[0]': [2] } }))).toEqual([
      'parameters["name"]: "name" does not change what is trained; it cannot be swept',
      'parameters["model.hidden[0]"]: lies inside "model.hidden", which is swept too; vary one or the other',
    ]);
  });

  it('refuses a continuous distribution in a grid, and a grid too large', () => {
    expect(lines(spec({ parameters: { 'train.learning_rate': { distribution: 'log_uniform', min: 1e-4, max: 1 } } }))).toEqual([
      'parameters["train.learning_rate"].distribution: "log_uniform" draws values, so it needs method "random"; a grid takes a list of values',
    ]);
    const big = Array.from({ length: 1000 }, (_, i) => i);
    expect(lines(spec({ parameters: { 'init.seed': big, 'train.shuffle_seed': big }, repeats: 2 }))).toEqual([
      `parameters: make 2,000,000 trials; a sweep has at most ${SWEEP_LIMITS.maxTrials.toLocaleString('en-US')}`,
    ]);
  });

  it('checks the spec itself: method, count, repeats, metric, early stopping, unknown fields', () => {
    const found = lines({
      base: BASE,
      method: 'bayes',
      repeats: 0,
      concurrency: 1.5,
      metric: 'accuracy',
      goal: 'max',
      parameters: { 'model.hidden': 3, 'train.learning_rate': { distribution: 'normal', mean: 0 } },
      early_stopping: { rule: 'asha', grace_period: 0, reduction_factor: 1 },
      model: { hidden: [3] },
      sweeep: 1,
    });
    expect(found).toEqual(expect.arrayContaining([
      'method: must be one of grid, random; got "bayes"',
      'repeats: must be >= 1',
      'concurrency: must be an integer; got 1.5',
      'metric: must be one of test_cost, test_accuracy, train_cost, train_accuracy; got "accuracy"',
      'goal: must be one of minimize, maximize; got "max"',
      expect.stringMatching(/^parameters\["model.hidden"\]: must be a list of values or a distribution .*; got 3$/),
      'parameters["train.learning_rate"].distribution: must be one of values, uniform, log_uniform, int_uniform; got "normal"',
      'early_stopping.grace_period: must be >= 1',
      'early_stopping.reduction_factor: must be > 1',
      'model: unknown field; run configuration fields go in "base"; a sweep spec has name, base, base_dir, method, count, parameters, repeats, seed, concurrency, max_failures, metric, goal, early_stopping',
      expect.stringMatching(/^sweeep: unknown field; a sweep spec has name, base/),
    ]));
  });

  it('needs count with random and refuses it with grid; needs a base', () => {
    expect(lines(spec({ method: 'random', parameters: { 'model.hidden': [[1]] } }))).toEqual([
      'count: is required with method "random": how many points to draw',
    ]);
    expect(lines(spec({ count: 3, parameters: { 'model.hidden': [[1]] } }))).toEqual([
      'count: is only for method "random"; a grid runs every combination',
    ]);
    expect(lines({ parameters: { 'model.hidden': [[1]] } })).toEqual(['base: is required']);
    expect(lines(spec({ parameters: {} }))).toEqual(['parameters: is empty: name at least one config path to vary (or set repeats)']);
    expect(lines('nope')).toEqual(['must be an object; got "nope"']);
  });

  it('reports the base with "base." paths, leaving swept fields to the parameters', () => {
    const base = structuredClone(BASE) as Doc;
    base.train.learning_rate = -1;
    base.model.hidden = 'four';
    base.train.momentum = 0.9;
    expect(lines({ base, parameters: { 'model.hidden': [[1]] } })).toEqual([
      'base.train.learning_rate: must be > 0',
      'base.train.momentum: unknown field',
    ]);
    const empty = lines({ base: {}, parameters: { 'train.learning_rate': [1] } });
    expect(empty).toEqual(expect.arrayContaining(['base.data: is required', 'base.model: is required']));
  });

  it('reports a problem of a combination once, with the first trial that has it', () => {
    const base = structuredClone(BASE) as Doc;
    base.model.activations = ['tanh'];
    expect(lines({ base, parameters: { 'model.hidden': [[3], [3, 3], [2, 2]], 'train.l2': [0, 0.1] } })).toEqual([
      'trial (model.hidden=[3, 3] train.l2=0): model.activations: must have one entry per hidden layer: model.hidden has 2 layers, activations has 1 entry (and 3 more trials)',
    ]);
  });
});

describe('paths and identity', () => {
  it('sets and gets values at dotted paths, creating what is missing', () => {
    const doc: Doc = { model: { hidden: [4] } };
    setAtPath(doc, 'model.hidden[1]', 3);
    setAtPath(doc, 'train.decay.rate', 0.5);
    setAtPath(doc, 'model.activations.0', 'relu');
    expect(doc).toEqual({ model: { hidden: [4, 3], activations: ['relu'] }, train: { decay: { rate: 0.5 } } });
    expect(getAtPath(doc, 'model.hidden[1]')).toBe(3);
    expect(getAtPath(doc, 'train.decay.rate')).toBe(0.5);
    expect(getAtPath(doc, 'data.train.m')).toBeUndefined();
  });

  it('identifies a config by everything but its name, whatever the key order', () => {
    expect(configKey({ name: 'a', model: { hidden: [1], activation: 'tanh' } })).toBe(configKey({ model: { activation: 'tanh', hidden: [1] }, name: 'b' }));
    expect(configKey({ model: { hidden: [1] } })).not.toBe(configKey({ model: { hidden: [2] } }));
  });

  it('formats parameters with short labels, full paths where they would clash', () => {
    expect(formatParams({ 'train.learning_rate': 0.000123456, 'model.hidden': [3, 2] })).toBe('learning_rate=1.235e-4 hidden=[3, 2]');
    expect(formatParams({ 'data.train.m': 100, 'data.test.m': 50, 'train.l2': 0.12345 })).toBe('data.train.m=100 data.test.m=50 l2=0.1235');
  });
});

describe('the published JSON Schema', () => {
  it('is current: the committed file is what the schema produces now (npm run schemas)', () => {
    expect(readText('resources/schemas/sweep-spec.schema.json')).toBe(`${JSON.stringify(sweepSpecJsonSchema(), null, 2)}\n`);
  });

  it('takes the run config as the base without its required fields, and lists the paths', () => {
    const schema = sweepSpecJsonSchema() as Doc;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['base', 'parameters']);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.base.properties.train.properties.learning_rate).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
    expect(JSON.stringify(schema.properties.base)).not.toContain('"required"');
    const lr = schema.properties.parameters.properties['train.learning_rate'];
    expect(lr.anyOf[0]).toMatchObject({ type: 'array', items: { type: 'number', exclusiveMinimum: 0 } });
    expect(lr.anyOf[1]).toEqual({ $ref: '#/$defs/Distribution' });
    expect(schema.properties.parameters.properties.name).toBeUndefined();
    expect(schema.$defs.Distribution.oneOf ?? schema.$defs.Distribution.anyOf).toHaveLength(4);
  });
});
