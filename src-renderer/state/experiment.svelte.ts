/**
 * The new-experiment form: its fields, the run configuration they make, and that config's
 * problems by field, checked with the config's own schema (through src-api) on every change,
 * so each error appears at its field before anything is sent.
 */
import {
  CONFIG_LIMITS,
  type FileInfo,
  type ConfigIssue,
  GENERATOR_DEFAULT_NOISE,
  GENERATORS_WITH_CLASSES,
  type GeneratorName,
  type RunConfigInput,
  parseRunConfig,
  parseSweepSpec,
  sizeIssues,
  type DataSize,
} from '../../src-api';
import { arrayShapeIssue, examplesOf } from '../lib/array-shapes';

/**
 * A swept field's text as its list of values: "0.1, 0.5, 1.2", "1..5" (integers, step 1),
 * "10..50:10" (step 10), or names ("tanh, relu"). Empty items are ignored.
 */
export function parseSweepValues(text: string): unknown[] {
  const values: unknown[] = [];
  for (const item of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    const range = /^(-?\d+)\s*\.\.\s*(-?\d+)(?:\s*:\s*(\d+))?$/.exec(item);
    if (range) {
      const [a, b, step] = [Number(range[1]), Number(range[2]), Number(range[3] ?? 1) || 1];
      for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) {
        values.push(v);
        if (values.length > 10_000) break;
      }
    } else if (item !== '' && Number.isFinite(Number(item))) {
      values.push(Number(item));
    } else {
      values.push(item);
    }
  }
  return values;
}

export type Activation = 'tanh' | 'relu' | 'sigmoid' | 'leaky_relu';
export interface Layer {
  units: number | null;
  activation: Activation;
}

export class ExperimentForm {
  name = $state('');
  /** Where the data comes from: a generator, or a file given to the workbench. */
  sourceKind = $state<'generator' | 'file'>('generator');
  file = $state.raw<FileInfo | null>(null);
  /** CSV: the label column and the feature columns. */
  csvLabel = $state('');
  csvFeatures = $state<string[]>([]);
  /** Array files: the arrays of X and Y, and which axis holds the examples. */
  xKey = $state('');
  yKey = $state('');
  examplesAxis = $state<-1 | 0>(0);
  /** Leave out the examples with NaN, ±inf or empty values (non_finite: "drop") instead of stopping at them. */
  dropMissing = $state(false);
  scale = $state<number | null>(1);
  generator = $state<GeneratorName>('planar');
  m = $state<number | null>(400);
  noise = $state<number | null>(GENERATOR_DEFAULT_NOISE.planar);
  seed = $state<number | null>(1);
  classes = $state<number | null>(3);
  testFraction = $state<number | null>(0.2);
  normalize = $state(false);
  layers = $state<Layer[]>([{ units: 4, activation: 'tanh' }]);
  output = $state<'sigmoid' | 'softmax'>('sigmoid');
  optimizer = $state<'gd' | 'momentum' | 'rmsprop' | 'adam'>('gd');
  learningRate = $state<number | null>(1.2);
  mode = $state<'iterations' | 'epochs'>('iterations');
  iterations = $state<number | null>(2000);
  epochs = $state<number | null>(100);
  batchSize = $state<number | null>(64);
  l2 = $state<number | null>(0);
  keepProb = $state<number | null>(1);
  beta = $state<number | null>(0.9);
  beta1 = $state<number | null>(0.9);
  beta2 = $state<number | null>(0.999);
  initMethod = $state<'zeros' | 'normal' | 'xavier' | 'he'>('xavier');
  /** The multiplier of the "normal" initialization (the course's × 0.01, or × 10). */
  initScale = $state<number | null>(0.01);
  initSeed = $state<number | null>(2);
  /** "numpy" reproduces np.random.seed streams (the course's data and weights); kept from a loaded config. */
  dataRng = $state<'numpy' | 'default'>('default');
  initRng = $state<'numpy' | 'default'>('default');

  hasClasses = $derived(this.sourceKind === 'generator' && GENERATORS_WITH_CLASSES.includes(this.generator));

