/** Human-readable lines for training progress and results, shared by CLI commands. */
import type { FinalMetrics } from '../../src-core/experiment';
import type { HistoryEntry } from '../../src-core/train';

const percent = (v: number) => `${(100 * v).toFixed(2)}%`;

/** "Cost after iteration 1000: 0.288083", as the course prints it, plus what else was measured. */
export function formatEntry(entry: HistoryEntry, unit: 'iteration' | 'epoch'): string {
  const extra: string[] = [];
  if (entry.train_accuracy !== undefined) extra.push(`train accuracy ${percent(entry.train_accuracy)}`);
  if (entry.test_cost !== undefined) extra.push(`test cost ${entry.test_cost.toFixed(6)}`);
  if (entry.test_accuracy !== undefined) extra.push(`test accuracy ${percent(entry.test_accuracy)}`);
  const tail = extra.length ? `  (${extra.join(', ')})` : '';
  return `Cost after ${unit} ${entry.iteration}: ${entry.cost.toFixed(6)}${tail}`;
}

export function formatFinal(final: FinalMetrics): string[] {
  const lines = [`  train: cost ${final.train_cost.toFixed(6)}${final.train_accuracy === null ? '' : `, accuracy ${percent(final.train_accuracy)}`}`];
  if (final.test_cost !== null) {
    lines.push(`  test:  cost ${final.test_cost.toFixed(6)}${final.test_accuracy === null ? '' : `, accuracy ${percent(final.test_accuracy)}`}`);
  }
  return lines;
}
