import { describe, expect, it } from 'vitest';
import { AshaRule, MedianRule, createStopRule, quantile } from '../../src-core/early-stop';

/** Feeds whole histories trial by trial; returns the step each trial was stopped at. */
function replay(rule: { report(t: number, s: number, v: number, total: number): { stop: boolean } }, histories: number[][], every = 10): (number | null)[] {
  const stopped: (number | null)[] = histories.map(() => null);
  histories.forEach((values, t) => {
    for (let i = 0; i < values.length; i++) {
      if (rule.report(t, i * every, values[i], values.length * every).stop) {
        stopped[t] = i * every;
        break;
      }
    }
  });
  return stopped;
}

describe('quantile', () => {
  it('interpolates linearly between order statistics, as NumPy does', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 2 / 3)).toBeCloseTo(3, 12);
    expect(quantile([10, 20], 0.75)).toBe(17.5);
    expect(quantile([5], 0.3)).toBe(5);
  });
});

describe('the median stopping rule', () => {
  const good = [1, 0.8, 0.6, 0.5, 0.4, 0.35];

  it("stops a trial whose best so far is worse than the median of the others' running averages", () => {
    const rule = new MedianRule(0, 3, 'train_cost', 'minimize');
    // Three good trials, then a flat bad one: stopped at the first step where it is compared.
    expect(replay(rule, [good, good, good, [2, 2, 2, 2, 2, 2]])).toEqual([null, null, null, 0]);
  });

  it('compares with running averages, not the latest values, and names the figures', () => {
    // Others' running average at step 20: (1 + 0.5 + 0.3) / 3 = 0.6 (their latest is 0.3).
    // A best of 0.55 goes on; 0.65 stops.
    const rule2 = new MedianRule(0, 3, 'train_cost', 'minimize');
    for (let t = 0; t < 3; t++) [1, 0.5, 0.3].forEach((v, i) => rule2.report(t, i * 10, v, 30));
    expect(rule2.report(3, 0, 0.95, 30)).toEqual({ stop: false });
    expect(rule2.report(3, 10, 0.74, 30)).toEqual({ stop: false });
    expect(rule2.report(3, 20, 0.55, 30)).toEqual({ stop: false });
    const rule3 = new MedianRule(0, 3, 'train_cost', 'minimize');
    for (let t = 0; t < 3; t++) [1, 0.5, 0.3].forEach((v, i) => rule3.report(t, i * 10, v, 30));
    rule3.report(3, 0, 0.99, 30);
    rule3.report(3, 10, 0.74, 30);
    expect(rule3.report(3, 20, 0.65, 30)).toEqual({
      stop: true,
      reason: "median rule: the best train_cost so far, 0.65, is worse than 0.6, the median of 3 other trials' running averages at step 20",
    });
  });

  it('never stops during the grace period', () => {
    const rule = new MedianRule(35, 3, 'train_cost', 'minimize');
    expect(replay(rule, [good, good, good, [2, 2, 2, 2, 2, 2]])).toEqual([null, null, null, 40]);
  });

  it('waits for min_trials other trials that have reached the step', () => {
    expect(replay(new MedianRule(0, 3, 'c', 'minimize'), [good, good, [2, 2, 2]])).toEqual([null, null, null]);
    // Past the grace period, the others have ended (at step 20): none of them counts at step 30.
    const bad = [2, 2, 2, 2, 2];
    expect(replay(new MedianRule(25, 3, 'c', 'minimize'), [good.slice(0, 3), good.slice(0, 3), good.slice(0, 3), bad])).toEqual([null, null, null, null]);
    expect(replay(new MedianRule(25, 3, 'c', 'minimize'), [good, good, good, bad])).toEqual([null, null, null, 30]);
  });

  it('maximizes an accuracy', () => {
    const rule = createStopRule({ rule: 'median', grace_period: 0, min_trials: 2 }, 'train_accuracy', 'maximize');
    expect(replay(rule, [[0.5, 0.7, 0.9], [0.5, 0.7, 0.9], [0.9, 0.95, 0.97], [0.1, 0.2, 0.3]])).toEqual([null, null, null, 0]);
  });

  it('ignores non-finite values', () => {
    const rule = new MedianRule(0, 3, 'c', 'minimize');
    expect(replay(rule, [good, good, good, [NaN, Infinity, 0.3]])).toEqual([null, null, null, null]);
  });
});

describe('ASHA', () => {
  it('puts rungs at grace·η^k below max_t', () => {
    expect(new AshaRule(1, 3, undefined, 'c', 'minimize').rungSteps(100)).toEqual([81, 27, 9, 3, 1]);
    expect(new AshaRule(10, 2, 100, 'c', 'minimize').rungSteps(5000)).toEqual([80, 40, 20, 10]);
    expect(new AshaRule(100, 3, undefined, 'c', 'minimize').rungSteps(100)).toEqual([]);
  });

  it('lets the first trial at a rung go on and stops one outside the best 1/η', () => {
    const rule = new AshaRule(10, 2, undefined, 'train_cost', 'minimize');
    expect(rule.report(0, 10, 0.5, 100)).toEqual({ stop: false });
    expect(rule.report(1, 10, 0.4, 100)).toEqual({ stop: false });
    // Rung 10 has 0.5 and 0.4: the cutoff is their median, 0.45.
    expect(rule.report(2, 10, 0.6, 100)).toEqual({
      stop: true,
      reason: 'ASHA: train_cost 0.6 at step 10 is not in the best 1/2 of the 3 trials at the rung of step 10 (cutoff 0.45)',
    });
  });

  it('records a trial once per rung, at its first report at or after the rung', () => {
    const rule = new AshaRule(10, 3, undefined, 'c', 'minimize');
    expect(rule.report(0, 12, 0.5, 100).stop).toBe(false);
    expect(rule.report(1, 12, 0.4, 100).stop).toBe(false);
    // Trial 0 is already recorded at rung 10; a worse later value there does not stop it.
    expect(rule.report(0, 20, 0.9, 100).stop).toBe(false);
    // Trial 0 reaches rung 30 first: it goes on; trial 1 at rung 30 is compared with it.
    expect(rule.report(0, 30, 0.45, 100).stop).toBe(false);
    expect(rule.report(1, 30, 0.5, 100).stop).toBe(true);
  });

  it('keeps about the best 1/η of trials that arrive from best to worst', () => {
    const rule = new AshaRule(10, 3, undefined, 'c', 'maximize');
    const decisions = Array.from({ length: 9 }, (_, t) => rule.report(t, 10, 1 - t / 10, 100).stop);
    // The first always goes on; then each is below the 2/3-quantile of those before it.
    expect(decisions).toEqual([false, true, true, true, true, true, true, true, true]);
    const rule2 = new AshaRule(10, 3, undefined, 'c', 'maximize');
    const rising = Array.from({ length: 9 }, (_, t) => rule2.report(t, 10, t / 10, 100).stop);
    expect(rising.every((s) => !s)).toBe(true);
  });

  it('stops at most once per trial and ignores non-finite values', () => {
    const rule = createStopRule({ rule: 'asha', grace_period: 10, reduction_factor: 2 }, 'c', 'minimize');
    rule.report(0, 10, 0.1, 100);
    expect(rule.report(1, 10, 0.9, 100).stop).toBe(true);
    expect(rule.report(1, 20, 0.9, 100).stop).toBe(false);
    expect(rule.report(2, 10, NaN, 100).stop).toBe(false);
  });
});
