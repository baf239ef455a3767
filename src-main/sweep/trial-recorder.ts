/**
 * The trial process's side of recording: a RunRecorder that sends every call to the
 * driver as a message instead of writing a store (one writer: only the driver opens it).
 *
 * Progress is batched on this side: metric points and the latest progress are collected
 * and sent at most once per `batchMs` (100 ms: at most 10 messages a second, whatever the
 * iteration rate), and everything pending is always sent before the weights and the end.
 * Each message wakes the driver, whose core the other trials share: receiving one costs it
 * 0.1-0.4 ms of CPU, most of it Node's IPC and the wake-up itself, so 10 a second per trial
 * is enough for a live display and half the cost of 20.
 */
import { type ProgressEvent, objectArray } from '../../src-core/train';
import type { RunRecorder } from '../runner/train-run';
import type { FinalStatus, MetricPoint } from '../store';
import type { FromTrial, TrialProgress } from './messages';

export const DEFAULT_BATCH_MS = 100;

export class MessagingRecorder implements RunRecorder {
  private points: MetricPoint[] = objectArray();
  private latest: TrialProgress | null = null;
  private lastSent = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private runId = '';
  /** Messages sent, by type (for tests and benchmarks). */
  readonly sent = new Map<string, number>();

  /**
   * @param batchMs at most one progress message per this many ms; null sends progress
   *   only with the end of the run.
   */
  constructor(
    private readonly send: (message: FromTrial) => void,
    private readonly batchMs: number | null = DEFAULT_BATCH_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  startRun(id: string): void {
    this.runId = id;
    this.post({ type: 'started', runId: id });
  }

  appendMetrics(id: string, points: readonly MetricPoint[]): void {
    this.runId = id;
    for (const p of points) this.points.push(p);
    this.maybeFlush();
  }

  /** A progress event from training (trainRun's onProgress). */
  readonly progress = (event: ProgressEvent): void => {
    this.latest = { step: event.step, totalSteps: event.totalSteps, cost: event.cost, elapsedMs: event.elapsedMs };
    this.maybeFlush();
  };

  saveWeights(id: string, bytes: Uint8Array, format: string): void {
    this.flush();
    this.post({ type: 'weights', runId: id, format, bytes });
  }

  finishRun(id: string, status: FinalStatus, details: { error?: string; summary?: string } = {}): void {
    this.flush();
    if (status === 'interrupted') {
      throw new Error(`a trial cannot end as ${status}`);
    }
    this.post({ type: 'finished', runId: id, status, ...details });
  }

  /** Sends what is pending now, if anything. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.points.length === 0 && this.latest === null) return;
    const message: FromTrial = { type: 'progress', runId: this.runId, points: this.points, progress: this.latest };
    this.points = objectArray();
    this.latest = null;
    this.lastSent = this.now();
    this.post(message);
  }

  private maybeFlush(): void {
    if (this.batchMs === null) return;
    const wait = this.lastSent + this.batchMs - this.now();
    if (wait <= 0) this.flush();
    // Training yields to the event loop every few ms, so what is left goes out soon
    // after, even if no more progress comes.
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private post(message: FromTrial): void {
    this.sent.set(message.type, (this.sent.get(message.type) ?? 0) + 1);
    this.send(message);
  }
}
