/**
 * One sweep as the sweep view shows it, kept live from sweep.changed events: its trials
 * (merged by index as they change), and each finished trial's decision boundary, fetched
 * once, two at a time, for the thumbnail grid.
 */
import type { SweepDetail, TrialInfo } from '../../src-api';
import { api } from '../lib/api';
import { type DecodedGrid, decodeGrid, decodePoints } from '../lib/decode';
import type { PointsData } from '../lib/paint';
import { onEvent } from './events.svelte';

export interface Thumb {
  grid: DecodedGrid;
  train: PointsData;
}

const FINISHED = new Set(['completed', 'stopped', 'diverged']);

export class SweepState {
  detail = $state.raw<SweepDetail | null>(null);
  thumbs = $state.raw<Record<string, Thumb>>({});
  error = $state<string | null>(null);
  private off: () => void;
  private fetching = new Set<string>();
  private queue: string[] = [];
  private active = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly id: string) {
    this.off = onEvent((event) => {
      if (event.type !== 'sweep.changed' || event.sweepId !== id || !this.detail) return;
      const byIndex = new Map(this.detail.trials.map((t) => [t.index, t]));
      for (const t of event.trials) byIndex.set(t.index, { ...t, rank: byIndex.get(t.index)?.rank ?? null });
      this.detail = { ...this.detail, status: event.status, paused: event.paused, trials: [...byIndex.values()].sort((a, b) => a.index - b.index) };
      this.fetchThumbs();
      // Ranks come with a full read; refresh soon after trials end.
      if (event.trials.some((t) => FINISHED.has(t.status)) || !['queued', 'running'].includes(event.status)) {
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.load(), 300);
      }
    });
  }

  async load(): Promise<void> {
    try {
      this.detail = await api.call('sweeps.get', { id: this.id });
      this.error = null;
      this.fetchThumbs();
    } catch (error) {
      this.error = (error as Error).message;
    }
  }

  get done(): number {
    return this.detail?.trials.filter((t) => t.status !== 'pending' && t.status !== 'queued' && t.status !== 'running').length ?? 0;
  }

  /** Trials by rank (best first), unranked after, by index. */
  get ranked(): TrialInfo[] {
    return [...(this.detail?.trials ?? [])].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.index - b.index);
  }

  private fetchThumbs(): void {
    for (const t of this.detail?.trials ?? []) {
      if (t.runId && FINISHED.has(t.status) && !this.thumbs[t.runId] && !this.fetching.has(t.runId)) {
        this.fetching.add(t.runId);
        this.queue.push(t.runId);
      }
    }
    while (this.active < 2 && this.queue.length > 0) void this.fetchOne(this.queue.shift()!);
  }

  private async fetchOne(runId: string): Promise<void> {
    this.active++;
    try {
      const b = await api.call('runs.boundary', { id: runId, grid: 64 });
      // Thumbnails show the data as the course's figure does: no misclassification marks.
      const train = { ...decodePoints(b.train), predicted: undefined };
      this.thumbs = { ...this.thumbs, [runId]: { grid: decodeGrid(b.boundary), train } };
    } catch {
      // Not 2-D, or no weights: the trial shows without a picture.
    } finally {
      this.active--;
      this.fetchThumbs();
    }
  }

  async cancel(): Promise<void> {
    await api.call('sweeps.cancel', { id: this.id });
  }

  async resume(): Promise<void> {
    await api.call('sweeps.resume', { id: this.id });
    await this.load();
  }

  async pause(paused: boolean): Promise<void> {
    await api.call('sweeps.pause', { id: this.id, paused });
  }

  dispose(): void {
    this.off();
    clearTimeout(this.reloadTimer);
  }
}
