/**
 * src-main/store: the run store (SQLite through better-sqlite3, Node only).
 * Runs, their metric history, latest metrics, tags, notes, weights and sweeps.
 * It may import Node and src-core, never Electron or the renderer. See docs/store.md.
 */
export { RunStore, DB_FILE, WEIGHTS_DIR } from './run-store';
export { RUN_SORT_FIELDS } from './types';
export type {
  OpenOptions,
  WriteOperation,
  MetricPoint,
  LatestMetric,
  RunSummary,
  RunDetail,
  RunTableRow,
  RunColumns,
  SharedFields,
  TableNumbers,
  TableMetrics,
  WeightsInfo,
  ListRunsOptions,
  RunSortField,
  SweepInfo,
} from './types';
export { StoreError, type StoreErrorCode } from './errors';
export {
  RUN_STATUSES,
  SWEEP_STATUSES,
  canTransition,
  nextStatuses,
  isFinal,
  isRunStatus,
  isSweepStatus,
  type RunStatus,
  type FinalStatus,
  type SweepStatus,
} from './status';
export { resolveStoreDir, type StoreDirOptions } from './location';
export { LOCK_FILE } from './lock';
export type { Owner } from './owner';
export { SCHEMA_VERSION } from './schema';
export { hyperparams, type Hyperparams } from './hyperparams';
export { newId } from './ids';
