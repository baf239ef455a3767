/**
 * The shapes that cross between the renderer and the Node side: runs, their history,
 * decision boundaries, datasets, exports and live events. Each is a zod schema, and its
 * TypeScript type is inferred from it, so both sides share one definition and every
 * message is checked against it on arrival. Run configurations use the config's own
 * schema (src-core/config.ts), so the UI reports exactly the errors `layerlab train` does.
 *
 * Numbers that may be NaN or infinite in the store (a diverged cost) travel as null:
 * JSON has no NaN.
 */
import { z } from 'zod';
import { GeneratorSourceSchema } from '../src-core/config';
import { RUN_COLUMN_NUMBERS, type RunColumnNumber } from './run-columns';

export { RUN_COLUMN_NUMBERS, type RunColumnNumber };

/** Bounds of what a client may send; the transports refuse larger messages first. */
export const API_LIMITS = {
  /** Bytes of one message from the renderer (a request). */
  maxRequestBytes: 1024 * 1024,
  /** Bytes of a file the renderer asks the Electron side to save (an export). */
  maxSaveBytes: 256 * 1024 * 1024,
  /** Runs named by one request (compare, delete). */
  maxIds: 10_000,
  /** Length of a tag, a name or a search. */
  maxText: 200,
  /** Length of notes. */
  maxNotes: 10_000,
  /** Side of a decision-boundary grid. */
  maxGrid: 400,
  /** Examples drawn for a dataset preview. */
  maxPreviewExamples: 20_000,
} as const;

export const RUN_STATUSES = [
  'queued',
  'running',
  'completed',
  'stopped',
  'diverged',
  'cancelled',
  'failed',
  'interrupted',
] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** A run or sweep id as the store makes them. */
export const IdSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be a run or sweep id');

/** A metric value: a number, or null where it was NaN or infinite. */
export const MetricValueSchema = z.number().nullable();

/** The hyperparameters the runs table shows, read from each run's config. */
export const HyperparamsSchema = z.object({
  /** The data: generator name or file name. */
  data: z.string(),
  hidden: z.array(z.number()),
  activation: z.string(),
  output: z.string(),
  optimizer: z.string(),
  learning_rate: z.number().nullable(),
  /** Iterations (full batch) or epochs. */
  steps: z.number().nullable(),
  unit: z.enum(['iteration', 'epoch']),
  batch_size: z.number().nullable(),
  l2: z.number().nullable(),
  keep_prob: z.number().nullable(),
  m: z.number().nullable(),
  noise: z.number().nullable(),
});
export type Hyperparams = z.infer<typeof HyperparamsSchema>;

/** The final metrics of a run (its latest logged values). */
export const RunMetricsSchema = z.object({
  train_cost: MetricValueSchema,
  test_cost: MetricValueSchema,
  train_accuracy: MetricValueSchema,
  test_accuracy: MetricValueSchema,
  step: z.number().nullable(),
});
export type RunMetrics = z.infer<typeof RunMetricsSchema>;

