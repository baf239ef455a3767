/**
 * Early stopping across the trials of a sweep: decides, from the metric values trials
 * report as they train, which trials are not worth finishing. Two rules, each one small
 * object behind `StopRule` (see docs/sweep.md):
 *
 * - median (Golovin et al., "Google Vizier", 2017): at step s, after the grace period, stop
 *   a trial whose best value so far is worse than the median of the other trials' running
 *   averages up to s. Only trials that have reached s count, and at least `min_trials`.
 * - asha (Li et al., "A System for Massively Parallel Hyperparameter Tuning", 2020):
 *   rungs at grace·η^k steps (below max_t). The first time a trial reaches a rung its value
 *   is recorded there; it goes on only if that value is in the best 1/η of the values the
 *   rung has seen so far (asynchronous: the first trials at a rung always go on).
 *
 * Values are given in the metric's own direction with `goal`; non-finite values (a
 * diverging trial) are ignored. Pure: no clock, no I/O.
 */
import type { EarlyStoppingRule, Goal } from './sweep-spec';

export type StopDecision = { stop: false } | { stop: true; reason: string };

export interface StopRule {
  /**
   * Records a trial's metric at `step` (steps of one trial increase) and says whether to
   * stop it now. `totalSteps` is the trial's length. Once a trial has been told to stop,
   * later reports of it are recorded but never stop it again.
   */
  report(trial: number, step: number, value: number, totalSteps: number): StopDecision;
}

const CONTINUE: StopDecision = { stop: false };

/** The rule a sweep spec's `early_stopping` names, for a metric and its goal. */
export function createStopRule(rule: EarlyStoppingRule, metric: string, goal: Goal): StopRule {
  return rule.rule === 'median'
    ? new MedianRule(rule.grace_period, rule.min_trials, metric, goal)
    : new AshaRule(rule.grace_period, rule.reduction_factor, rule.max_t, metric, goal);
}

/** A trial's logged values, with prefix sums for running averages. */
interface Series {
  steps: number[];
  values: number[];
  /** sums[i] = values[0] + … + values[i-1]. */
  sums: number[];
  best: number;
  stopped: boolean;
}

export class MedianRule implements StopRule {
  private readonly trials = new Map<number, Series>();

  constructor(
    private readonly gracePeriod: number,
    private readonly minTrials: number,
    private readonly metric: string,
    private readonly goal: Goal,
  ) {}

  report(trial: number, step: number, value: number, _totalSteps?: number): StopDecision {
    if (!Number.isFinite(value)) return CONTINUE;
    let series = this.trials.get(trial);
    if (!series) {
      series = { steps: [], values: [], sums: [0], best: value, stopped: false };
      this.trials.set(trial, series);
    }
    series.steps.push(step);
    series.values.push(value);
    series.sums.push(series.sums[series.sums.length - 1] + value);
    if (this.better(value, series.best)) series.best = value;

    if (series.stopped || step < this.gracePeriod) return CONTINUE;
    const averages: number[] = [];
    for (const [other, s] of this.trials) {
      if (other === trial || s.steps[s.steps.length - 1] < step) continue;
      averages.push(runningAverage(s, step));
    }
    if (averages.length < this.minTrials) return CONTINUE;
    const median = quantile(averages, 0.5);
    if (!this.better(median, series.best)) return CONTINUE;
    series.stopped = true;
    return {
      stop: true,
      reason:
        `median rule: the best ${this.metric} so far, ${fmt(series.best)}, is worse than ${fmt(median)}, ` +
        `the median of ${averages.length} other trials' running averages at step ${step}`,
    };
  }

  private better(a: number, b: number): boolean {
    return this.goal === 'minimize' ? a < b : a > b;
  }
}

/** The mean of a trial's values at steps ≤ step. */
function runningAverage(s: Series, step: number): number {
  // The number of logged steps ≤ step, by binary search.
  let lo = 0;
  let hi = s.steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.steps[mid] <= step) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? NaN : s.sums[lo] / lo;
}

export class AshaRule implements StopRule {
  /** For each rung step, the value each trial had when it first reached it. */
  private readonly rungs = new Map<number, Map<number, number>>();
  private readonly stopped = new Set<number>();

  constructor(
    private readonly gracePeriod: number,
    private readonly reductionFactor: number,
    private readonly maxT: number | undefined,
    private readonly metric: string,
    private readonly goal: Goal,
  ) {}

  /** The rung steps below `maxT`, highest first: grace·η^k. */
  rungSteps(totalSteps: number): number[] {
    const maxT = this.maxT ?? totalSteps;
    const steps: number[] = [];
    for (let r = this.gracePeriod; r < maxT; r *= this.reductionFactor) steps.push(Math.round(r));
    return [...new Set(steps)].reverse();
  }

  report(trial: number, step: number, value: number, totalSteps: number): StopDecision {
    if (!Number.isFinite(value)) return CONTINUE;
    // Rewards: larger is better.
    const reward = this.goal === 'minimize' ? -value : value;
    for (const rung of this.rungSteps(totalSteps)) {
      if (step < rung) continue;
      let recorded = this.rungs.get(rung);
      if (!recorded) {
        recorded = new Map();
        this.rungs.set(rung, recorded);
      }
      if (recorded.has(trial)) continue;
      const seen = [...recorded.values()];
      recorded.set(trial, reward);
      if (seen.length === 0 || this.stopped.has(trial)) return CONTINUE;
      const cutoff = quantile(seen, 1 - 1 / this.reductionFactor);
      if (reward >= cutoff) return CONTINUE;
      this.stopped.add(trial);
      const shown = this.goal === 'minimize' ? -cutoff : cutoff;
      return {
        stop: true,
        reason:
          `ASHA: ${this.metric} ${fmt(value)} at step ${step} is not in the best 1/${fmt(this.reductionFactor)} ` +
          `of the ${seen.length + 1} trials at the rung of step ${rung} (cutoff ${fmt(shown)})`,
      };
    }
    return CONTINUE;
  }
}

/** The q-quantile with linear interpolation between order statistics (NumPy's default). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}
