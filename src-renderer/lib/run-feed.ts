/**
 * What the run view may show when answers and live events arrive out of order. Answers to
 * requests come at once, while events come batched, up to 100 ms after they happened; so
 * an event can be older than an answer already shown. Two facts order them: a run's status
 * only moves forward (queued → running → a final status, never back), and once a run has
 * ended its picture is the final weights' boundary (or a replayed checkpoint's), which no
 * live picture may replace. Plain TypeScript (no runes), so the rules are tested alone
 * (test/ui/run-feed.test.ts); state/run.svelte.ts asks it before showing anything.
 */
import type { RunStatus } from '../../src-api/schemas';

const RANK: Record<RunStatus, number> = {
  queued: 0,
  running: 1,
  completed: 2,
  stopped: 2,
  diverged: 2,
  cancelled: 2,
  failed: 2,
  interrupted: 2,
};
const FINAL = 2;

export function isActive(status: RunStatus): boolean {
  return RANK[status] < FINAL;
}

export class RunFeed {
  private rank = -1;
  private loads = 0;
  private boundaries = 0;
  private settled = false;
  private liveStep = -Infinity;

  /**
   * Whether a status (from an event or an answer) may be shown: not a step back from one
   * already seen. A stale 'running' after 'completed' is refused.
   */
  status(status: RunStatus): boolean {
    const rank = RANK[status];
    if (rank < this.rank) return false;
    this.rank = rank;
    return true;
  }

  /** Whether the run is known to have ended. */
  get ended(): boolean {
    return this.rank >= FINAL;
  }

  /** A token for a load of the run's detail; only the newest load's answer may be shown. */
  beginLoad(): number {
    return ++this.loads;
  }

  isCurrentLoad(token: number): boolean {
    return token === this.loads;
  }

  /** A token for a request of a boundary (final or replayed); only the newest is shown. */
  beginBoundary(): number {
    return ++this.boundaries;
  }

  /**
   * Whether the answer to boundary request `token` may be shown. Showing it settles the
   * picture: from then on live pictures are refused, even late ones.
   */
  boundaryAnswered(token: number): boolean {
    if (token !== this.boundaries) return false;
    this.settled = true;
    return true;
  }

  /**
   * Whether a live boundary at `step` may replace the picture: only while the run is not
   * known to have ended, no final or replayed picture is shown, and it is not older than
   * the live picture shown.
   */
  live(step: number | null): boolean {
    if (this.settled || this.ended) return false;
    if (step !== null && step < this.liveStep) return false;
    if (step !== null) this.liveStep = step;
    return true;
  }
}

export interface SeriesData {
  steps: number[];
  values: (number | null)[];
}

/** Appends points to series, skipping steps a series already has (a late event repeating a load). */
export function appendSeries(series: Record<string, SeriesData>, added: Record<string, SeriesData>): Record<string, SeriesData> | null {
  let next: Record<string, SeriesData> | null = null;
  for (const [key, s] of Object.entries(added)) {
    const old = (next ?? series)[key] ?? { steps: [], values: [] };
    const last = old.steps.length ? old.steps[old.steps.length - 1] : -Infinity;
    let from = 0;
    while (from < s.steps.length && s.steps[from] <= last) from++;
    if (from === s.steps.length) continue;
    next ??= { ...series };
    next[key] = { steps: old.steps.concat(s.steps.slice(from)), values: old.values.concat(s.values.slice(from)) };
  }
  return next;
}
