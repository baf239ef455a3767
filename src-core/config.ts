/**
 * The run configuration: one JSON document that says which data to train on, which network,
 * how to initialise it and how to train it. It is a public contract (docs/config.md): users
 * write these files, runs store them, sweeps vary them. It is only ever extended by adding
 * fields; a name, a default or a bound, once published, keeps its meaning.
 *
 * `RunConfigSchema` is the one source of truth. From it come the TypeScript types, the
 * published JSON Schema (resources/schemas/run-config.schema.json, via `npm run schemas`) and
 * the checks of `parseRunConfig`, which turns every problem into a `ConfigIssue` that names
 * the field (`train.learning_rate`) and says what is wrong in words ("must be > 0").
 *
 * Pure: imports zod and nothing else.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Names and bounds

/**
 * Bounds that guard against absurd values (typos such as an extra zero). They are generous on
 * purpose; each is documented in docs/config.md. Loosening one later is compatible, tightening
 * one is not.
 */
export const CONFIG_LIMITS = {
  /** Seeds are NumPy's legacy seed range, 0 .. 2^32 - 1. */
  maxSeed: 4_294_967_295,
  /** Examples a generator may draw. */
  maxGeneratedExamples: 1_000_000,
  /** Generator noise. */
  maxNoise: 100,
  /** Classes a generator may draw (blobs, gaussian_quantiles). */
  maxGeneratorClasses: 10,
  /** Classes of a softmax output. */
  maxClasses: 10_000,
  /** Units of one hidden layer. */
  maxUnits: 100_000,
  /** Hidden layers. */
  maxHiddenLayers: 100,
  /** Scale of the 'normal' initialisation. */
  maxInitScale: 1_000,
  /** The learning rate. */
  maxLearningRate: 1e6,
  /** Full-batch iterations; also the bound of log_every and of decay.interval. */
  maxIterations: 1e8,
  /** Epochs of mini-batch training. */
  maxEpochs: 1e7,
  /** Mini-batch size. */
  maxBatchSize: 1e7,
  /** L2 strength λ. */
  maxL2: 1e6,
  /** Rate of inverse_time decay. */
  maxDecayRate: 1e6,
  /** Early-stopping patience, in evaluations. */
  maxPatience: 1e6,
  /** Length of `name`. */
  maxNameLength: 200,
  /** Length of a file path. */
  maxPathLength: 4096,
} as const;

/** The data generators. */
export const GENERATORS = [
  'planar',
  'circles',
  'moons',
  'blobs',
  'gaussian_quantiles',
  'xor',
  'spiral',
  'gaussian',
] as const;
export type GeneratorName = (typeof GENERATORS)[number];

/** The generators that take `classes` (all others draw two classes). */
export const GENERATORS_WITH_CLASSES: readonly GeneratorName[] = ['blobs', 'gaussian_quantiles'];

/** Classes drawn when `classes` is not given: three blobs as scikit-learn's make_blobs; two for the rest. */
export const GENERATOR_DEFAULT_CLASSES: Readonly<Record<GeneratorName, number>> = {
  planar: 2,
  circles: 2,
  moons: 2,
  blobs: 3,
  gaussian_quantiles: 2,
  xor: 2,
  spiral: 2,
  gaussian: 2,
};

/**
 * The noise a generator uses when the source gives none; the generators read it from here.
 * For planar it is the standard deviation of the jitter of angle and radius (the course's 0.2),
 * for circles and moons the course's sklearn values, for blobs the cluster standard deviation
 * (sklearn's default 1.0); the others are clean unless asked.
 */
export const GENERATOR_DEFAULT_NOISE: Readonly<Record<GeneratorName, number>> = {
  planar: 0.2,
  circles: 0.3,
  moons: 0.2,
  blobs: 1.0,
  gaussian_quantiles: 0,
  xor: 0,
  spiral: 0,
  gaussian: 0,
};

