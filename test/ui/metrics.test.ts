/** Compare's "best by": the choices offered, the default, and the pick (src-renderer/lib/metrics.ts). */
import { describe, expect, it } from 'vitest';
import { bestChoices, bestIndex } from '../../src-renderer/lib/metrics';

const run = (train_cost: number | null, train_accuracy: number | null, test_cost: number | null, test_accuracy: number | null) => ({
  train_cost,
  train_accuracy,
  test_cost,
  test_accuracy,
  step: 100,
});

describe('best by', () => {
  const runs = [run(0.2, 0.91, 0.35, 0.85), run(0.1, 0.95, 0.4, 0.875), run(0.3, 0.88, 0.3, 0.8)];

  it('offers test metrics first, and defaults to test accuracy with a test set', () => {
    expect(bestChoices(runs)).toEqual(['test_accuracy', 'test_cost', 'train_accuracy', 'train_cost']);
  });

  it('defaults to train accuracy without a test set, and to train cost for a regression', () => {
    expect(bestChoices([run(0.2, 0.9, null, null), run(0.1, 0.8, null, null)])[0]).toBe('train_accuracy');
    expect(bestChoices([run(0.2, null, null, null), run(0.1, null, null, null)])).toEqual(['train_cost']);
  });

  it('picks the highest accuracy and the lowest cost, each a different run here', () => {
    expect(bestIndex(runs, 'test_accuracy')).toBe(1);
    expect(bestIndex(runs, 'test_cost')).toBe(2);
    expect(bestIndex(runs, 'train_accuracy')).toBe(1);
    expect(bestIndex(runs, 'train_cost')).toBe(1);
  });

  it('skips runs without the metric, keeps the first of equals, and says when none has it', () => {
    const some = [run(0.5, null, null, null), run(0.2, 0.9, 0.3, 0.8), run(0.1, 0.9, null, 0.8)];
    expect(bestIndex(some, 'test_accuracy')).toBe(1);
    expect(bestIndex(some, 'train_accuracy')).toBe(1);
    expect(bestIndex(some, 'train_cost')).toBe(2);
    expect(bestIndex([run(0.5, null, null, null)], 'test_cost')).toBeNull();
  });
});
