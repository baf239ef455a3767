/** The shapes the run store takes and returns. Times are milliseconds since 1970. */
import type { Hyperparams } from './hyperparams';
import type { Owner } from './owner';
import type { RunStatus, SweepStatus } from './status';

/** Operations that write; a test hook sees each one before it writes. */
export type WriteOperation =
  | 'createRun'
  | 'startRun'
  | 'appendMetrics'
  | 'finishRun'
  | 'failRun'
  | 'saveWeights'
  | 'weightsFile'
  | 'edit'
  | 'purge'
  | 'recover'
  | 'sweep';

export interface OpenOptions {
  /** Open for reading only: takes no lock, never writes, works while another process writes. */
  readonly?: boolean;
  /**
   * Test seam for failures that are hard to cause for real (a full disk): called at the
   * start of every write transaction, and as 'weightsFile' halfway through writing a
   * weights file. Throwing from it behaves like SQLite or the file system throwing there.
   */
  testHooks?: { beforeWrite?(operation: WriteOperation): void };
}

/** One logged value. `value` may be NaN or ±Infinity (a diverging run's cost). */
export interface MetricPoint {
  step: number;
  key: string;
  value: number;
}

export interface LatestMetric {
  value: number;
  step: number;
}

/** A run as listings show it. */
export interface RunSummary {
  id: string;
  name: string;
  status: RunStatus;
  sweepId: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** Last time anything was written for this run (metrics included). */
  updatedAt: number;
  /** Why it failed or was interrupted; null otherwise. */
  error: string | null;
  notes: string;
  /** Sorted. */
  tags: string[];
  /** Set when soft-deleted: hidden from listings until restored or purged. */
  deletedAt: number | null;
  /** The latest value (the one at the highest step) of every metric logged, by key. */
  metrics: Record<string, LatestMetric>;
}

export interface WeightsInfo {
  format: string;
  bytes: number;
  sha256: string;
  savedAt: number;
  /** Absolute path of the weights file. */
  file: string;
}

/** The latest values of the standard metrics as a runs table shows them. */
export interface TableMetrics {
  /** null: never logged, or NaN or infinite. */
  train_cost: number | null;
  test_cost: number | null;
  train_accuracy: number | null;
  test_accuracy: number | null;
  /** The step of train_cost's latest value. */
  step: number | null;
}

/**
 * A run as the runs table shows it, built straight from the run's row: no config is parsed
 * and no metric table read. It is src-api's RunRow, which the API sends as it is.
 */
export interface RunTableRow {
  id: string;
  name: string;
  status: RunStatus;
  sweepId: string | null;
  sweepName: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  /** From start to finish, or to the last write while it runs; null until it starts. */
  durationMs: number | null;
  /** Sorted. */
  tags: string[];
  notes: string;
  error: string | null;
  hp: Hyperparams;
  metrics: TableMetrics;
  deleted: boolean;
}

/** What many runs of a columnar listing share: one entry of its dictionary. */
export interface SharedFields {
  status: RunStatus;
  sweepId: string | null;
  /** null when the run is in no sweep (or its sweep is gone). */
  sweepName: string | null;
  data: string;
  hidden: number[];
  activation: string;
  optimizer: string;
  unit: 'iteration' | 'epoch';
  deleted: boolean;
}

/** The numbers of a columnar listing, one array per field (RUN_COLUMN_NUMBERS in src-api/run-columns.ts). */
export type TableNumbers = Record<
  'createdAt' | 'startedAt' | 'durationMs' | 'learning_rate' | 'steps' | 'train_cost' | 'test_cost' | 'train_accuracy' | 'test_accuracy' | 'step',
  Float64Array
>;

/**
 * Runs as the runs table shows them, one array per field (RunStore.listRunColumns): run i
 * is `id[i]`, `name[i]`, …; the fields many runs share are a dictionary (`shared.values`,
 * indexed by `shared.codes[i]`); numbers are Float64Arrays with NaN for null (a metric
 * that was never logged, NaN or infinite; a run not started); tags are (row, tag) pairs.
 * No object is made per run.
 */
export interface RunColumns {
  count: number;
  id: string[];
  name: string[];
  notes: string[];
  shared: { values: SharedFields[]; codes: number[] };
  numbers: TableNumbers;
  /** `tags.tags[j]` is a tag of run `tags.rows[j]`; each run's tags in tag order. */
  tags: { rows: number[]; tags: string[] };
}

/** Everything about one run except its metric history (see `RunStore.history`). */
export interface RunDetail extends RunSummary {
  /** The hyperparameters of its config, as listings show them. */
  hp: Hyperparams;
  /** The run config as the JSON text it was created with. */
  config: string;
  /** The result summary given to finishRun, as JSON text, or null. */
  summary: string | null;
  /** The process that runs (or last ran) it. */
  owner: Owner | null;
  weights: WeightsInfo | null;
}

/**
 * Fields runs can be sorted by; any other sort key names a metric. `duration` is from start
 * to finish (or the last write), `sweep` the sweep's name, `tags` the sorted tags as one
 * text, `hp.*` the hyperparameters of the config (`hp.hidden`: fewer layers first, then by
 * size).
 */
export const RUN_SORT_FIELDS = [
  'created',
  'name',
  'status',
  'started',
  'finished',
  'updated',
  'duration',
  'sweep',
  'tags',
  'hp.data',
  'hp.hidden',
  'hp.activation',
  'hp.optimizer',
  'hp.learning_rate',
  'hp.steps',
] as const;
export type RunSortField = (typeof RUN_SORT_FIELDS)[number];

export interface ListRunsOptions {
  sweepId?: string;
  status?: RunStatus | readonly RunStatus[];
  tag?: string;
  /**
   * Case-insensitive substring (ASCII case) of the id, name, notes, a tag, the sweep's name,
   * or the data, hidden sizes ("[4, 4]"), activation or optimizer of the config.
   */
  search?: string;
  /** Only these runs (by id). */
  ids?: readonly string[];
  /** Only runs written at or after this time (updatedAt ≥ it). */
  updatedSince?: number;
  /** Soft-deleted runs: hidden (default), shown alongside the others, or shown alone. */
  deleted?: 'hide' | 'include' | 'only';
  /**
   * A field from RUN_SORT_FIELDS, or a metric key: runs are then sorted by its latest
   * value, and runs without one (or whose latest value is NaN or infinite) come last.
   * Runs without a value of a field (not started, in no sweep, no tags) come last too.
   * Default 'created'.
   */
  sortBy?: string;
  /** Default: newest first for 'created', ascending for everything else. */
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface SweepInfo {
  id: string;
  name: string;
  /** The sweep spec as JSON text. */
  spec: string;
  status: SweepStatus;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  updatedAt: number;
  error: string | null;
  notes: string;
}
