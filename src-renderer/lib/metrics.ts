/**
 * The four final metrics of a run, as sweeps rank and Compare picks its best run by them.
 * No zod, no src-api values: the runs view's first code may import it.
 */
import type { RunMetrics } from '../../src-api/schemas';

export const METRICS = ['test_cost', 'test_accuracy', 'train_cost', 'train_accuracy'] as const;
export type MetricName = (typeof METRICS)[number];
export const METRIC_LABELS: Record<MetricName, string> = {
  test_cost: 'test cost',
  test_accuracy: 'test accuracy',
  train_cost: 'train cost',
  train_accuracy: 'train accuracy',
};

export function lowerIsBetter(metric: MetricName): boolean {
  return metric.endsWith('cost');
}

/** The order "best by" offers them: held-out data before training data, accuracy before cost. */
const BEST_ORDER: MetricName[] = ['test_accuracy', 'test_cost', 'train_accuracy', 'train_cost'];

/**
 * The metrics at least one of the runs has, best-by order. The first is the default: test
 * accuracy with a test set, train accuracy without one, a cost for a regression.
 */
export function bestChoices(runs: RunMetrics[]): MetricName[] {
  return BEST_ORDER.filter((m) => runs.some((r) => isNumber(r[m])));
}

/** The index of the best run by a metric (the first of equals), or null when none has it. */
export function bestIndex(runs: RunMetrics[], metric: MetricName): number | null {
  const lower = lowerIsBetter(metric);
  let best: number | null = null;
  runs.forEach((r, i) => {
    const v = r[metric];
    if (!isNumber(v)) return;
    const b = best === null ? null : runs[best][metric]!;
    if (b === null || (lower ? v < b : v > b)) best = i;
  });
  return best;
}

function isNumber(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