/** Random number generators: 'numpy' reproduces NumPy's legacy np.random.seed streams. */
export const RNGS = ['numpy', 'default'] as const;
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
export const OUTPUTS = ['sigmoid', 'softmax', 'linear'] as const;
export const INIT_METHODS = ['zeros', 'normal', 'xavier', 'he', 'file'] as const;
export const OPTIMIZERS = ['gd', 'momentum', 'rmsprop', 'adam'] as const;
export const EARLY_STOPPING_METRICS = [
  'test_cost',
  'test_accuracy',
  'train_cost',
  'train_accuracy',
] as const;
export const PRECISIONS = ['float64', 'float32'] as const;

/** Iterations when a config gives neither `train.iterations` nor `train.epochs`. */
export const DEFAULT_ITERATIONS = 1000;

// ---------------------------------------------------------------------------------------------
// Building blocks

/**
 * Checks that run even when other fields of the same object failed, so that one parse reports
 * every problem. Their functions therefore see possibly malformed values and must check types.
 */
const ALWAYS = { when: () => true } as const;

/** A loose view of a possibly malformed object, for cross-field checks. */
function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * An integer in [min, max]. Built from a number plus a check rather than z.int(), because
 * z.int() aborts the parse and would hide the other problems of the document.
 */
function int(min: number, max: number) {
  return z
    .number()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      if (!Number.isInteger(value)) {
        ctx.addIssue({ code: 'custom', message: `must be an integer; got ${describeValue(value)}` });
      }
    }, { when: (payload) => payload.issues.length === 0 })
    .meta({ type: 'integer' });
}

const seed = () => int(0, CONFIG_LIMITS.maxSeed);
const filePath = () => z.string().min(1).max(CONFIG_LIMITS.maxPathLength);

// ---------------------------------------------------------------------------------------------
// Data

/** A generated data set: `m` examples of 2-D points, drawn reproducibly from `seed`. */
export const GeneratorSourceSchema = z
  .strictObject({
    generator: z.enum(GENERATORS).describe('Which generator draws the data.'),
    m: int(1, CONFIG_LIMITS.maxGeneratedExamples).describe('Number of examples.'),
    noise: z
      .number()
      .min(0)
      .max(CONFIG_LIMITS.maxNoise)
      .optional()
      .describe('Noise of the generator; when omitted, the generator\'s own default.'),
    seed: seed().default(0).describe('Seed of the draw.'),
    rng: z.enum(RNGS).default('default').describe('"numpy" reproduces np.random.seed streams.'),
    classes: int(2, CONFIG_LIMITS.maxGeneratorClasses)
      .optional()
      .describe('Number of classes; only blobs (default 3) and gaussian_quantiles (default 2).'),
  })
  .superRefine((value, ctx) => {
    const s = fields(value);
    if (s.classes !== undefined && typeof s.generator === 'string') {
      if (!(GENERATORS_WITH_CLASSES as readonly string[]).includes(s.generator)) {
        ctx.addIssue({
          code: 'custom',
          path: ['classes'],
          message: `only the blobs and gaussian_quantiles generators take classes; got generator ${describeValue(s.generator)}`,
        });
      }
    }
  }, ALWAYS)
  .transform((s) => ({
    ...s,
    noise: s.noise ?? GENERATOR_DEFAULT_NOISE[s.generator],
    ...(GENERATORS_WITH_CLASSES.includes(s.generator) ? { classes: s.classes ?? GENERATOR_DEFAULT_CLASSES[s.generator] } : {}),
  }));

/** What to do with examples whose inputs hold NaN, ±Infinity (or, in CSV, an empty field). */
function nonFinite() {
  return z
    .enum(['error', 'drop'])
    .default('error')
    .describe('"error" (default) rejects NaN or infinite inputs, naming the first; "drop" leaves those examples out.');
}

/** An array inside a file: the whole .npy, or the array named `key` in a .npz, .h5 or .mat. */
export const ArrayRefSchema = z
  .strictObject({
    file: filePath().describe('Path of the file, relative to the config file.'),
    key: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the array inside a .npz, .h5 or .mat file.'),
  })
  .meta({ id: 'ArrayRef' });