  /** Takes a newly imported file, with sensible first picks: last column as the label. */
  useFile(info: FileInfo): void {
    this.file = info;
    this.sourceKind = 'file';
    if (info.kind === 'csv') {
      this.csvLabel = info.columns[info.columns.length - 1] ?? '';
      this.csvFeatures = info.columns.filter((c) => c !== this.csvLabel);
      this.fitOutput();
    } else {
      const keys = info.arrays.map((a) => a.key);
      this.xKey = keys.find((k) => /x/i.test(k)) ?? keys[0] ?? '';
      this.yKey = keys.find((k) => /y|label/i.test(k) && k !== this.xKey) ?? keys.find((k) => k !== this.xKey) ?? keys[0] ?? '';
      const x = info.arrays.find((a) => a.key === this.xKey);
      const y = info.arrays.find((a) => a.key === this.yKey);
      // The course's layout is (n_x, m); rows are examples when Y's length matches X's rows.
      this.examplesAxis = x && y && x.shape.length === 2 && y.shape.length >= 1 && Math.max(...y.shape) === x.shape[1] && x.shape[0] !== x.shape[1] ? -1 : 0;
    }
  }

  setLabel(column: string): void {
    this.csvLabel = column;
    this.csvFeatures = this.csvFeatures.filter((c) => c !== column);
    this.fitOutput();
  }

  /** The classes a CSV's label column shows in its first rows, if it has few (FileInfo.values). */
  labelClasses = $derived(this.sourceKind === 'file' && this.file?.kind === 'csv' ? (this.file.values?.[this.csvLabel] ?? null) : null);

  /** Softmax for a label with more than two classes, as the generators with classes do. */
  private fitOutput(): void {
    if ((this.labelClasses?.length ?? 0) > 2) this.output = 'softmax';
  }

  toggleFeature(column: string): void {
    this.csvFeatures = this.csvFeatures.includes(column) ? this.csvFeatures.filter((c) => c !== column) : [...this.csvFeatures, column];
  }

  /** The data source of the config: the generator's, or the file's. */
  private source(): Record<string, unknown> {
    if (this.sourceKind === 'file' && this.file) {
      const f = this.file;
      const drop = this.dropMissing ? { non_finite: 'drop' } : {};
      if (f.kind === 'csv') {
        return { csv: { file: f.file, label: this.csvLabel, features: this.csvFeatures, header: f.header, ...drop } };
      }
      const ref = (key: string) => (key ? { file: f.file, key } : { file: f.file });
      return { x: ref(this.xKey), y: ref(this.yKey), examples_axis: this.examplesAxis, scale: this.scale, ...drop };
    }
    const source: Record<string, unknown> = { generator: this.generator, m: this.m, noise: this.noise, seed: this.seed };
    if (this.dataRng === 'numpy') source.rng = 'numpy';
    if (this.hasClasses) source.classes = this.classes;
    return source;
  }

  /**
   * "Sweep this": fields turned into lists, by config path ("train.learning_rate"), or
   * "model.hidden[i]" for the units of hidden layer i. null or absent: a single value.
   */
  sweeps = $state<Record<string, string | null>>({});

  /** Whether the field at `path` is swept. */
  isSwept(path: string): boolean {
    return typeof this.sweeps[path] === 'string';
  }

  toggleSweep(path: string, current: unknown): void {
    this.sweeps[path] = this.isSwept(path) ? null : current === null || current === undefined ? '' : String(current);
  }

  /** The sweep's parameters: config path → values (hidden layers combined into model.hidden). */
  parameters = $derived.by((): Record<string, unknown[]> => {
    const out: Record<string, unknown[]> = {};
    let hiddenSwept = false;
    const sameActivation = this.layers.every((l) => l.activation === this.layers[0]?.activation);
    for (const [path, text] of Object.entries(this.sweeps)) {
      if (typeof text !== 'string') continue;
      // Generator fields mean nothing for a file's data.
      if (this.sourceKind === 'file' && path.startsWith('data.train.')) continue;
      // The activation of every layer: only while the layers share one.
      if (path === 'model.activation' && (!sameActivation || this.layers.length === 0)) continue;
      if (path.startsWith('model.hidden[')) hiddenSwept = true;
      else out[path] = parseSweepValues(text);
    }
    if (hiddenSwept) {
      // Every combination of the swept layers' sizes, the others fixed.
      let combos: unknown[][] = [[]];
      this.layers.forEach((layer, i) => {
        const text = this.sweeps[`model.hidden[${i}]`];
        const options = typeof text === 'string' ? parseSweepValues(text) : [layer.units];
        combos = combos.flatMap((c) => options.map((v) => [...c, v]));
      });
      out['model.hidden'] = combos;
    }
    return out;
  });