/** One row of the runs table. */
export const RunRowSchema = z.object({
  id: IdSchema,
  name: z.string(),
  status: RunStatusSchema,
  sweepId: IdSchema.nullable(),
  sweepName: z.string().nullable(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  updatedAt: z.number(),
  durationMs: z.number().nullable(),
  tags: z.array(z.string()),
  notes: z.string(),
  error: z.string().nullable(),
  hp: HyperparamsSchema,
  metrics: RunMetricsSchema,
  deleted: z.boolean(),
});
export type RunRow = z.infer<typeof RunRowSchema>;

/** The runs table's columns that runs.list can sort by (`learning_rate` and `steps` are the config's). */
export const RUN_LIST_SORT_KEYS = [
  'created',
  'name',
  'status',
  'sweep',
  'data',
  'hidden',
  'activation',
  'optimizer',
  'learning_rate',
  'steps',
  'train_cost',
  'test_cost',
  'train_accuracy',
  'test_accuracy',
  'duration',
  'tags',
] as const;
export const RunListSortSchema = z.enum(RUN_LIST_SORT_KEYS);
export type RunListSort = z.infer<typeof RunListSortSchema>;

/**
 * What many runs share, in the runs table's columns (runs.table): one entry of its
 * dictionary. The table's hyperparameters apart from the learning rate and steps, the
 * status, the sweep and whether the run is deleted.
 */
export const RunSharedSchema = z.object({
  status: RunStatusSchema,
  sweepId: IdSchema.nullable(),
  sweepName: z.string().nullable(),
  data: z.string(),
  hidden: z.array(z.number()),
  activation: z.string(),
  optimizer: z.string(),
  unit: z.enum(['iteration', 'epoch']),
  deleted: z.boolean(),
});
export type RunShared = z.infer<typeof RunSharedSchema>;

/**
 * The runs table as columns (runs.table): run i is `id[i]`, `name[i]`, `notes[i]`, the
 * dictionary entry `shared.values[shared.codes[i]]`, and element i of each numeric column.
 * Numbers travel as the base64 of little-endian float64 arrays of `count` elements (as
 * decision-boundary grids do, see binary.ts), NaN where the row would say null (a metric
 * never logged, NaN or infinite; a run not started). Tags are (row, tag) pairs, each
 * run's in tag order. A fifth of the bytes of runs.list's rows, and no object per run on
 * either side until the renderer makes its rows. docs/store.md, "The runs table's columns".
 */
export const RunColumnsSchema = z.object({
  count: z.number().int().min(0),
  id: z.array(IdSchema),
  name: z.array(z.string()),
  notes: z.array(z.string()),
  shared: z.object({ values: z.array(RunSharedSchema), codes: z.array(z.number().int().min(0)) }),
  numbers: z.object(Object.fromEntries(RUN_COLUMN_NUMBERS.map((k) => [k, z.string()])) as Record<RunColumnNumber, z.ZodString>),
  tags: z.object({ rows: z.array(z.number().int().min(0)), tags: z.array(z.string()) }),
});
export type RunColumns = z.infer<typeof RunColumnsSchema>;

/** How a run ended, from the store's summary. */
export const RunSummarySchema = z.object({
  unit: z.enum(['iteration', 'epoch']),
  steps: z.number().nullable(),
  reason: z.string().nullable(),
  final: z
    .object({
      train_cost: MetricValueSchema,
      train_accuracy: MetricValueSchema,
      test_cost: MetricValueSchema,
      test_accuracy: MetricValueSchema,
    })
    .nullable(),
});

/** Everything the run view shows, except history and boundary (fetched separately). */
export const RunDetailSchema = RunRowSchema.extend({
  /** The stored run configuration (defaults filled in), as an object. */
  config: z.record(z.string(), z.unknown()),
  summary: RunSummarySchema.nullable(),
  hasWeights: z.boolean(),
  /** Steps at which weights were kept for replaying the decision boundary. */
  checkpoints: z.array(z.number()),
  /** Input features; the decision boundary exists for 2. */
  inputs: z.number().nullable(),
});
export type RunDetail = z.infer<typeof RunDetailSchema>;

/** One metric over steps. */
export const SeriesSchema = z.object({
  steps: z.array(z.number()),
  values: z.array(MetricValueSchema),
});
export type Series = z.infer<typeof SeriesSchema>;

export const HistorySchema = z.object({
  unit: z.enum(['iteration', 'epoch']),
  series: z.record(z.string(), SeriesSchema),
});
export type History = z.infer<typeof HistorySchema>;

/** A history entry as training logs it (non-finite values as null). */
export const EntrySchema = z.object({
  iteration: z.number(),
  cost: MetricValueSchema,
  learning_rate: z.number(),
  train_accuracy: MetricValueSchema.optional(),
  test_cost: MetricValueSchema.optional(),
  test_accuracy: MetricValueSchema.optional(),
});
export type Entry = z.infer<typeof EntrySchema>;

/** Points of a 2-D data set: x, y interleaved as float32, labels as bytes (all base64). */
export const PointsSchema = z.object({
  count: z.number().int().min(0),
  /** Float32 pairs x0, y0, x1, y1, … */
  xy: z.string(),
  /** Uint8 class label per point. */
  label: z.string(),
  /** Uint8 predicted class per point; absent for a preview. */
  predicted: z.string().optional(),
});
export type Points = z.infer<typeof PointsSchema>;

/** The region a grid covers, in data coordinates. */
export const BoundsSchema = z.object({ x0: z.number(), x1: z.number(), y0: z.number(), y1: z.number() });
export type Bounds = z.infer<typeof BoundsSchema>;

/**
 * The network's output on a G×G grid over the data. Row 0 is the top (y1), column 0 the
 * left (x0); cell (i, j) is the centre of its square. `probs` holds float32 values:
 * for a sigmoid output G·G probabilities of class 1; for softmax `classes` planes of G·G
 * (class-major).
 */
export const BoundaryGridSchema = z.object({
  grid: z.number().int().min(2).max(API_LIMITS.maxGrid),
  bounds: BoundsSchema,
  classes: z.number().int().min(2),
  /** float32 base64. */
  probs: z.string(),
  /** The step whose weights made it (null: final weights). */
  step: z.number().nullable(),
});
export type BoundaryGrid = z.infer<typeof BoundaryGridSchema>;

/** A decision boundary with the data drawn on it, and the confusion matrix. */
export const BoundarySchema = z.object({
  boundary: BoundaryGridSchema,
  train: PointsSchema,
  test: PointsSchema.nullable(),
  /** Counts [truth][predicted] on the test set, or on train without one. */
  confusion: z.array(z.array(z.number())),
  confusionSet: z.enum(['train', 'test']),
  classNames: z.array(z.string()).nullable(),
});
export type Boundary = z.infer<typeof BoundarySchema>;

/** The data of a generator source, for the scatter preview of the new-experiment form. */
export const PreviewSchema = z.object({
  points: PointsSchema,
  classes: z.number().int(),
  bounds: BoundsSchema,
});
export type Preview = z.infer<typeof PreviewSchema>;

export const GeneratorInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  defaultNoise: z.number(),
  classes: z.object({ default: z.number(), min: z.number(), max: z.number() }),
});
export type GeneratorInfo = z.infer<typeof GeneratorInfoSchema>;

