/**
 * Store records as the API's rows: the runs table's columns, with non-finite numbers as
 * null. (runs.list gets its rows ready-made from the store's listRunTable; runs.get builds
 * its row here.) The hyperparameters come from the store, which derives them from the
 * config when a run is created (src-main/store/hyperparams.ts).
 */
import type { Hyperparams, RunMetrics, RunRow } from '../../src-api/schemas';
import type { RunSummary } from '../store';

export { hyperparams } from '../store';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function metricsOf(run: RunSummary): RunMetrics {
  const m = run.metrics;
  const step = m.train_cost?.step ?? null;
  return {
    train_cost: finite(m.train_cost?.value),
    test_cost: finite(m.test_cost?.value),
    train_accuracy: finite(m.train_accuracy?.value),
    test_accuracy: finite(m.test_accuracy?.value),
    step,
  };
}

export function toRow(run: RunSummary, hp: Hyperparams, sweepName: string | null): RunRow {
  const duration = run.startedAt !== null ? (run.finishedAt ?? run.updatedAt) - run.startedAt : null;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    sweepId: run.sweepId,
    sweepName,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    updatedAt: run.updatedAt,
    durationMs: duration,
    tags: run.tags,
    notes: run.notes,
    error: run.error,
    hp,
    metrics: metricsOf(run),
    deleted: run.deletedAt !== null,
  };
}
