/** The shapes the run store takes and returns. Times are milliseconds since 1970. */
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

/** Everything about one run except its metric history (see `RunStore.history`). */
export interface RunDetail extends RunSummary {
  /** The run config as the JSON text it was created with. */
  config: string;
  /** The result summary given to finishRun, as JSON text, or null. */
  summary: string | null;
  /** The process that runs (or last ran) it. */
  owner: Owner | null;
  weights: WeightsInfo | null;
}

/** Fields runs can be sorted by; any other sort key names a metric. */
export const RUN_SORT_FIELDS = ['created', 'name', 'status', 'started', 'finished', 'updated'] as const;
export type RunSortField = (typeof RUN_SORT_FIELDS)[number];

export interface ListRunsOptions {
  sweepId?: string;
  status?: RunStatus | readonly RunStatus[];
  tag?: string;
  /** Case-insensitive substring of the id, name, notes or a tag. */
  search?: string;
  /** Soft-deleted runs: hidden (default), shown alongside the others, or shown alone. */
  deleted?: 'hide' | 'include' | 'only';
  /**
   * A field from RUN_SORT_FIELDS, or a metric key: runs are then sorted by its latest
   * value, and runs without one (or whose latest value is NaN) come last. Default 'created'.
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