/** A data set read from array files (.npy, .npz, .h5, .mat). */
export const FileSourceSchema = z
  .strictObject({
    x: ArrayRefSchema.describe('The inputs X.'),
    y: ArrayRefSchema.describe('The labels Y.'),
    examples_axis: z
      .literal([-1, 0, 1])
      .default(-1)
      .describe(
        'Axis of the examples: -1 (or 1) the course\'s (n_x, m); 0 rows are examples, (m, n_x) or (m, 64, 64, 3).',
      ),
    scale: z.number().gt(0).default(1).describe('Factor applied to X, e.g. 1/255 for images.'),
    non_finite: nonFinite(),
    labels: z
      .union([z.array(z.string()).min(2).max(CONFIG_LIMITS.maxClasses), ArrayRefSchema], {
        error: 'must be a list of class names or an array in a file ({"file", "key"})',
      })
      .optional()
      .describe('Names of the classes, in label order: a list, or an array in a file.'),
  })
  .transform((s) => ({ ...s, examples_axis: s.examples_axis === 1 ? (-1 as const) : s.examples_axis }));

/** A data set read from a CSV file, one example per row. (The importer comes later.) */
export const CsvSourceSchema = z.strictObject({
  csv: z
    .strictObject({
      file: filePath().describe('Path of the CSV file, relative to the config file.'),
      features: z
        .array(z.string().min(1))
        .min(1)
        .optional()
        .describe('Columns used as inputs; default all columns but the label.'),
      label: z.string().min(1).describe('Column holding the label.'),
      header: z
        .literal([true, false, 'auto'])
        .default('auto')
        .describe('Whether the first row names the columns; "auto" detects it.'),
      non_finite: nonFinite(),
    })
    .superRefine((value, ctx) => {
      const c = fields(value);
      if (Array.isArray(c.features) && typeof c.label === 'string') {
        const at = c.features.indexOf(c.label);
        if (at >= 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['features', at],
            message: `is the label column ${describeValue(c.label)}; a column cannot be both`,
          });
        }
      }
    }, ALWAYS),
});

const DATA_SOURCE_HINT =
  'must be a data source: {"generator", "m"}, files {"x", "y"} or {"csv"}';

/**
 * Where examples come from: a generator, array files or a CSV file. There is no tag field;
 * the kind follows from the keys (see `dataSourceKind`).
 */
export const DataSourceSchema = z
  .union([GeneratorSourceSchema, FileSourceSchema, CsvSourceSchema], { error: DATA_SOURCE_HINT })
  .meta({ id: 'DataSource' });

export type GeneratorSource = z.output<typeof GeneratorSourceSchema>;
export type FileSource = z.output<typeof FileSourceSchema>;
export type CsvSource = z.output<typeof CsvSourceSchema>;
export type DataSource = z.output<typeof DataSourceSchema>;
export type DataSourceKind = 'generator' | 'files' | 'csv';

/**
 * The kind of a data source, from its keys: `generator`, `csv`, else files (`x`, `y`).
 * In TypeScript, `'generator' in source` and `'csv' in source` narrow the type as well.
 */
export function dataSourceKind(source: DataSource): DataSourceKind;
export function dataSourceKind(source: unknown): DataSourceKind | undefined;
export function dataSourceKind(source: unknown): DataSourceKind | undefined {
  const s = fields(source);
  if ('generator' in s) return 'generator';
  if ('csv' in s) return 'csv';
  if ('x' in s || 'y' in s) return 'files';
  return undefined;
}

/** The training data, and where the test data comes from. */
export const DataSchema = z
  .strictObject({
    train: DataSourceSchema.describe('The training set.'),
    test: DataSourceSchema.nullable()
      .default(null)
      .describe('The test set, or null for none.'),
    test_fraction: z
      .number()
      .gt(0)
      .lt(1)
      .optional()
      .describe('Fraction of train split off as the test set, stratified by class.'),
    split_seed: seed().default(0).describe('Seed of the test_fraction split.'),
    normalize: z
      .enum(['none', 'standardize'])
      .default('none')
      .describe('"standardize" scales each feature to mean 0, variance 1, fitted on train only.'),
  })
  .superRefine((value, ctx) => {
    const d = fields(value);
    if (d.test !== undefined && d.test !== null && d.test_fraction !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['test_fraction'],
        message: 'cannot be combined with data.test: give a test set or a fraction of train to split off, not both',
      });
    }
  }, ALWAYS);

