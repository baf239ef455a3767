/**
 * The run view's ordering rules (src-renderer/lib/run-feed.ts): answers come at once,
 * events up to a batch later, so the view must refuse what is older than what it shows.
 * Each case replays an interleaving seen in the browser (see the journey in test/e2e).
 */
import { describe, expect, it } from 'vitest';
import { RunFeed, appendSeries } from '../../src-renderer/lib/run-feed';

describe('RunFeed', () => {
  it('refuses a live picture that arrives after the final one is shown', () => {
    // The run view loads a just-finished run: its answer (completed, final boundary) comes
    // before the batch that still holds a live boundary from iteration 0.
    const feed = new RunFeed();
    const load = feed.beginLoad();
    expect(feed.isCurrentLoad(load)).toBe(true);
    expect(feed.status('completed')).toBe(true);
    expect(feed.boundaryAnswered(feed.beginBoundary())).toBe(true);
    expect(feed.live(0)).toBe(false);
    // The stale batch's 'running' is refused too.
    expect(feed.status('running')).toBe(false);
    expect(feed.ended).toBe(true);
  });

  it('refuses live pictures once the end is known, even before the final one arrives', () => {
    const feed = new RunFeed();
    expect(feed.status('running')).toBe(true);
    expect(feed.live(0)).toBe(true);
    expect(feed.live(300)).toBe(true);
    expect(feed.status('completed')).toBe(true);
    expect(feed.live(0)).toBe(false);
    expect(feed.live(300)).toBe(false);
  });

  it('keeps live pictures in step order while the run trains', () => {
    const feed = new RunFeed();
    feed.status('running');
    expect(feed.live(100)).toBe(true);
    expect(feed.live(50)).toBe(false);
    expect(feed.live(100)).toBe(true);
    expect(feed.live(200)).toBe(true);
  });

  it('shows only the newest load and the newest boundary request', () => {
    const feed = new RunFeed();
    const first = feed.beginLoad();
    const second = feed.beginLoad();
    expect(feed.isCurrentLoad(first)).toBe(false);
    expect(feed.isCurrentLoad(second)).toBe(true);
    // Replay to a checkpoint, then back to the end before the first answer arrives.
    const checkpoint = feed.beginBoundary();
    const final = feed.beginBoundary();
    expect(feed.boundaryAnswered(final)).toBe(true);
    expect(feed.boundaryAnswered(checkpoint)).toBe(false);
  });

  it('moves statuses forward only: queued, running, then a final one', () => {
    const feed = new RunFeed();
    expect(feed.status('queued')).toBe(true);
    expect(feed.status('running')).toBe(true);
    expect(feed.status('queued')).toBe(false);
    expect(feed.ended).toBe(false);
    expect(feed.status('diverged')).toBe(true);
    expect(feed.status('running')).toBe(false);
    expect(feed.status('queued')).toBe(false);
  });
});

describe('appendSeries', () => {
  it('appends only steps after the last one of each series', () => {
    const series = { train_cost: { steps: [0, 100, 200], values: [0.7, 0.5, 0.4] } };
    // A late progress event repeats 100 and 200 (the load already had them) and adds 300.
    const next = appendSeries(series, {
      train_cost: { steps: [100, 200, 300], values: [0.5, 0.4, 0.35] },
      test_cost: { steps: [300], values: [0.45] },
    });
    expect(next).toEqual({
      train_cost: { steps: [0, 100, 200, 300], values: [0.7, 0.5, 0.4, 0.35] },
      test_cost: { steps: [300], values: [0.45] },
    });
    // The original is not changed (state is replaced, never mutated).
    expect(series.train_cost.steps).toEqual([0, 100, 200]);
  });

  it('returns null when nothing is new', () => {
    const series = { train_cost: { steps: [0, 100], values: [0.7, null] } };
    expect(appendSeries(series, { train_cost: { steps: [0, 100], values: [0.7, null] } })).toBeNull();
    expect(appendSeries(series, {})).toBeNull();
  });
});
