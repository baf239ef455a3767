/**
 * Single runs launched from the UI: each trains in a worker thread (train-worker.ts) while
 * this side, the store's one writer, records what the worker posts exactly as
 * `layerlab train` records it (runner/train-run.ts), and turns it into live events.
 * At most `concurrency` runs train at once; the others wait as 'queued'.
 */
import { Worker } from 'node:worker_threads';
import type { RunConfig } from '../../src-core/config';
import { float32ToBase64 } from '../../src-api/binary';
import type { ApiEvent, Entry, RunStatus } from '../../src-api/schemas';
import type { HistoryEntry } from '../../src-core/train';
import { defaultRunName, entryMetrics } from '../runner/train-run';
import type { RunStore } from '../store';
import { type Checkpoint, saveCheckpoints } from './checkpoints';
import type { ToTrainWorker, TrainWorkerInput, TrainWorkerMessage } from './train-worker';

export interface TrainerOptions {
  store: RunStore;
  emit: (event: ApiEvent) => void;
  /** The worker's module: the .mjs entry for the TS sources, a built file in Electron. */
  workerUrl?: URL;
  concurrency?: number;
  boundaryEveryMs?: number;
  maxCheckpoints?: number;
  /** Most bytes of one run's checkpoints (default 64 MB; see TrainWorkerInput). */
  maxCheckpointBytes?: number;
}

interface Job {
  id: string;
  config: RunConfig;
  worker: Worker | null;
  cancelled: boolean;
  checkpoints: Checkpoint[];
  unit: 'iteration' | 'epoch';
  done: Promise<void>;
  resolve: () => void;
  /** Gives the job's worker back to the idle list (or ends it). */
  release?: () => void;
}

const DEFAULT_WORKER = new URL('./train-worker-entry.mjs', import.meta.url);

/** A history entry for JSON: non-finite numbers as null. */
export function entryForJson(entry: HistoryEntry): Entry {
  const f = (v: number) => (Number.isFinite(v) ? v : null);
  const out: Entry = { iteration: entry.iteration, cost: f(entry.cost), learning_rate: entry.learning_rate };
  if (entry.train_accuracy !== undefined) out.train_accuracy = f(entry.train_accuracy);
  if (entry.test_cost !== undefined) out.test_cost = f(entry.test_cost);
  if (entry.test_accuracy !== undefined) out.test_accuracy = f(entry.test_accuracy);
  return out;
}

/** How a run ended when the store could not record it (see Trainer.unrecorded). */
export interface UnrecordedEnd {
  status: RunStatus;
  error: string;
}

export class Trainer {
  private readonly jobs = new Map<string, Job>();
  /** Runs whose end the store refused to record (a full disk), by id. */
  private readonly unrecordedEnds = new Map<string, UnrecordedEnd>();
  private readonly waiting: Job[] = [];
  /** Worker threads waiting for their next run. */
  private readonly idle: Worker[] = [];
  private closed = false;
  private running = 0;
  private readonly concurrency: number;

  constructor(private readonly options: TrainerOptions) {
    this.concurrency = options.concurrency ?? 2;
  }

  /** Records a queued run and trains it as soon as a slot is free; returns its id. */
  start(config: RunConfig): string {
    const { store } = this.options;
    const id = store.createRun({ name: config.name ?? defaultRunName(config), config: JSON.stringify(config) });
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const job: Job = { id, config, worker: null, cancelled: false, checkpoints: [], unit: 'iteration', done, resolve };
    this.jobs.set(id, job);
    this.waiting.push(job);
    this.options.emit({ type: 'run.status', runId: id, sweepId: null, status: 'queued', error: null });
    this.options.emit({ type: 'runs.changed', since: Date.now() - 1 });
    this.pump();
    return id;
  }

  /**
   * How a run ended that the store still shows as queued or running because it could not
   * record the end (a full disk): the API answers with this until the store is opened
   * again, which marks the run interrupted.
   */
  unrecorded(id: string): UnrecordedEnd | undefined {
    return this.unrecordedEnds.get(id);
  }

  /** Whether this trainer is running or queueing the run. */
  has(id: string): boolean {
    return this.jobs.has(id);
  }