// ---------------------------------------------------------------------------------------------
// Model and initialisation

/** The network: hidden layer sizes, their activations, the output layer. */
export const ModelSchema = z
  .strictObject({
    hidden: z
      .array(int(1, CONFIG_LIMITS.maxUnits))
      .max(CONFIG_LIMITS.maxHiddenLayers)
      .describe('Units of each hidden layer; [] is logistic regression.'),
    activation: z.enum(ACTIVATIONS).default('relu').describe('Activation of every hidden layer.'),
    activations: z
      .array(z.enum(ACTIVATIONS))
      .optional()
      .describe('One activation per hidden layer, overriding activation.'),
    output: z.enum(OUTPUTS).default('sigmoid').describe('Output layer and its cost.'),
    classes: int(2, CONFIG_LIMITS.maxClasses)
      .optional()
      .describe('Classes of a softmax output; default inferred from the data.'),
    leaky_slope: z.number().min(0).lt(1).default(0.01).describe('Slope of leaky_relu below 0.'),
  })
  .superRefine((value, ctx) => {
    const m = fields(value);
    if (Array.isArray(m.activations) && Array.isArray(m.hidden)) {
      if (m.activations.length !== m.hidden.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['activations'],
          message: `must have one entry per hidden layer: model.hidden has ${plural(m.hidden.length, 'layer')}, activations has ${plural(m.activations.length, 'entry', 'entries')}`,
        });
      }
    }
    if (m.classes !== undefined && typeof m.output === 'string' && m.output !== 'softmax') {
      ctx.addIssue({
        code: 'custom',
        path: ['classes'],
        message: `is only for output "softmax"; got output ${describeValue(m.output)}`,
      });
    }
  }, ALWAYS);

/** How the weights start: W[l] and b[l] for every layer. */
export const InitSchema = z
  .strictObject({
    method: z
      .enum(INIT_METHODS)
      .default('xavier')
      .describe('zeros; normal (randn·scale); xavier (randn·√(1/n[l-1])); he (randn·√(2/n[l-1])); file.'),
    scale: z
      .number()
      .gt(0)
      .max(CONFIG_LIMITS.maxInitScale)
      .default(0.01)
      .describe('Standard deviation of method "normal".'),
    seed: seed().default(0).describe('Seed of the random weights.'),
    rng: z.enum(RNGS).default('default').describe('"numpy" reproduces np.random.seed streams.'),
    file: filePath()
      .optional()
      .describe('With method "file": W1, b1, … from a .npz or JSON file.'),
  })
  .superRefine((value, ctx) => {
    const i = fields(value);
    if (i.method === 'file' && i.file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['file'], message: 'is required when init.method is "file"' });
    }
    if (i.file !== undefined && typeof i.method === 'string' && i.method !== 'file') {
      ctx.addIssue({
        code: 'custom',
        path: ['file'],
        message: `is only used with init.method "file"; got method ${describeValue(i.method)}`,
      });
    }
  }, ALWAYS);

// ---------------------------------------------------------------------------------------------
// Training

/** Learning-rate decay; "epoch" is the iteration number in full-batch training. */
export const DecaySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('inverse_time').describe('lr0 / (1 + rate·floor(epoch / interval))'),
    rate: z.number().min(0).max(CONFIG_LIMITS.maxDecayRate),
    interval: int(1, CONFIG_LIMITS.maxIterations).default(1),
  }),
  z.strictObject({
    type: z.literal('exponential').describe('lr0 · rate^floor(epoch / interval)'),
    rate: z.number().gt(0).max(1),
    interval: int(1, CONFIG_LIMITS.maxIterations).default(1),
  }),
]);

