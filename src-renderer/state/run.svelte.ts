/**
 * One run as the run view shows it, kept live: its detail, its history (appended from
 * progress events), its decision boundary (live while training, final after, or a
 * checkpoint's when replaying), and its progress. Answers and events can arrive out of
 * order (events are batched, answers are not); lib/run-feed.ts decides what may be shown.
 */
import type { Boundary, Entry, RunDetail } from '../../src-api';
import { api } from '../lib/api';
import { type DecodedGrid, decodeGrid, decodePoints } from '../lib/decode';
import type { PointsData } from '../lib/paint';
import { RunFeed, type SeriesData, appendSeries, isActive } from '../lib/run-feed';
import { onEvent } from './events.svelte';

export type { SeriesData };

/** History entries as series, by metric. */
function entriesToSeries(entries: Entry[]): Record<string, SeriesData> {
  const out: Record<string, SeriesData> = {};
  const push = (key: string, step: number, value: number | null | undefined) => {
    if (value === undefined) return;
    const s = (out[key] ??= { steps: [], values: [] });
    s.steps.push(step);
    s.values.push(value);
  };
  for (const e of entries) {
    push('train_cost', e.iteration, e.cost);
    push('train_accuracy', e.iteration, e.train_accuracy);
    push('test_cost', e.iteration, e.test_cost);
    push('test_accuracy', e.iteration, e.test_accuracy);
  }
  return out;
}

export class RunState {
  detail = $state.raw<RunDetail | null>(null);
  series = $state.raw<Record<string, SeriesData>>({});
  grid = $state.raw<DecodedGrid | null>(null);
  train = $state.raw<PointsData | null>(null);
  test = $state.raw<PointsData | null>(null);
  boundary = $state.raw<Boundary | null>(null);
  progress = $state<{ step: number; total: number } | null>(null);
  error = $state<string | null>(null);
  boundaryError = $state<string | null>(null);
  /** The checkpoint step shown, or null for the live/final weights. */
  replayStep = $state<number | null>(null);
  private readonly feed = new RunFeed();
  private readonly off: () => void;
  private poll: ReturnType<typeof setInterval> | undefined;
  private polling = false;
  private disposed = false;

  constructor(readonly id: string) {
    this.off = onEvent((event) => {
      if (!('runId' in event) || event.runId !== id) return;
      if (event.type === 'run.progress') {
        if (this.feed.ended) return;
        this.progress = { step: event.step, total: event.totalSteps };
        if (event.entries.length) this.append(entriesToSeries(event.entries));
      } else if (event.type === 'run.boundary') {
        if (this.replayStep === null && this.feed.live(event.boundary.step)) this.grid = decodeGrid(event.boundary);
      } else if (event.type === 'run.status') {
        if (!this.feed.status(event.status)) return;
        if (!isActive(event.status)) void this.load();
        else if (this.detail) this.detail = { ...this.detail, status: event.status };
      }
    });
  }

  get active(): boolean {
    return this.detail !== null && isActive(this.detail.status);
  }

  async load(): Promise<void> {
    const token = this.feed.beginLoad();
    try {
      const [detail, history] = await Promise.all([api.call('runs.get', { id: this.id }), api.call('runs.history', { id: this.id })]);
      if (this.disposed || !this.feed.isCurrentLoad(token)) return;
      // An answer is never older than the events received before it (the transports keep
      // their order, and events wait for their batch), so it is shown as it is.
      this.feed.status(detail.status);
      const ended = !isActive(detail.status);
      this.detail = detail;
      this.series = history.series;
      this.error = null;
      if (!ended) {
        await api.call('runs.watch', { ids: [this.id] });
        if (this.disposed) return;
        // A sweep's trial trains in a trial process: its history reaches the store in
        // batches, so the curves follow the store rather than events.
        if (detail.sweepId && !this.poll) {
          this.poll = setInterval(() => void this.pollHistory(), 1000);
        }
        if (detail.inputs === 2 && !this.train) await this.loadPreviewPoints(detail);
      } else {
        this.stopPolling();
        if (detail.hasWeights && detail.inputs === 2) await this.loadBoundary();
      }
    } catch (error) {
      if (this.feed.isCurrentLoad(token)) this.error = (error as Error).message;
    }
  }

  /** While training: the data points from the generator (the grid arrives live). */
  private async loadPreviewPoints(detail: RunDetail): Promise<void> {
    const source = (detail.config.data as { train?: Record<string, unknown> })?.train;
    if (!source || typeof source.generator !== 'string') return;
    try {
      const preview = await api.call('datasets.preview', { source: source as never });
      // The final boundary's points (with predictions) win over the preview.
      if (!this.boundary && !this.disposed) this.train = decodePoints(preview.points);
    } catch {
      // Points are a nicety while the grid streams in.
    }
  }

  async loadBoundary(step?: number): Promise<void> {
    const token = this.feed.beginBoundary();
    try {
      const b = await api.call('runs.boundary', { id: this.id, step, grid: 200 });
      if (this.disposed || !this.feed.boundaryAnswered(token)) return;
      this.boundary = b;
      this.grid = decodeGrid(b.boundary);
      this.train = decodePoints(b.train);
      this.test = b.test ? decodePoints(b.test) : null;
      this.boundaryError = null;
    } catch (error) {
      this.boundaryError = (error as Error).message;
    }
  }

  replay(step: number | null): void {
    this.replayStep = step;
    void this.loadBoundary(step ?? undefined);
  }

  private append(added: Record<string, SeriesData>): void {
    const next = appendSeries(this.series, added);
    if (next) this.series = next;
  }

  /** Fetches only the points logged since the last one shown, and appends them. */
  private async pollHistory(): Promise<void> {
    // One poll at a time: a slow answer must not be fetched twice.
    if (this.polling) return;
    this.polling = true;
    const last = Math.max(-1, ...Object.values(this.series).map((s) => s.steps[s.steps.length - 1] ?? -1));
    try {
      const h = await api.call('runs.history', { id: this.id, after: last });
      if (!this.disposed) this.append(h.series);
    } catch {
      // The next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private stopPolling(): void {
    clearInterval(this.poll);
    this.poll = undefined;
  }

  async cancel(): Promise<void> {
    await api.call('runs.cancel', { id: this.id });
  }

  dispose(): void {
    this.disposed = true;
    this.off();
    this.stopPolling();
    void api.call('runs.watch', { ids: [] }).catch(() => {});
  }
}