/** A data file the workbench was given, and what it holds. */
export const FileInfoSchema = z.object({
  name: z.string(),
  /** Its absolute path (inside the store's imports folder, or chosen in a dialog). */
  file: z.string(),
  bytes: z.number(),
  kind: z.enum(['csv', 'arrays']),
  /** CSV: column names (or their numbers without a header row). */
  columns: z.array(z.string()),
  header: z.boolean(),
  /** CSV: the first rows as text. */
  sample: z.array(z.array(z.string())),
  /** Array files: each array's key ('' for .npy), shape and type. */
  arrays: z.array(z.object({ key: z.string(), shape: z.array(z.number()), dtype: z.string() })),
  /**
   * CSV: in each column that has one, the first value among the rows read for this answer
   * (up to 256 KB) that training would stop at: NaN, ±inf or an empty field, with its line.
   */
  missing: z.array(z.object({ line: z.number(), column: z.string(), value: z.string() })).optional(),
  /**
   * CSV: the values of each column that holds at most MAX_LISTED_VALUES different ones
   * among the rows read (a label column's classes), sorted; other columns are left out.
   */
  values: z.record(z.string(), z.array(z.string())).optional(),
});
export type FileInfo = z.infer<typeof FileInfoSchema>;

/** The file formats a run can be exported to. */
export const EXPORT_FORMATS = ['json', 'npz', 'safetensors', 'onnx', 'csv'] as const;
export const ExportFormatSchema = z.enum(EXPORT_FORMATS);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const ExportFormatInfoSchema = z.object({
  format: ExportFormatSchema,
  label: z.string(),
  available: z.boolean(),
  /** Why not, when unavailable. */
  reason: z.string().nullable(),
});
export type ExportFormatInfo = z.infer<typeof ExportFormatInfoSchema>;

/** An exported file, ready to save or download. */
export const ExportFileSchema = z.object({
  filename: z.string(),
  mime: z.string(),
  /** base64 of the file's bytes. */
  data: z.string(),
});
export type ExportFile = z.infer<typeof ExportFileSchema>;

/** What the server says about itself. */
export const ServerInfoSchema = z.object({
  version: z.string(),
  storeDir: z.string(),
  transport: z.enum(['websocket', 'ipc', 'memory']),
  /** Whether sweeps can be launched (the sweep engine is present). */
  sweeps: z.boolean(),
  exportFormats: z.array(ExportFormatInfoSchema),
});
export type ServerInfo = z.infer<typeof ServerInfoSchema>;