/** Stop when a metric has not improved for `patience` evaluations (one per log_every). */
export const EarlyStoppingSchema = z.strictObject({
  metric: z.enum(EARLY_STOPPING_METRICS).describe('The metric watched; test_* need a test set.'),
  patience: int(1, CONFIG_LIMITS.maxPatience).describe('Evaluations without improvement before stopping.'),
  min_delta: z.number().min(0).default(0).describe('Smallest change that counts as improvement.'),
  restore_best: z.boolean().default(true).describe('Whether to end with the best weights seen.'),
});

const keepProb = z.number().gt(0).max(1);

const TrainFieldsSchema = z
  .strictObject({
    optimizer: z.enum(OPTIMIZERS).default('gd').describe('The update rule.'),
    learning_rate: z
      .number()
      .gt(0)
      .max(CONFIG_LIMITS.maxLearningRate)
      .describe('Step size α (the initial one, with decay).'),
    iterations: int(1, CONFIG_LIMITS.maxIterations)
      .optional()
      .describe(`Full-batch passes (default ${DEFAULT_ITERATIONS} when epochs is not given).`),
    epochs: int(1, CONFIG_LIMITS.maxEpochs)
      .optional()
      .describe('Passes over the data in mini-batches; instead of iterations.'),
    batch_size: int(1, CONFIG_LIMITS.maxBatchSize)
      .optional()
      .describe('Mini-batch size, with epochs; omitted means full batch.'),
    shuffle_seed: seed()
      .default(0)
      .describe('Seed of the mini-batch shuffle, reseeded with seed + epoch.'),
    log_every: int(1, CONFIG_LIMITS.maxIterations)
      .default(100)
      .describe('Record cost and metrics every this many iterations (or epochs).'),
    l2: z
      .number()
      .min(0)
      .max(CONFIG_LIMITS.maxL2)
      .default(0)
      .describe('L2 strength λ: cost + λ/(2m)·Σ‖W‖².'),
    keep_prob: z
      .union([keepProb, z.array(keepProb).max(CONFIG_LIMITS.maxHiddenLayers)], {
        error: 'must be a number in (0, 1] or a list of them, one per hidden layer',
      })
      .default(1)
      .describe('Dropout keep probability of hidden layers; 1 is no dropout.'),
    beta: z.number().min(0).lt(1).default(0.9).describe('Momentum β.'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('Adam β1.'),
    beta2: z.number().min(0).lt(1).default(0.999).describe('Adam and RMSprop β2.'),
    epsilon: z.number().gt(0).max(1).default(1e-8).describe('ε of Adam and RMSprop.'),
    decay: DecaySchema.optional().describe('Learning-rate decay.'),
    early_stopping: EarlyStoppingSchema.optional().describe('Stop when a metric stops improving.'),
  })
  .superRefine((value, ctx) => {
    const t = fields(value);
    if (t.iterations !== undefined && t.epochs !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['epochs'],
        message: 'cannot be combined with train.iterations: give iterations (full-batch passes) or epochs (passes in mini-batches), not both',
      });
    } else if (t.batch_size !== undefined && t.epochs === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['batch_size'],
        message: t.iterations === undefined
          ? 'needs train.epochs: mini-batch training is counted in epochs, so give epochs'
          : 'cannot be used with train.iterations, which are full-batch passes: use epochs instead of iterations for mini-batches',
      });
    }
  }, ALWAYS);

type TrainFields = z.output<typeof TrainFieldsSchema>;

/** How long training runs: full-batch iterations, or epochs of (mini-)batches. */
export type TrainLength =
  | { iterations: number; epochs?: undefined; batch_size?: undefined }
  | { epochs: number; batch_size?: number; iterations?: undefined };

export type TrainConfig = Omit<TrainFields, 'iterations' | 'epochs' | 'batch_size'> & TrainLength;

/**
 * The optimizer and its hyperparameters. The output holds exactly one of `iterations`
 * (filled with DEFAULT_ITERATIONS when neither is given) and `epochs` (with `batch_size`,
 * absent for full batch), so `train.epochs !== undefined` tells the two apart.
 */
