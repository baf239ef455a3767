/**
 * Sweep parameter values as numbers for plotting: numbers as they are, a one-layer
 * `model.hidden` as its size (more layers: total units), anything else by its position
 * among the distinct values (with the value as the tick label).
 */
import { formatValue } from '../../src-api';

export interface Axis {
  label: string;
  values: (number | null)[];
  /** Tick labels for categorical axes. */
  categories: string[] | null;
}

export function paramAxis(path: string, values: unknown[]): Axis {
  const label = path.split('.').pop()!;
  if (values.every((v) => typeof v === 'number')) return { label, values: values as number[], categories: null };
  if (values.every((v) => Array.isArray(v) && v.every((n) => typeof n === 'number'))) {
    const arrays = values as number[][];
    if (arrays.every((a) => a.length === 1)) return { label: `${label} (units)`, values: arrays.map((a) => a[0]), categories: null };
    if (new Set(arrays.map((a) => a.length)).size > 1 || arrays.every((a) => a.length > 1)) {
      return { label: `${label} (total units)`, values: arrays.map((a) => a.reduce((s, n) => s + n, 0)), categories: null };
    }
  }
  const categories = [...new Set(values.map((v) => formatValue(v)))];
  return { label, values: values.map((v) => categories.indexOf(formatValue(v))), categories };
}

export { METRICS, METRIC_LABELS, type MetricName } from './metrics';
