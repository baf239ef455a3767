/** Store records as the API's rows: the runs table's columns, with non-finite numbers as null. */
import type { Hyperparams, RunMetrics, RunRow } from '../../src-api/schemas';
import type { RunSummary } from '../store';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The hyperparameters of a stored config (JSON text); unknowns as null. */
export function hyperparams(configText: string): Hyperparams {
  let c: Record<string, any> = {};
  try {
    c = JSON.parse(configText) as Record<string, any>;
  } catch {
    // A config the store accepted is JSON; an unreadable one shows as unknowns.
  }
  const train = c.train ?? {};
  const model = c.model ?? {};
  const source = c.data?.train ?? {};
  const data =
    typeof source.generator === 'string'
      ? source.generator
      : String(source.csv?.file ?? source.x?.file ?? '?').split(/[\\/]/).pop()!;
  const keep = Array.isArray(train.keep_prob) ? Math.min(...train.keep_prob) : train.keep_prob;
  const activations: unknown = model.activations;
  return {
    data,
    hidden: Array.isArray(model.hidden) ? model.hidden.filter((n: unknown) => typeof n === 'number') : [],
    activation: Array.isArray(activations) && new Set(activations).size > 1 ? activations.join('/') : String(model.activation ?? '?'),
    output: String(model.output ?? 'sigmoid'),
    optimizer: String(train.optimizer ?? 'gd'),
    learning_rate: finite(train.learning_rate),
    steps: finite(train.epochs ?? train.iterations),
    unit: train.epochs !== undefined ? 'epoch' : 'iteration',
    batch_size: finite(train.batch_size),
    l2: finite(train.l2),
    keep_prob: finite(keep),
    m: finite(source.m),
    noise: finite(source.noise),
  };
}

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