  /** Cancels a queued or running run; false if this trainer does not have it. */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    job.cancelled = true;
    if (job.worker) {
      job.worker.postMessage({ type: 'cancel' });
    } else {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      this.finish(job, () => this.options.store.finishRun(id, 'cancelled', { error: 'cancelled before it started' }), 'cancelled', null);
    }
    return true;
  }

  /** Resolves when the run has ended and been recorded. */
  async wait(id: string): Promise<void> {
    await this.jobs.get(id)?.done;
  }

  /** Cancels everything and waits for the workers to end. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.jobs.values()];
    for (const job of pending) this.cancel(job.id);
    await Promise.all(pending.map((j) => j.done));
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length > 0) {
      this.launch(this.waiting.shift()!);
    }
  }

  private launch(job: Job): void {
    const { store, emit } = this.options;
    this.running++;
    const input: TrainWorkerInput = {
      config: job.config,
      boundaryEveryMs: this.options.boundaryEveryMs ?? 150,
      maxCheckpoints: this.options.maxCheckpoints ?? 60,
      maxCheckpointBytes: this.options.maxCheckpointBytes ?? 64 * 1024 * 1024,
    };
    store.startRun(job.id);
    emit({ type: 'run.status', runId: job.id, sweepId: null, status: 'running', error: null });
    const worker = this.idle.pop() ?? new Worker(this.options.workerUrl ?? DEFAULT_WORKER);
    job.worker = worker;
    let ended = false;
    let reusable = false;
    let storeError: Error | null = null;
    const guard = (fn: () => void) => {
      if (storeError) return;
      try {
        fn();
      } catch (error) {
        storeError = error as Error;
        worker.postMessage({ type: 'cancel' });
      }
    };
    const onMessage = (message: TrainWorkerMessage) => {
      switch (message.type) {
        case 'started':
          job.unit = message.unit;
          break;
        case 'progress': {
          if (message.entry) {
            const entry = message.entry;
            guard(() => store.appendMetrics(job.id, entryMetrics(entry)));
          }
          emit({
            type: 'run.progress',
            runId: job.id,
            sweepId: null,
            unit: job.unit,
            step: message.step,
            totalSteps: message.totalSteps,
            entries: message.entry ? [entryForJson(message.entry)] : [],
          });
          break;
        }
        case 'boundary':
          emit({
            type: 'run.boundary',
            runId: job.id,
            boundary: { grid: message.grid, bounds: message.bounds, classes: message.classes, probs: float32ToBase64(message.probs), step: message.step },
          });
          break;
        case 'checkpoint':
          job.checkpoints.push({ step: message.step, W: message.W, b: message.b });
          break;
        case 'done': {
          ended = true;
          reusable = true;
          this.finish(job, () => {
            if (storeError) throw storeError;
            store.saveWeights(job.id, new TextEncoder().encode(message.model), 'layerlab-model-json');
            const modelSizes = (JSON.parse(message.model) as { architecture: { sizes: number[] } }).architecture.sizes;
            saveCheckpoints(store.dir, job.id, modelSizes, job.checkpoints);
            const summary = { final: message.final, unit: message.unit, steps: message.steps, reason: message.reason };
            store.finishRun(job.id, message.status, { summary: JSON.stringify(summary) });
          }, message.status, message.reason ?? null);
          break;
        }
        case 'failed':
          ended = true;
          reusable = true;
          this.finish(job, () => store.finishRun(job.id, 'failed', { error: message.reason }), 'failed', message.reason);
          break;
      }
    };
    const onError = (error: Error) => onEnd(`the training worker failed: ${error.message}`);
    const onExit = (code: number) => onEnd(`the training worker exited with code ${code}`);
    const detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    function onEnd(this: void, reason: string) {
      if (ended) return;
      ended = true;
      finishFailed(reason);
    }
    const finishFailed = (reason: string) => this.finish(job, () => store.finishRun(job.id, 'failed', { error: reason }), 'failed', reason);
    job.release = () => {
      detach();
      if (reusable && !this.closed && this.idle.length < this.concurrency) this.idle.push(worker);
      else void worker.terminate();
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ type: 'run', input } satisfies ToTrainWorker);
  }

  /** Records the end of a job (a store failure turns it into 'failed'), frees its slot. */
  private finish(job: Job, record: () => void, status: RunStatus, error: string | null): void {
    let finalStatus = status;
    let finalError = error;
    try {
      record();
    } catch (failure) {
      finalStatus = 'failed';
      finalError = (failure as Error).message;
      try {
        this.options.store.finishRun(job.id, 'failed', { error: finalError });
      } catch {
        // The store itself is failing; its next open marks the run interrupted. Until then
        // the run would show as running, with nothing training it: say what happened.
        finalError = `the store could not record how this run ended (${finalError}); make room and restart Layerlab, which then marks it interrupted`;
        this.unrecordedEnds.set(job.id, { status: finalStatus, error: finalError });
      }
    }
    if (job.worker) {
      this.running--;
      job.release?.();
    }
    this.jobs.delete(job.id);
    this.options.emit({ type: 'run.status', runId: job.id, sweepId: null, status: finalStatus, error: finalError });
    this.options.emit({ type: 'runs.changed', since: Date.now() - 1 });
    job.resolve();
    this.pump();
  }
}