  isSweep = $derived(Object.keys(this.parameters).length > 0);

  /** Whether the normal initialization's scale matters: it is the method, or one of the swept ones. */
  usesInitScale = $derived(
    this.initMethod === 'normal' || (typeof this.sweeps['init.method'] === 'string' && parseSweepValues(this.sweeps['init.method']).includes('normal')),
  );

  /** The sweep spec the form makes, when some field is swept. */
  spec = $derived.by(() => {
    const params = this.parameters;
    // "planar: hidden [1]…[5], learning_rate 0.1…1.2"
    const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const label = Object.entries(params)
      .map(([p, values]) => {
        const name = p.split('.').pop();
        if (values.length === 0) return name;
        return values.length === 1 ? `${name} ${show(values[0])}` : `${name} ${show(values[0])}…${show(values[values.length - 1])}`;
      })
      .join(', ')
      .slice(0, 180);
    const data = this.sourceKind === 'file' && this.file ? this.file.name : this.generator;
    return {
      name: this.name.trim() || `${data}: ${label}`,
      base: this.config,
      method: 'grid',
      parameters: params,
      concurrency: 2,
    };
  });

  /**
   * Trials of the sweep, or its problems: checked live with the sweep's own rules, and
   * each trial's size with the workbench's (the first trial too large, at its field).
   */
  plan = $derived.by((): { trials: number; issues: ConfigIssue[] } => {
    if (!this.isSweep) return { trials: 1, issues: [] };
    const result = parseSweepSpec(this.spec);
    if (!result.ok) return { trials: 0, issues: result.issues };
    const trials = result.plan.trials;
    for (const t of trials) {
      const large = sizeIssues(t.config, this.dataSize);
      if (large.length > 0) return { trials: trials.length, issues: large.map((i) => ({ ...i, message: `trial ${t.index}: ${i.message}` })) };
    }
    return { trials: trials.length, issues: [] };
  });

  /** What the chosen file says of the data's size, for sizeIssues (a CSV's rows are not counted). */
  dataSize = $derived.by((): DataSize => {
    const f = this.sourceKind === 'file' ? this.file : null;
    if (!f) return {};
    if (f.kind === 'csv') return { inputs: this.csvFeatures.length };
    const x = f.arrays.find((a) => a.key === this.xKey);
    if (!x || x.shape.length === 0) return {};
    const examples = examplesOf(x, this.examplesAxis);
    const perExample = this.examplesAxis === 0 ? x.shape.slice(1) : x.shape.slice(0, -1);
    return { inputs: perExample.reduce((p, n) => p * n, 1), examples };
  });

  /** The sweep problem of a swept field, if any. */
  sweepIssue(path: string): string | undefined {
    const key = path.startsWith('model.hidden[') ? 'model.hidden' : path;
    if (typeof this.sweeps[path] === 'string' && parseSweepValues(this.sweeps[path]!).length === 0) return 'give at least one value';
    const found = this.plan.issues.find((i) => i.path.includes(`"${key}"`) || i.path.startsWith(`${key}`) || i.path.includes(`${key}:`));
    return found?.message;
  }

  setGenerator(name: GeneratorName): void {
    this.generator = name;
    this.noise = GENERATOR_DEFAULT_NOISE[name];
    if (!GENERATORS_WITH_CLASSES.includes(name)) this.output = 'sigmoid';
    else if ((this.classes ?? 2) > 2) this.output = 'softmax';
  }

  /**
   * log_every from the length: about 100 points per curve. Kept within its limit, so that
   * an out-of-range length is the one problem shown (log_every has no field to show it at).
   */
  private logEvery(): number {
    const steps = (this.mode === 'iterations' ? this.iterations : this.epochs) ?? 100;
    const every = Math.round(steps / 100);
    return Number.isFinite(every) ? Math.min(CONFIG_LIMITS.maxIterations, Math.max(1, every)) : 1;
  }