export const TrainSchema = TrainFieldsSchema.transform((t): TrainConfig => {
  const { iterations, epochs, batch_size, ...rest } = t;
  if (epochs !== undefined) {
    return batch_size === undefined ? { ...rest, epochs } : { ...rest, epochs, batch_size };
  }
  return { ...rest, iterations: iterations ?? DEFAULT_ITERATIONS };
});

// ---------------------------------------------------------------------------------------------
// The whole document

/** The run configuration, as written (input) and with its defaults filled in (output). */
export const RunConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
    name: z.string().max(CONFIG_LIMITS.maxNameLength).optional().describe('A label for the run.'),
    data: DataSchema.describe('The data.'),
    model: ModelSchema.describe('The network.'),
    init: InitSchema.prefault({}).describe('Initialisation of the weights.'),
    train: TrainSchema.describe('The training.'),
    precision: z.enum(PRECISIONS).default('float64').describe('Floating-point type of the arithmetic.'),
  })
  .superRefine((value, ctx) => {
    const config = fields(value);
    const model = fields(config.model);
    const train = fields(config.train);
    const data = fields(config.data);
    if (Array.isArray(train.keep_prob) && Array.isArray(model.hidden)) {
      if (train.keep_prob.length !== model.hidden.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['train', 'keep_prob'],
          message: `must have one entry per hidden layer: model.hidden has ${plural(model.hidden.length, 'layer')}, keep_prob has ${plural(train.keep_prob.length, 'entry', 'entries')}`,
        });
      }
    }
    const metric = fields(train.early_stopping).metric;
    if (typeof metric === 'string' && metric.startsWith('test_')) {
      const hasTest = (data.test !== undefined && data.test !== null) || data.test_fraction !== undefined;
      if (!hasTest && config.data !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['train', 'early_stopping', 'metric'],
          message: `${describeValue(metric)} needs a test set: give data.test or data.test_fraction`,
        });
      }
    }
  }, ALWAYS)
  .meta({
    title: 'Layerlab run configuration',
    description:
      'One training run of a fully-connected network: data, model, init, train, precision. See docs/config.md.',
  });

export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type RunConfig = z.output<typeof RunConfigSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing and issues

/** One problem of a config document: the field, as "train.learning_rate" or "model.hidden[1]". */
export interface ConfigIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: RunConfig } | { ok: false; issues: ConfigIssue[] };

/** Checks a parsed JSON document and fills in the defaults. Reports every problem; never throws. */
export function parseRunConfig(value: unknown): ParseResult {
  try {
    const result = RunConfigSchema.safeParse(value, { reportInput: true });
    if (result.success) return { ok: true, config: result.data };
    return { ok: false, issues: configIssues(result.error.issues) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: '', message: `could not be checked: ${reason}` }] };
  }
}

/**
 * Checks one value against the field at a config path (as a sweep does for the values it
 * tries). Cross-field rules need the whole document: merge the value in and use parseRunConfig.
 */
export function checkAtPath(path: string, value: unknown): ConfigIssue[] {
  const schema = schemaAtPath(path);
  if (schema === undefined) return [{ path, message: 'is not a field of the run configuration' }];
  const segments = parsePath(path) ?? [];
  const result = schema.safeParse(value, { reportInput: true });
  return result.success ? [] : configIssues(result.error.issues, segments);
}

/** One line per issue: "planar.json: train.learning_rate: must be > 0". */
export function formatIssues(issues: ConfigIssue[], source?: string): string {
  return issues
    .map((issue) => [source, issue.path, issue.message].filter((part) => part).join(': '))
    .join('\n');
}

/** The published JSON Schema (draft 2020-12) of a config document, as written by users. */
export function runConfigJsonSchema(): object {
  return z.toJSONSchema(RunConfigSchema, { target: 'draft-2020-12', io: 'input' });
}

type Segment = string | number;

