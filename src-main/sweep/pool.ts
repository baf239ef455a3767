/**
 * A pool of trial processes: at most `size` at once, each running one trial at a time and
 * reused for the next. A process that dies (crash, kill, out of memory) fails the trial it
 * was running with the reason, and a new process takes its place when the next trial
 * starts; the other trials go on. Every message from a process is checked (messages.ts);
 * one that does not fit is reported through `onWarning` and ignored.
 *
 * A pool that outlives one sweep (the app's, `layerlab ui`'s) keeps its idle processes
 * warm for the next: started, with their code compiled and optimized by the trials they
 * ran, so that the next sweep's trials start at once. `idleMs` bounds how long a process
 * may wait without a trial before it is shut down; `close()` ends them all.
 */
import {
  type FinishedMessage,
  type ProgressMessage,
  type RunRequest,
  checkFromTrial,
} from './messages';
import { type TrialExit, type TrialHost, type TrialHostFactory, describeExit } from './trial-host';

export interface TrialCallbacks {
  started(): void;
  progress(message: ProgressMessage): void;
  weights(bytes: Uint8Array, format: string): void;
  finished(message: FinishedMessage): void;
  /** The process ended before the trial finished; `reason` says how. */
  crashed(reason: string): void;
}

/** A trial running in one of the pool's processes. */
export interface RunningTrial {
  readonly runId: string;
  /** The process's id (undefined until it has started). */
  readonly pid: number | undefined;
  /** Asks the trial to end as cancelled; kills its process if it has not within the grace time. */
  cancel(): void;
  /** Asks the trial to end early as stopped (early stopping), with the reason. */
  stop(reason: string): void;
}

export interface PoolOptions {
  hosts: TrialHostFactory;
  size: number;
  /** Problems that do not stop anything: malformed messages, a process that died idle. */
  onWarning?: (message: string) => void;
  /** How long a cancelled trial has to end before its process is killed (ms). */
  cancelGraceMs?: number;
  /**
   * How long a process may stay idle (no trial) before it is shut down, in ms; by default
   * it stays until close(). A pool shared by many sweeps sets it, to keep processes warm
   * between sweeps without keeping them forever.
   */
  idleMs?: number;
}

interface Worker {
  host: TrialHost;
  ready: boolean;
  gone: boolean;
  /** Shut down for being idle too long: takes no more trials. */
  retiring: boolean;
  idleTimer: ReturnType<typeof setTimeout> | null;
  trial: { request: RunRequest; callbacks: TrialCallbacks; sent: boolean; killTimer: ReturnType<typeof setTimeout> | null } | null;
}

export class TrialPool {
  private readonly workers = new Set<Worker>();
  private closing = false;
  /** Processes started over the pool's life, replacements included. */
  processesStarted = 0;

  constructor(private readonly options: PoolOptions) {
    if (!(options.size >= 1)) throw new Error(`a trial pool needs at least one process; got ${options.size}`);
  }

  get size(): number {
    return this.options.size;
  }

  /** Trials running now. */
  get busy(): number {
    let n = 0;
    for (const w of this.workers) if (w.trial) n++;
    return n;
  }

  /** Whether `start` can take a trial now. */
  get hasRoom(): boolean {
    return !this.closing && this.busy < this.options.size;
  }

  /** The ids of the pool's live processes. */
  pids(): number[] {
    return [...this.workers].map((w) => w.host.pid).filter((p): p is number => p !== undefined);
  }

  /** Starts a trial on an idle process, starting a process if none is idle. */
  start(request: RunRequest, callbacks: TrialCallbacks): RunningTrial {
    if (!this.hasRoom) throw new Error('the trial pool is full');
    let worker = [...this.workers].find((w) => !w.trial && !w.gone && !w.retiring);
    worker ??= this.spawn();
    this.stopIdleTimer(worker);
    const trial = { request, callbacks, sent: false, killTimer: null as ReturnType<typeof setTimeout> | null };
    worker.trial = trial;
    if (worker.ready) this.send(worker);
    const w = worker;
    return {
      runId: request.runId,
      get pid() {
        return w.host.pid;
      },
      cancel: () => {
        if (w.trial !== trial) return;
        if (!trial.sent) {
          // Not yet sent to the process: end it here.
          w.trial = null;
          this.startIdleTimer(w);
          callbacks.finished({ type: 'finished', runId: request.runId, status: 'cancelled', error: 'cancelled before it started' });
          this.madeRoom();
          return;
        }
        w.host.send({ type: 'cancel', runId: request.runId });
        trial.killTimer ??= setTimeout(() => {
          if (w.trial === trial) w.host.kill();
        }, this.options.cancelGraceMs ?? 5000);
      },
      stop: (reason) => {
        if (w.trial === trial && trial.sent) w.host.send({ type: 'stop', runId: request.runId, reason });
      },
    };
  }