  /** The configuration as a config file would hold it. */
  config = $derived.by((): RunConfigInput => {
    const source = this.source();
    const acts = this.layers.map((l) => l.activation);
    const same = acts.every((a) => a === acts[0]);
    const train: Record<string, unknown> = { optimizer: this.optimizer, learning_rate: this.learningRate, log_every: this.logEvery() };
    if (this.mode === 'iterations') train.iterations = this.iterations;
    else {
      train.epochs = this.epochs;
      train.batch_size = this.batchSize;
    }
    if (this.l2) train.l2 = this.l2;
    if (this.keepProb !== 1) train.keep_prob = this.keepProb;
    if (this.optimizer === 'momentum') train.beta = this.beta;
    if (this.optimizer === 'adam') {
      train.beta1 = this.beta1;
      train.beta2 = this.beta2;
    }
    if (this.optimizer === 'rmsprop') train.beta2 = this.beta2;
    const config: Record<string, unknown> = {
      data: {
        train: source,
        ...(this.testFraction ? { test_fraction: this.testFraction } : {}),
        ...(this.normalize ? { normalize: 'standardize' } : {}),
      },
      model: {
        hidden: this.layers.map((l) => l.units),
        ...(same ? { activation: acts[0] ?? 'relu' } : { activations: acts }),
        output: this.output,
      },
      init: {
        method: this.initMethod,
        ...(this.usesInitScale ? { scale: this.initScale } : {}),
        seed: this.initSeed,
        ...(this.initRng === 'numpy' ? { rng: 'numpy' } : {}),
      },
      train,
    };
    if (this.name.trim()) config.name = this.name.trim();
    return config as RunConfigInput;
  });

  /** csvFeatures as a set: a file can have thousands of columns. */
  featureSet = $derived(new Set(this.csvFeatures));

  /** The first NaN, ±inf or empty value the CSV's first rows hold in a column this run reads. */
  missingValue = $derived.by(() => {
    const f = this.sourceKind === 'file' ? this.file : null;
    if (!f || f.kind !== 'csv') return null;
    return (f.missing ?? []).find((m) => m.column === this.csvLabel || this.featureSet.has(m.column)) ?? null;
  });

  /**
   * The first text among the CSV's first rows in a feature column ('setosa', 'n0'): a
   * feature must be a number (a label may be a class name). NaN, inf and empty fields are
   * missingValue's.
   */
  textFeature = $derived.by(() => {
    const f = this.sourceKind === 'file' ? this.file : null;
    if (!f || f.kind !== 'csv') return null;
    const number = (v: string) => v.trim() === '' || Number.isFinite(Number(v)) || /^[+-]?(nan|inf|infinity)$/i.test(v.trim());
    for (const [r, row] of f.sample.entries()) {
      const c = row.findIndex((v, i) => !number(v) && this.featureSet.has(f.columns[i]));
      if (c !== -1) return { line: r + (f.header ? 2 : 1), column: f.columns[c], value: row[c] };
    }
    return null;
  });

  /**
   * Problems of the config, by field path ("train.learning_rate", "model.hidden[0]"). With
   * File picked but no file taken (none chosen yet, or its import refused), the config
   * would fall back on the generator's data: that is a problem at data.train, not a run.
   */
  issues = $derived.by((): ConfigIssue[] => {
    const result = parseRunConfig(this.config);
    // A run too large for the workbench, once its fields are right (a sweep's trials: plan).
    const issues = result.ok ? (this.isSweep ? [] : sizeIssues(this.config, this.dataSize)) : result.issues;
    if (this.sourceKind === 'file' && !this.file) {
      return [{ path: 'data.train', message: 'choose a data file first (or pick Generator)' }, ...issues.filter((i) => !i.path.startsWith('data.train'))];
    }
    const missing = this.missingValue;
    if (missing && !this.dropMissing) {
      const what = missing.value === '' ? 'an empty field' : missing.value;
      issues.unshift({
        path: 'data.train.csv',
        message: `${this.file!.name} line ${missing.line}, column '${missing.column}': ${what} is not a finite number; leave out such examples below, or the column`,
      });
    }
    const f = this.sourceKind === 'file' ? this.file : null;
    if (f?.kind === 'arrays') {
      const x = f.arrays.find((a) => a.key === this.xKey);
      const y = f.arrays.find((a) => a.key === this.yKey);
      const shapes = x && y ? arrayShapeIssue(x, y, this.examplesAxis) : null;
      if (shapes) issues.unshift({ path: 'data.train', message: `${f.name}: ${shapes}` });
    }
    const classes = this.labelClasses;
    if (this.output === 'sigmoid' && classes && classes.length > 2) {
      const shown = classes.length > 5 ? `${classes.slice(0, 5).join(', ')}, …` : classes.join(', ');
      issues.unshift({
        path: 'model.output',
        message: `the label column '${this.csvLabel}' holds ${classes.length} classes (${shown}); sigmoid is for 2: use softmax`,
      });
    }
    // First: dropping rows does not help a feature column of text.
    const text = this.textFeature;
    if (text) {
      issues.unshift({
        path: 'data.train.csv.features',
        message: `${this.file!.name} line ${text.line}, column '${text.column}': '${text.value}' is not a number; a feature must be (untick it, or pick it as the label)`,
      });
    }
    return issues;
  });