/** zod's issues, in words, with their paths joined from `base`. */
export function configIssues(issues: readonly z.core.$ZodIssue[], base: Segment[] = []): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const add = (segments: Segment[], message: string) => {
    const path = formatPath(segments);
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ path, message });
    }
  };
  const visit = (list: readonly z.core.$ZodIssue[], prefix: Segment[]) => {
    for (const issue of list) {
      const at = [...prefix, ...issue.path.map(toSegment)];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) add([...at, key], unknownFieldMessage(at, key));
      } else if (issue.code === 'invalid_union') {
        const chosen = chooseUnionBranch(issue, at);
        if (chosen) visit(chosen, at);
        else add(at, unionMessage(issue));
      } else {
        add(at, issueMessage(issue));
      }
    }
  };
  visit(issues, base);
  return out;
}

function toSegment(key: PropertyKey): Segment {
  return typeof key === 'number' ? key : String(key);
}

/** ['model', 'hidden', 1] → "model.hidden[1]". */
function formatPath(segments: readonly Segment[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** "model.hidden[1]" → ['model', 'hidden', 1]; also accepts "model.hidden.1". */
function parsePath(path: string): Segment[] | undefined {
  if (path === '') return [];
  const segments: Segment[] = [];
  for (const part of path.split('.')) {
    const match = /^([A-Za-z_$][\w$]*)?((?:\[\d+\])*)$/.exec(part);
    if (match && (match[1] || match[2])) {
      if (match[1]) segments.push(match[1]);
      for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
    } else if (/^\d+$/.test(part)) {
      segments.push(Number(part));
    } else {
      return undefined;
    }
  }
  return segments;
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const input: unknown = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return 'is required';
      if (issue.expected === 'number' && typeof input === 'number') {
        return `must be a finite number; got ${describeValue(input)}`;
      }
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}; got ${describeValue(input)}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? issue.minimum : issue.maximum;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have ${small ? 'at least' : 'at most'} ${plural(Number(bound), 'item')}`;
      }
      if (issue.origin === 'string') {
        if (small && Number(bound) === 1) return 'must not be empty';
        return `must be ${small ? 'at least' : 'at most'} ${plural(Number(bound), 'character')}`;
      }
      const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      return `must be ${op} ${String(bound)}`;
    }
    case 'invalid_value': {
      if (issue.values.length === 1) return `must be ${JSON.stringify(issue.values[0])}`;
      const options = issue.values.map((v) => String(v)).join(', ');
      if (input === undefined) return `is required: one of ${options}`;
      return `must be one of ${options}; got ${describeValue(input)}`;
    }
    default:
      return issue.message;
  }
}

const TYPE_NAMES: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list (JSON array)',
  null: 'null',
};

/** The message of a union none of whose branches applies. */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const input: unknown = issue.input;
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
  if (discriminator !== undefined) {
    // The issue sits at the tag's path but carries the whole object as its input.
    const tag = fields(input)[discriminator];
    const list = (options ?? []).map(String).join(', ');
    return tag === undefined ? `is required: one of ${list}` : `must be one of ${list}; got ${describeValue(tag)}`;
  }
  if (input === undefined) return 'is required';
  const keys = Object.keys(fields(input));
  const got =
    keys.length > 0 && typeof input === 'object'
      ? `an object with keys ${keys.map((k) => JSON.stringify(k)).join(', ')}`
      : describeValue(input);
  return `${issue.message}; got ${got}`;
}

/** Whether a schema is the data source union (`.describe()` makes copies, so not by identity). */
function isDataSource(schema: z.ZodType | undefined): boolean {
  const inner = unwrap(schema);
  return inner instanceof z.ZodUnion && inner.options.includes(GeneratorSourceSchema);
}

/**
 * The branch of a failed union whose problems to report: for a data source, the one its keys
 * name; otherwise the only branch that failed on more than the type of the value itself.
 */
function chooseUnionBranch(
  issue: z.core.$ZodIssueInvalidUnion,
  at: Segment[],
): readonly z.core.$ZodIssue[] | undefined {
  if (issue.errors.length === 0) return undefined;
  if (isDataSource(schemaAtSegments(at))) {
    const kind = dataSourceKind(issue.input);
    if (kind === undefined) return undefined;
    return issue.errors[(['generator', 'files', 'csv'] as const).indexOf(kind)];
  }
  const typed = issue.errors.filter(
    (branch) => !branch.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value')),
  );
  return typed.length === 1 ? typed[0] : undefined;
}

function unknownFieldMessage(objectPath: Segment[], key: string): string {
  const known = fieldNames(schemaAtSegments(objectPath));
  const near = closest(key, known);
  if (near !== undefined) return `unknown field; did you mean "${near}"?`;
  // data.test mirrors data.train; name only the latter.
  const elsewhere = allFieldPaths().filter((p) => p.endsWith(`.${key}`) && !p.startsWith('data.test.'));
  if (elsewhere.length > 0 && elsewhere.length <= 3) {
    return `unknown field; did you mean ${elsewhere.join(' or ')}?`;
  }
  return 'unknown field';
}

/** The key nearest to `key` by edit distance, if it is a plausible typo. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** A value as a person would recognise it in their file. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > 42 ? `${text.slice(0, 40)}…"` : text;
  }
  return String(value);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------------------------------------
// Walking the schema

/** The schema under optional, nullable, default, prefault and transform wrappers. */
function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

function childSchema(schema: z.ZodType, segment: Segment): z.ZodType | undefined {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    if (typeof segment !== 'string' || !Object.hasOwn(inner.shape, segment)) return undefined;
    return inner.shape[segment] as z.ZodType;
  }
  if (inner instanceof z.ZodArray) {
    return typeof segment === 'number' ? (inner.element as z.ZodType) : undefined;
  }
  if (inner instanceof z.ZodUnion) {
    const found = (inner.options as z.ZodType[])
      .map((option) => childSchema(option, segment))
      .filter((child): child is z.ZodType => child !== undefined);
    if (found.length <= 1) return found[0];
    return z.union(found as [z.ZodType, z.ZodType, ...z.ZodType[]]);
  }
  return undefined;
}