// ---- sweeps -------------------------------------------------------------------------------

export const SWEEP_STATUSES = ['queued', 'running', 'completed', 'stopped', 'failed', 'cancelled', 'interrupted'] as const;
export const SweepStatusSchema = z.enum(SWEEP_STATUSES);

/** One sweep in the list. */
export const SweepRowSchema = z.object({
  id: IdSchema,
  name: z.string(),
  status: SweepStatusSchema,
  createdAt: z.number(),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
});
export type SweepRow = z.infer<typeof SweepRowSchema>;

/** One trial of a sweep: its parameter values, its run and how it is doing. */
export const TrialSchema = z.object({
  index: z.number().int(),
  /** Parameter values by config path, as JSON values. */
  params: z.record(z.string(), z.unknown()),
  /** "hidden=[4] learning_rate=0.1". */
  label: z.string(),
  status: z.union([z.literal('pending'), RunStatusSchema]),
  runId: IdSchema.nullable(),
  progress: z.object({ step: z.number(), totalSteps: z.number(), cost: MetricValueSchema }).nullable(),
  final: z
    .object({ train_cost: MetricValueSchema, train_accuracy: MetricValueSchema, test_cost: MetricValueSchema, test_accuracy: MetricValueSchema })
    .nullable(),
  reason: z.string().nullable(),
  /** Rank by the sweep's metric (1 is best), or null without a value. */
  rank: z.number().nullable(),
});
export type TrialInfo = z.infer<typeof TrialSchema>;

export const SweepDetailSchema = SweepRowSchema.extend({
  /** The spec as stored. */
  spec: z.record(z.string(), z.unknown()),
  /** Config paths the sweep varies, in the spec's order. */
  parameters: z.array(z.string()),
  metric: z.object({ name: z.string(), goal: z.enum(['minimize', 'maximize']) }),
  trials: z.array(TrialSchema),
  /** Whether this process is running it now (it can be paused or cancelled). */
  live: z.boolean(),
  paused: z.boolean(),
});
export type SweepDetail = z.infer<typeof SweepDetailSchema>;

// ---- events -------------------------------------------------------------------------------

export const RunProgressEventSchema = z.object({
  type: z.literal('run.progress'),
  runId: IdSchema,
  sweepId: IdSchema.nullable(),
  unit: z.enum(['iteration', 'epoch']),
  /** The latest step reached, and how many there will be. */
  step: z.number(),
  totalSteps: z.number(),
  /** History entries logged since the previous event (often none). */
  entries: z.array(EntrySchema),
});

export const RunBoundaryEventSchema = z.object({
  type: z.literal('run.boundary'),
  runId: IdSchema,
  boundary: BoundaryGridSchema,
});

export const RunStatusEventSchema = z.object({
  type: z.literal('run.status'),
  runId: IdSchema,
  sweepId: IdSchema.nullable(),
  status: RunStatusSchema,
  error: z.string().nullable(),
});

/** Runs were added, renamed, tagged or deleted: refresh the list from `since`. */
export const RunsChangedEventSchema = z.object({
  type: z.literal('runs.changed'),
  since: z.number(),
});

/** A sweep's trial started, progressed or ended; or the sweep itself changed status. */
export const SweepEventSchema = z.object({
  type: z.literal('sweep.changed'),
  sweepId: IdSchema,
  status: SweepStatusSchema,
  /** The trials that changed, as the sweep view shows them. */
  trials: z.array(TrialSchema),
  paused: z.boolean(),
});
export type SweepEvent = z.infer<typeof SweepEventSchema>;

export const ApiEventSchema = z.discriminatedUnion('type', [
  RunProgressEventSchema,
  RunBoundaryEventSchema,
  RunStatusEventSchema,
  RunsChangedEventSchema,
  SweepEventSchema,
]);
export type ApiEvent = z.infer<typeof ApiEventSchema>;
export type RunProgressEvent = z.infer<typeof RunProgressEventSchema>;
export type RunBoundaryEvent = z.infer<typeof RunBoundaryEventSchema>;

/** The generator source of the form, as the config takes it. */
export { GeneratorSourceSchema };