  /**
   * The problem of the hidden layers as a whole: the config's, or a sweep trial's size when
   * no layer is swept (a swept layer shows it at its own field).
   */
  hiddenIssue(): string | undefined {
    const swept = this.layers.some((_, i) => this.isSwept(`model.hidden[${i}]`));
    return this.issueAt('model.hidden') ?? (swept ? undefined : this.plan.issues.find((i) => i.path === 'model.hidden')?.message);
  }

  /** The message for exactly this path (not its sub-fields), if any. */
  issueAt(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }

  /** The message for a field (and its sub-fields), if any. */
  issue(path: string): string | undefined {
    const found = this.issues.find((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
    return found ? found.message : undefined;
  }

  /** Fills the form from a stored run's config ("Edit as new experiment"). */
  loadConfig(config: Record<string, any>, file: FileInfo | null): void {
    const num = (v: unknown, fallback: number | null) => (typeof v === 'number' ? v : fallback);
    const source = config.data?.train ?? {};
    if (typeof source.generator === 'string') {
      this.sourceKind = 'generator';
      this.generator = source.generator;
      this.m = num(source.m, 400);
      this.noise = num(source.noise, GENERATOR_DEFAULT_NOISE[this.generator]);
      this.seed = num(source.seed, 0);
      this.classes = num(source.classes, 3);
      this.dataRng = source.rng === 'numpy' ? 'numpy' : 'default';
    } else if (file) {
      this.useFile(file);
      this.dropMissing = (source.csv?.non_finite ?? source.non_finite) === 'drop';
      if (source.csv) {
        this.csvLabel = source.csv.label ?? this.csvLabel;
        this.csvFeatures = source.csv.features ?? this.csvFeatures;
      } else {
        this.xKey = source.x?.key ?? this.xKey;
        this.yKey = source.y?.key ?? this.yKey;
        this.examplesAxis = source.examples_axis === 0 ? 0 : -1;
        this.scale = num(source.scale, 1);
      }
    }
    this.testFraction = num(config.data?.test_fraction, null);
    this.normalize = config.data?.normalize === 'standardize';
    const model = config.model ?? {};
    const hidden: number[] = Array.isArray(model.hidden) ? model.hidden : [];
    const acts: Activation[] = Array.isArray(model.activations) ? model.activations : hidden.map(() => model.activation ?? 'relu');
    this.layers = hidden.map((units, i) => ({ units, activation: acts[i] ?? 'relu' }));
    this.output = model.output === 'softmax' ? 'softmax' : 'sigmoid';
    const train = config.train ?? {};
    this.optimizer = train.optimizer ?? 'gd';
    this.learningRate = num(train.learning_rate, 0.1);
    if (train.epochs !== undefined) {
      this.mode = 'epochs';
      this.epochs = train.epochs;
      this.batchSize = num(train.batch_size, 64);
    } else {
      this.mode = 'iterations';
      this.iterations = num(train.iterations, 1000);
    }
    this.l2 = num(train.l2, 0);
    this.keepProb = typeof train.keep_prob === 'number' ? train.keep_prob : 1;
    this.beta = num(train.beta, 0.9);
    this.beta1 = num(train.beta1, 0.9);
    this.beta2 = num(train.beta2, 0.999);
    const init = config.init ?? {};
    this.initMethod = ['zeros', 'normal', 'he'].includes(init.method) ? init.method : 'xavier';
    this.initScale = num(init.scale, 0.01);
    this.initSeed = num(init.seed, 0);
    this.initRng = init.rng === 'numpy' ? 'numpy' : 'default';
    this.name = '';
    this.sweeps = {};
  }

  addLayer(): void {
    const last = this.layers[this.layers.length - 1];
    this.layers = [...this.layers, { units: last?.units ?? 4, activation: last?.activation ?? 'tanh' }];
  }

  removeLayer(index: number): void {
    this.layers = this.layers.filter((_, i) => i !== index);
  }
}