  /**
   * Shuts down the processes that run no trial now, without waiting for close(): a sweep's
   * own pool does this once it has no trial left to start, so that its processes end while
   * the driver writes the last results rather than after. Later trials get new processes.
   */
  retireIdle(): void {
    for (const w of this.workers) {
      if (w.trial || w.gone || w.retiring) continue;
      this.stopIdleTimer(w);
      this.retire(w);
    }
  }

  /** Ends every process: a polite shutdown, then a kill for those still there after `graceMs`. */
  async close(graceMs = 2000): Promise<void> {
    this.closing = true;
    for (const w of this.workers) this.stopIdleTimer(w);
    const waits = [...this.workers].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.gone) return resolve();
          const timer = setTimeout(() => w.host.kill(), graceMs);
          this.exitWaiters.set(w, () => {
            clearTimeout(timer);
            resolve();
          });
          if (!w.host.send({ type: 'shutdown' })) w.host.kill();
        }),
    );
    await Promise.all(waits);
  }

  private readonly exitWaiters = new Map<Worker, () => void>();
  private readonly roomListeners = new Set<() => void>();

  /**
   * Calls `listener` each time a trial ends and so makes room (for drivers that share the
   * pool and wait for a place). Returns the function that stops it.
   */
  onRoom(listener: () => void): () => void {
    this.roomListeners.add(listener);
    return () => this.roomListeners.delete(listener);
  }

  private madeRoom(): void {
    for (const listener of [...this.roomListeners]) listener();
  }

  private spawn(): Worker {
    const worker: Worker = { host: undefined as unknown as TrialHost, ready: false, gone: false, retiring: false, idleTimer: null, trial: null };
    this.workers.add(worker);
    this.processesStarted++;
    worker.host = this.options.hosts({
      message: (value) => this.onMessage(worker, value),
      exit: (exit) => this.onExit(worker, exit),
    });
    return worker;
  }

  private send(worker: Worker): void {
    const trial = worker.trial!;
    trial.sent = true;
    // A failed send means the process is gone; its exit fails the trial.
    worker.host.send(trial.request);
  }

  private onMessage(worker: Worker, value: unknown): void {
    const checked = checkFromTrial(value);
    const pid = worker.host.pid;
    if (!checked.ok) {
      this.warn(`trial process ${pid} sent ${checked.problem}; ignored`);
      return;
    }
    const message = checked.message;
    if (message.type === 'ready') {
      worker.ready = true;
      if (worker.trial && !worker.trial.sent) this.send(worker);
      else this.startIdleTimer(worker);
      return;
    }
    if (message.type === 'malformed') {
      this.warn(`trial process ${pid} could not use a message from the driver: ${message.problem}`);
      return;
    }
    const trial = worker.trial;
    if (!trial || trial.request.runId !== message.runId) {
      this.warn(`trial process ${pid} sent a '${message.type}' message for run ${message.runId}, which it is not running; ignored`);
      return;
    }
    switch (message.type) {
      case 'started':
        trial.callbacks.started();
        break;
      case 'progress':
        trial.callbacks.progress(message);
        break;
      case 'weights':
        trial.callbacks.weights(message.bytes, message.format);
        break;
      case 'finished':
        if (trial.killTimer) clearTimeout(trial.killTimer);
        worker.trial = null;
        this.startIdleTimer(worker);
        trial.callbacks.finished(message);
        this.madeRoom();
        break;
    }
  }

  private onExit(worker: Worker, exit: TrialExit): void {
    worker.gone = true;
    this.stopIdleTimer(worker);
    this.workers.delete(worker);
    this.exitWaiters.get(worker)?.();
    this.exitWaiters.delete(worker);
    const trial = worker.trial;
    worker.trial = null;
    if (trial) {
      if (trial.killTimer) clearTimeout(trial.killTimer);
      trial.callbacks.crashed(describeExit(exit));
      this.madeRoom();
    } else if (!this.closing && !worker.retiring) {
      this.warn(`trial process ${worker.host.pid} ended while idle: ${describeExit(exit)}`);
    }
  }

  /** Shuts `worker` down once it has been idle for `idleMs`, if the pool has such a limit. */
  private startIdleTimer(worker: Worker): void {
    const idleMs = this.options.idleMs;
    if (idleMs === undefined || this.closing || worker.gone || worker.trial) return;
    this.stopIdleTimer(worker);
    worker.idleTimer = setTimeout(() => {
      worker.idleTimer = null;
      if (worker.trial || worker.gone) return;
      this.retire(worker);
    }, idleMs);
    // An idle process never keeps the driver's process alive.
    worker.idleTimer.unref?.();
  }

  /** Asks an idle process to end (a kill if it cannot hear); its trials go to other processes. */
  private retire(worker: Worker): void {
    worker.retiring = true;
    if (!worker.host.send({ type: 'shutdown' })) worker.host.kill();
  }

  private stopIdleTimer(worker: Worker): void {
    if (worker.idleTimer !== null) clearTimeout(worker.idleTimer);
    worker.idleTimer = null;
  }

  private warn(message: string): void {
    this.options.onWarning?.(message);
  }
}
