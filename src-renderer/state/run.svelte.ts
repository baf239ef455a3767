/**
 * One run as the run view shows it, kept live: its detail, its history (appended from
 * progress events), its decision boundary (live while training, final after, or a
 * checkpoint's when replaying), and its progress.
 */
import type { Boundary, RunDetail } from '../../src-api';
import { api } from '../lib/api';
import { type DecodedGrid, decodeGrid, decodePoints } from '../lib/decode';
import type { PointsData } from '../lib/paint';
import { onEvent } from './events.svelte';

export interface SeriesData {
  steps: number[];
  values: (number | null)[];
}

const ACTIVE = new Set(['queued', 'running']);

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
  private off: () => void;
  private replayToken = 0;
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(readonly id: string) {
    this.off = onEvent((event) => {
      if (!('runId' in event) || event.runId !== id) return;
      if (event.type === 'run.progress') {
        this.progress = { step: event.step, total: event.totalSteps };
        if (event.entries.length) this.append(event.entries);
      } else if (event.type === 'run.boundary' && this.replayStep === null) {
        this.grid = decodeGrid(event.boundary);
      } else if (event.type === 'run.status') {
        if (!ACTIVE.has(event.status)) void this.load();
        else if (this.detail) this.detail = { ...this.detail, status: event.status };
      }
    });
  }

  get active(): boolean {
    return this.detail !== null && ACTIVE.has(this.detail.status);
  }

  async load(): Promise<void> {
    try {
      const [detail, history] = await Promise.all([api.call('runs.get', { id: this.id }), api.call('runs.history', { id: this.id })]);
      this.detail = detail;
      this.series = history.series;
      this.error = null;
      if (ACTIVE.has(detail.status)) {
        await api.call('runs.watch', { ids: [this.id] });
        // A sweep's trial trains in a trial process: its history reaches the store in
        // batches, so the curves follow the store rather than events.
        if (detail.sweepId && !this.poll) {
          this.poll = setInterval(() => void this.pollHistory(), 1000);
        }
        if (detail.inputs === 2 && !this.train) await this.loadPreviewPoints(detail);
      } else {
        clearInterval(this.poll);
        this.poll = undefined;
        if (detail.hasWeights && detail.inputs === 2) await this.loadBoundary();
      }
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  /** While training: the data points from the generator (the grid arrives live). */
  private async loadPreviewPoints(detail: RunDetail): Promise<void> {
    const source = (detail.config.data as { train?: Record<string, unknown> })?.train;
    if (!source || typeof source.generator !== 'string') return;
    try {
      const preview = await api.call('datasets.preview', { source: source as never });
      this.train = decodePoints(preview.points);
    } catch {
      // Points are a nicety while the grid streams in.
    }
  }

  async loadBoundary(step?: number): Promise<void> {
    const token = ++this.replayToken;
    try {
      const b = await api.call('runs.boundary', { id: this.id, step, grid: 200 });
      if (token !== this.replayToken) return;
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

  private append(entries: { iteration: number; cost: number | null; train_accuracy?: number | null; test_cost?: number | null; test_accuracy?: number | null; learning_rate: number }[]): void {
    const next: Record<string, SeriesData> = { ...this.series };
    const push = (key: string, step: number, value: number | null | undefined) => {
      if (value === undefined) return;
      const s = next[key] ?? { steps: [], values: [] };
      next[key] = { steps: [...s.steps, step], values: [...s.values, value] };
    };
    for (const e of entries) {
      push('train_cost', e.iteration, e.cost);
      push('train_accuracy', e.iteration, e.train_accuracy);
      push('test_cost', e.iteration, e.test_cost);
      push('test_accuracy', e.iteration, e.test_accuracy);
    }
    this.series = next;
  }

  /** Fetches only the points logged since the last one shown, and appends them. */
  private async pollHistory(): Promise<void> {
    const last = Math.max(-1, ...Object.values(this.series).map((s) => s.steps[s.steps.length - 1] ?? -1));
    try {
      const h = await api.call('runs.history', { id: this.id, after: last });
      const next: Record<string, SeriesData> = { ...this.series };
      let changed = false;
      for (const [key, s] of Object.entries(h.series)) {
        if (s.steps.length === 0) continue;
        const old = next[key] ?? { steps: [], values: [] };
        next[key] = { steps: [...old.steps, ...s.steps], values: [...old.values, ...s.values] };
        changed = true;
      }
      if (changed) this.series = next;
    } catch {
      // The next poll tries again.
    }
  }

  async cancel(): Promise<void> {
    await api.call('runs.cancel', { id: this.id });
  }

  dispose(): void {
    this.off();
    clearInterval(this.poll);
    void api.call('runs.watch', { ids: [] }).catch(() => {});
  }
}