function schemaAtSegments(segments: readonly Segment[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = RunConfigSchema;
  for (const segment of segments) {
    if (current === undefined) return undefined;
    current = childSchema(current, segment);
  }
  return current;
}

/**
 * The schema of the field at a config path, such as "train.learning_rate", "model.hidden" or
 * "model.hidden[0]"; undefined when there is no such field. "" is the whole document. Where the
 * path passes through a union (a data source, a decay) the branches that have the field are
 * combined, so "train.decay.rate" accepts a rate valid for either decay type.
 */
export function schemaAtPath(path: string): z.ZodType | undefined {
  const segments = parsePath(path);
  return segments === undefined ? undefined : schemaAtSegments(segments);
}

function fieldNames(schema: z.ZodType | undefined): string[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) return Object.keys(inner.shape);
  if (inner instanceof z.ZodUnion) {
    return [...new Set((inner.options as z.ZodType[]).flatMap((option) => fieldNames(option)))];
  }
  return [];
}

let fieldPathsCache: string[] | undefined;

/**
 * Every field of the document as a dotted path ("data.train.generator", "train.decay.rate"),
 * in schema order. Array elements are not listed separately.
 */
export function allFieldPaths(): string[] {
  if (fieldPathsCache) return fieldPathsCache;
  const paths: string[] = [];
  const walk = (schema: z.ZodType, prefix: string) => {
    for (const name of fieldNames(schema)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (!paths.includes(path)) paths.push(path);
      const child = childSchema(schema, name);
      if (child) walk(child, path);
    }
  };
  walk(RunConfigSchema, '');
  fieldPathsCache = paths;
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Reading a parsed config

/** The activation of each hidden layer: `model.activations`, else `model.activation` for all. */
export function layerActivations(model: RunConfig['model']): ActivationName[] {
  return model.activations ?? model.hidden.map(() => model.activation);
}

/** The keep probability of each hidden layer (1 is no dropout). */
export function layerKeepProbs(config: RunConfig): number[] {
  const keep = config.train.keep_prob;
  return Array.isArray(keep) ? keep : config.model.hidden.map(() => keep);
}
