/**
 * The sweep driver: runs a stored sweep's trials on a pool of trial processes and records
 * everything in the store, which only it writes (trial processes send it messages).
 *
 * Running a sweep and resuming one are the same thing: the driver expands the stored spec,
 * matches the sweep's runs to its trials by config (configKey), and runs only the trials
 * that have no finished run. A run left `interrupted` (the driver was killed; the store
 * marks it when it is next opened) is run again as a new run; a `queued` one is reused;
 * completed, stopped, diverged, failed and cancelled ones are never run again.
 *
 * Control: pause (no new trial starts; running ones go on), resume, cancel one trial or the
 * whole sweep, interrupt (Ctrl-C: running trials are recorded as interrupted, to be run
 * again on resume). Faults: a trial whose process dies fails with the reason and the pool
 * replaces the process; after `max_failures` failed trials the sweep stops as failed.
 */
import { availableParallelism } from 'node:os';
import { createStopRule, type StopRule } from '../../src-core/early-stop';
import type { FinalMetrics } from '../../src-core/experiment';
import { type RunConfig, parseRunConfig } from '../../src-core/config';
import { type SweepPlan, type Trial, configKey } from '../../src-core/sweep-spec';
import type { FinalStatus, MetricPoint, RunStatus, RunStore, SweepStatus } from '../store';
import type { FinishedMessage, ProgressMessage } from './messages';
import { type RunningTrial, TrialPool } from './pool';
import { loadSweepSpec } from './spec-file';
import { DEFAULT_BATCH_MS } from './trial-recorder';
import type { TrialHostFactory } from './trial-host';

/** A trial as the driver tracks it. */
export interface TrialState {
  index: number;
  params: Record<string, unknown>;
  repeat: number;
  config: RunConfig;
  key: string;
  /** 'pending': not run (yet); otherwise its run's status. */
  status: 'pending' | RunStatus;
  /** The run of its latest attempt, or null. */
  runId: string | null;
  /** Runs of earlier attempts that were interrupted. */
  earlierRuns: string[];
  /** Live progress while it runs. */
  progress: { step: number; totalSteps: number; cost: number } | null;
  /** The process running it (while it runs), or null. */
  pid: number | null;
  /** Final metrics, once it has some. */
  final: FinalMetrics | null;
  /** Why it did not complete. */
  reason: string | null;
  startedAt: number | null;
  finishedAt: number | null;
}

export type SweepEvent =
  | { type: 'trial'; trial: TrialState }
  | { type: 'progress'; trial: TrialState }
  | { type: 'warning'; message: string }
  | { type: 'paused'; paused: boolean };

export interface SweepOutcome {
  id: string;
  name: string;
  status: SweepStatus;
  /** Why it did not complete. */
  error: string | null;
  metric: SweepPlan['metric'];
  trials: TrialState[];
}

export interface SweepRunOptions {
  store: RunStore;
  sweepId: string;
  /** A pool to run trials on (shared, e.g. the app's); else one is made from `hosts`. */
  pool?: TrialPool;
  /** How to start trial processes, when no pool is given. */
  hosts?: TrialHostFactory;
  /** Trials at once: overrides the spec's concurrency; default the number of cores. */
  concurrency?: number;
  /** Progress batching of trial processes (ms); null: history only at the end. */
  batchMs?: number | null;
  /**
   * Trial progress every this many steps. By default the driver picks it from how fast the
   * sweep's trials have run so far (see progressEvery()).
   */
  progressEvery?: number;
  /**
   * Logged points are written to the store at most this often (ms), all trials' in one
   * transaction, and before a trial's end is recorded. Default DEFAULT_HISTORY_FLUSH_MS.
   * It bounds what a killed driver loses: the points of its running trials from their
   * last this-many ms (and the trial's last batch in flight), in runs that are interrupted
   * and run again from the start on resume; a finished trial's points are all written
   * before its end is.
   */
  historyFlushMs?: number;
  onEvent?: (event: SweepEvent) => void;
}

/**
 * Once a second: each write is a transaction with a fixed cost (the runs' latest metrics
 * and listing columns recomputed, the commit) on top of its points, and every timer that
 * fires wakes the driver on a core the trials need.
 */
export const DEFAULT_HISTORY_FLUSH_MS = 1000;

/**
 * Trial progress is asked for about this often (ms of training), once a trial of the sweep
 * has shown how fast its steps go; every FIRST_PROGRESS_EVERY steps before that. Each
 * progress report costs the trial a cost computation that training otherwise skips between
 * logged entries, which at every 10 steps made small trials 7 % slower; the trial sends
 * the latest report every 100 ms anyway (DEFAULT_BATCH_MS), so reports much closer than that
 * are thrown away.
 */
export const PROGRESS_TARGET_MS = 5;
export const FIRST_PROGRESS_EVERY = 10;
const MAX_PROGRESS_EVERY = 10_000;

/** Steps between progress reports: about PROGRESS_TARGET_MS apart at `stepsPerMs` (null: not known yet). */
export function progressEveryAt(stepsPerMs: number | null): number {
  if (stepsPerMs === null || !Number.isFinite(stepsPerMs)) return FIRST_PROGRESS_EVERY;
  return Math.max(1, Math.min(MAX_PROGRESS_EVERY, Math.floor(stepsPerMs * PROGRESS_TARGET_MS)));
}

const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'stopped', 'diverged', 'failed', 'cancelled'];

/** Whether a trial in this state is done for good (resume never runs it again). */
export function isTrialDone(status: TrialState['status']): boolean {
  return (FINAL_RUN_STATUSES as readonly string[]).includes(status);
}

/** The default number of trials at once: the machine's cores. */
export function defaultConcurrency(): number {
  return availableParallelism();
}

/** Steps a config trains for: iterations, or epochs. */
export function totalSteps(config: RunConfig): number {
  return config.train.epochs ?? config.train.iterations ?? 0;
}

/** Records a new sweep (queued) for a loaded spec; returns its id. */
export function createSweep(store: RunStore, stored: Record<string, unknown>, plan: SweepPlan): string {
  const name = plan.spec.name ?? (typeof plan.spec.base.name === 'string' ? plan.spec.base.name : 'sweep');
  return store.createSweep({ name, spec: JSON.stringify(stored) });
}

interface Active {
  handle: RunningTrial;
  /** Set when the trial was asked to end as cancelled (or interrupted), with why. */
  cancelReason: string | null;
  interrupt: boolean;
  /** The weights the trial sent, written when it ends (see onFinished). */
  weights: { bytes: Uint8Array; format: string } | null;
}

export class SweepRun {
  readonly id: string;
  readonly name: string;
  readonly plan: SweepPlan;
  readonly trials: TrialState[];
  readonly concurrency: number;

  private readonly store: RunStore;
  private readonly pool: TrialPool;
  private readonly ownPool: boolean;
  private readonly rule: StopRule | null;
  private readonly active = new Map<number, Active>();
  private readonly pending: number[] = [];
  /** Queued runs left by an earlier driver, reused by their trials. */
  private readonly queuedRuns = new Map<number, string>();
  private paused = false;
  private stopping: { status: SweepStatus; error: string | null } | null = null;
  private failures = 0;
  private finish: ((outcome: SweepOutcome) => void) | null = null;
  private outcome: SweepOutcome | null = null;
  private stopListening: (() => void) | null = null;
  /** Points received from running trials and not yet written, by run id. */
  private readonly unwritten = new Map<string, { active: Active; points: MetricPoint[] }>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** Steps per ms of the latest trial that completed, or null before one has. */
  private stepsPerMs: number | null = null;

  /** Loads sweep `sweepId` from the store, with the state of each of its trials. */
  constructor(private readonly options: SweepRunOptions) {
    const { store, sweepId } = options;
    this.store = store;
    const info = store.getSweep(sweepId);
    this.id = info.id;
    this.name = info.name;
    const value = JSON.parse(info.spec) as Record<string, unknown>;
    const baseDir = typeof value.base_dir === 'string' ? value.base_dir : process.cwd();
    this.plan = loadSweepSpec(value, baseDir, `sweep ${sweepId}`).plan;
    this.trials = this.plan.trials.map((t) => newTrialState(t));
    const spec = this.plan.spec;
    this.rule = spec.early_stopping ? createStopRule(spec.early_stopping, this.plan.metric.name, this.plan.metric.goal) : null;
    const wanted = options.concurrency ?? spec.concurrency ?? defaultConcurrency();
    if (!options.pool && !options.hosts) throw new Error('SweepRun needs a pool or a host factory');
    this.loadRuns();
    // Processes for what is left to run, at most.
    const size = Math.max(1, Math.min(wanted, this.pending.length));
    this.pool = options.pool ?? new TrialPool({ hosts: options.hosts!, size, onWarning: (m) => this.warn(m) });
    this.ownPool = !options.pool;
    this.concurrency = Math.max(1, Math.min(wanted, this.pool.size));
  }

  /** Trials not yet run (or to run again). */
  get remaining(): number {
    return this.pending.length;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Whether the sweep is ending (cancelled, interrupted, failed): no new trial starts. */
  get isStopping(): boolean {
    return this.stopping !== null;
  }

  /** Failed trials counted against max_failures (this driver's and earlier ones'). */
  get failed(): number {
    return this.failures;
  }

  /**
   * Runs what is left and resolves when the sweep ends: completed (every trial done),
   * failed (max_failures), cancelled or interrupted. Never rejects for a trial's failure.
   */
  run(): Promise<SweepOutcome> {
    if (this.outcome) return Promise.resolve(this.outcome);
    const info = this.store.getSweep(this.id);
    if (this.pending.length === 0 && info.status === 'completed') {
      return Promise.resolve(this.end());
    }
    if (info.status === 'queued') this.store.setSweepStatus(this.id, 'running');
    else if (info.status !== 'running') this.store.reopenSweep(this.id);
    return new Promise((resolve) => {
      this.finish = resolve;
      // A shared pool may be full of other sweeps' trials: go on when it has room.
      this.stopListening = this.pool.onRoom(() => this.pump());
      this.pump();
      this.checkDone();
    });
  }

  /** No new trial starts until resume(); running trials go on. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.emit({ type: 'paused', paused: true });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.emit({ type: 'paused', paused: false });
    this.pump();
  }

  /** Cancels one trial: a pending one is recorded as cancelled without running. */
  cancelTrial(index: number, reason = 'cancelled by request'): void {
    const trial = this.trials[index];
    if (!trial) throw new Error(`there is no trial ${index} in sweep ${this.id}`);
    const active = this.active.get(index);
    if (active) {
      active.cancelReason ??= reason;
      active.handle.cancel();
      return;
    }
    const at = this.pending.indexOf(index);
    if (at < 0) return;
    this.pending.splice(at, 1);
    const runId = this.queuedRuns.get(index) ?? this.createRun(trial);
    if (runId === null) return;
    this.queuedRuns.delete(index);
    try {
      this.store.finishRun(runId, 'cancelled', { error: `${reason} before it started` });
    } catch (error) {
      this.storeFailed(error);
    }
    Object.assign(trial, { runId, status: 'cancelled', reason: `${reason} before it started`, finishedAt: Date.now() });
    this.emit({ type: 'trial', trial });
    this.checkDone();
  }

  /** Cancels the sweep: running trials end as cancelled, the others never run. */
  cancel(reason = 'cancelled with the sweep'): void {
    this.stopAll({ status: 'cancelled', error: reason }, reason, false);
  }

  /**
   * Stops the sweep so that it can be resumed (Ctrl-C): running trials are recorded as
   * interrupted and run again by `layerlab sweep --resume`.
   */
  interrupt(reason = 'the sweep was interrupted'): void {
    this.stopAll({ status: 'interrupted', error: reason }, reason, true);
  }

  /** The trials, best first by the sweep's metric; trials without a value last, by index. */
  ranked(): TrialState[] {
    return rankTrials(this.trials, this.plan.metric);
  }

  // ---- internals ---------------------------------------------------------------------

  /** Takes the trials' states from the store; what has no finished run is pending. */
  private loadRuns(): void {
    for (const trial of storedTrialStates(this.store, this.id, this.plan, (m) => this.warn(m))) {
      Object.assign(this.trials[trial.index], trial);
    }
    for (const trial of this.trials) {
      if (trial.status === 'pending') {
        this.pending.push(trial.index);
      } else if (trial.status === 'queued') {
        this.queuedRuns.set(trial.index, trial.runId!);
        trial.status = 'pending';
        this.pending.push(trial.index);
      } else if (trial.status === 'running') {
        // Opening the store marks runs of dead processes interrupted: this one is live.
        throw new Error(`sweep ${this.id} is running (run ${trial.runId} of trial ${trial.index} is running now); it cannot be run twice at once`);
      } else if (trial.status === 'interrupted') {
        trial.earlierRuns.push(trial.runId!);
        Object.assign(trial, { runId: null, status: 'pending', reason: null, startedAt: null, finishedAt: null });
        this.pending.push(trial.index);
      } else {
        if (trial.status === 'failed') this.failures++;
        this.replayHistory(trial);
      }
    }
  }

  /** Feeds a finished trial's stored history to the early-stopping rule, as if it were live. */
  private replayHistory(trial: TrialState): void {
    if (!this.rule || trial.runId === null) return;
    const total = totalSteps(trial.config);
    for (const point of this.store.history(trial.runId, this.plan.metric.name)) {
      this.rule.report(trial.index, point.step, point.value, total);
    }
  }

  private pump(): void {
    while (!this.paused && !this.stopping && this.pending.length > 0 && this.active.size < this.concurrency && this.pool.hasRoom) {
      this.dispatch(this.pending.shift()!);
    }
  }

  private createRun(trial: TrialState): string | null {
    try {
      return this.store.createRun({ name: trial.config.name ?? `trial ${trial.index}`, config: JSON.stringify(trial.config), sweepId: this.id });
    } catch (error) {
      this.storeFailed(error);
      return null;
    }
  }

  private dispatch(index: number): void {
    const trial = this.trials[index];
    const runId = this.queuedRuns.get(index) ?? this.createRun(trial);
    this.queuedRuns.delete(index);
    if (runId === null) return;
    Object.assign(trial, { runId, status: 'queued', progress: null, final: null, reason: null, startedAt: null, finishedAt: null });
    const active: Active = { handle: undefined as unknown as RunningTrial, cancelReason: null, interrupt: false, weights: null };
    this.active.set(index, active);
    active.handle = this.pool.start(
      {
        type: 'run',
        runId,
        config: trial.config,
        batchMs: this.options.batchMs === undefined ? DEFAULT_BATCH_MS : this.options.batchMs,
        progressEvery: this.options.progressEvery ?? this.progressEvery(),
      },
      {
        started: () => this.onStarted(trial),
        progress: (message) => this.onProgress(trial, active, message),
        weights: (bytes, format) => {
          active.weights = { bytes, format };
        },
        finished: (message) => this.onFinished(trial, active, message),
        crashed: (reason) => this.onCrashed(trial, active, reason),
      },
    );
    trial.pid = active.handle.pid ?? null;
    this.emit({ type: 'trial', trial });
  }

  private progressEvery(): number {
    return progressEveryAt(this.stepsPerMs);
  }

  private onStarted(trial: TrialState): void {
    try {
      this.store.startRun(trial.runId!);
    } catch (error) {
      this.storeFailed(error);
      return;
    }
    trial.status = 'running';
    trial.startedAt = Date.now();
    trial.progress = { step: 0, totalSteps: totalSteps(trial.config), cost: NaN };
    this.emit({ type: 'trial', trial });
  }

  private onProgress(trial: TrialState, active: Active, message: ProgressMessage): void {
    if (message.points.length > 0) this.buffer(trial.runId!, active, message.points);
    if (message.progress) {
      trial.progress = { step: message.progress.step, totalSteps: message.progress.totalSteps, cost: message.progress.cost };
    }
    if (this.rule && active.cancelReason === null) {
      const total = message.progress?.totalSteps ?? totalSteps(trial.config);
      for (const p of message.points) {
        if (p.key !== this.plan.metric.name) continue;
        const decision = this.rule.report(trial.index, p.step, p.value, total);
        if (decision.stop) active.handle.stop(decision.reason);
      }
    }
    this.emit({ type: 'progress', trial });
  }

  /**
   * Keeps a trial's points to write with the next flush: one transaction for all trials
   * once a second, instead of one per progress message (up to 10 a second per trial),
   * which is most of what the driver would otherwise spend its CPU on.
   */
  private buffer(runId: string, active: Active, points: readonly MetricPoint[]): void {
    const pending = this.unwritten.get(runId);
    if (pending) for (const p of points) pending.points.push(p);
    else this.unwritten.set(runId, { active, points: points.slice() });
    this.flushTimer ??= setTimeout(() => this.flushHistory(), this.options.historyFlushMs ?? DEFAULT_HISTORY_FLUSH_MS);
  }

  /** Writes every buffered point now. If that fails, the trials are cancelled and the sweep fails. */
  private flushHistory(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.unwritten.size === 0) return;
    const batches = [...this.unwritten];
    this.unwritten.clear();
    try {
      this.store.appendMetricsMany(batches.map(([id, { points }]) => ({ id, points })));
    } catch (error) {
      for (const [, { active }] of batches) {
        active.cancelReason ??= `the store could not be written: ${(error as Error).message}`;
        active.handle.cancel();
      }
      this.storeFailed(error);
    }
  }

  private saveWeights(trial: TrialState, active: Active): void {
    const weights = active.weights;
    active.weights = null;
    if (weights) this.guard(trial, active, () => this.store.saveWeights(trial.runId!, weights.bytes, weights.format));
  }

  /** Runs a store write for a trial; if it throws, the trial is cancelled and the sweep fails. */
  private guard(trial: TrialState, active: Active, write: () => unknown): boolean {
    try {
      write();
      return true;
    } catch (error) {
      active.cancelReason ??= `the store could not be written: ${(error as Error).message}`;
      active.handle.cancel();
      this.storeFailed(error);
      return false;
    }
  }

  /**
   * A trial's end. Its process is idle from now on, so the next trial is sent to it first,
   * and only then is this one's end written (its weights, with an fsync, then its status):
   * the process waits for no store write. Not after a failure, which may end the sweep
   * (max_failures) with the trials not yet started left to resume, nor when interrupted.
   */
  private onFinished(trial: TrialState, active: Active, message: FinishedMessage): void {
    this.active.delete(trial.index);
    let status: FinalStatus = message.status;
    let error = message.error ?? null;
    if (status === 'cancelled' && active.interrupt) {
      status = 'interrupted';
    }
    if ((status === 'cancelled' || status === 'interrupted') && active.cancelReason) error ??= active.cancelReason;
    const summary = message.summary;
    trial.final = summaryFinal(summary ?? null);
    const reason = error ?? summaryReason(summary ?? null);
    if (status === 'completed' && trial.startedAt !== null) {
      const ms = Date.now() - trial.startedAt;
      if (ms > 0) this.stepsPerMs = totalSteps(trial.config) / ms;
    }
    if (status !== 'failed' && status !== 'interrupted') {
      // Ended, as far as anyone looking at the trials can tell, before the next one starts.
      Object.assign(trial, { status, pid: null });
      this.pump();
    }
    // Nothing left to start: a pool of our own lets its idle processes go now, and they
    // end while this trial's weights and status are written (an fsync), not after.
    if (this.ownPool && this.pending.length === 0) this.pool.retireIdle();
    this.saveWeights(trial, active);
    this.record(trial, status, reason, summary);
  }

  private onCrashed(trial: TrialState, active: Active, reason: string): void {
    this.active.delete(trial.index);
    this.saveWeights(trial, active);
    let status: FinalStatus = 'failed';
    let why = reason;
    if (active.cancelReason !== null) {
      status = active.interrupt ? 'interrupted' : 'cancelled';
      why = `${active.cancelReason} (${reason})`;
    }
    this.record(trial, status, why);
  }

  /** Records a trial's end in the store and in its state, then goes on. */
  private record(trial: TrialState, status: FinalStatus, reason: string | null, summary?: string): void {
    const runId = trial.runId!;
    let stored: FinalStatus | 'queued' = status;
    // Its points (and the other trials') are written while its run is still running.
    this.flushHistory();
    try {
      const current = this.store.getRunStatus(runId);
      if (current === 'queued' && status === 'interrupted') {
        // Never started: left queued, for resume to reuse.
        stored = 'queued';
        this.queuedRuns.set(trial.index, runId);
      } else if (current === 'queued' || current === 'running') {
        this.store.finishRun(runId, status, { error: reason ?? undefined, summary });
      }
    } catch (error) {
      this.storeFailed(error);
    }
    trial.status = stored === 'queued' ? 'pending' : status;
    trial.pid = null;
    trial.reason = reason;
    trial.finishedAt = Date.now();
    if (status === 'failed') {
      this.failures++;
      const max = this.plan.spec.max_failures;
      if (max !== undefined && this.failures >= max && !this.stopping) {
        const error = `stopped after ${this.failures} failed trial${this.failures === 1 ? '' : 's'} (max_failures ${max}); the last: trial ${trial.index}: ${reason}`;
        this.stopAll({ status: 'failed', error }, `the sweep stopped: ${this.failures} trials failed (max_failures ${max})`, false);
      }
    }
    this.emit({ type: 'trial', trial });
    this.pump();
    this.checkDone();
  }

  private stopAll(stopping: NonNullable<SweepRun['stopping']>, reason: string, interrupt: boolean): void {
    if (this.outcome) return;
    this.stopping ??= stopping;
    for (const active of this.active.values()) {
      if (active.cancelReason !== null && active.interrupt === interrupt) continue;
      active.cancelReason = reason;
      active.interrupt = interrupt;
      active.handle.cancel();
    }
    this.checkDone();
  }

  private storeFailed(error: unknown): void {
    this.warn(`the store failed: ${(error as Error).message}`);
    this.stopAll({ status: 'failed', error: `the store could not be written: ${(error as Error).message}` }, 'the sweep stopped: the store could not be written', false);
  }

  private checkDone(): void {
    if (!this.finish || this.active.size > 0) return;
    if (!this.stopping && this.pending.length > 0) return;
    const finish = this.finish;
    this.finish = null;
    this.stopListening?.();
    const outcome = this.end();
    // A pool of our own is closed before the sweep is reported done, so no process outlives it.
    if (this.ownPool) void this.pool.close().then(() => finish(outcome));
    else finish(outcome);
  }

  private end(): SweepOutcome {
    this.flushHistory();
    let status: SweepStatus = this.stopping?.status ?? 'completed';
    let error = this.stopping?.error ?? null;
    // A sweep whose every trial failed has nothing to show: it failed, whatever max_failures.
    const first = this.trials.find((t) => t.status === 'failed');
    if (status === 'completed' && first && this.trials.every((t) => t.status === 'failed')) {
      status = 'failed';
      error = `every trial failed; the first: trial ${first.index}: ${first.reason}`;
    }
    try {
      const current = this.store.getSweep(this.id).status;
      if (current === 'running') this.store.setSweepStatus(this.id, status, { error: error ?? undefined });
    } catch (e) {
      this.warn(`could not record the end of sweep ${this.id}: ${(e as Error).message}`);
    }
    this.outcome = { id: this.id, name: this.name, status, error, metric: this.plan.metric, trials: this.trials };
    return this.outcome;
  }

  private warn(message: string): void {
    this.emit({ type: 'warning', message });
  }

  private emit(event: SweepEvent): void {
    this.options.onEvent?.(event);
  }
}

/**
 * The configKey of a config as stored with a run (or in a trial result). It is parsed again
 * first, so that a field added to the run config since the run was recorded gets its default
 * as in the freshly expanded trials, and the two still match.
 */
export function storedConfigKey(config: unknown): string {
  const parsed = parseRunConfig(config);
  return configKey(parsed.ok ? parsed.config : (config as Record<string, unknown>));
}

/**
 * A sweep's trials with the state of their latest runs in the store: runs are matched to
 * trials by config (configKey), the latest run of a trial gives its status, and earlier
 * interrupted runs are listed in `earlierRuns`. A trial without a run is 'pending'.
 */
export function storedTrialStates(store: RunStore, sweepId: string, plan: SweepPlan, warn: (message: string) => void = () => {}): TrialState[] {
  const trials = plan.trials.map((t) => newTrialState(t));
  const byKey = new Map(trials.map((t) => [t.key, t]));
  const runs = store.listRuns({ sweepId, deleted: 'include', sortBy: 'created', order: 'asc' });
  for (const summary of runs) {
    let key: string;
    let detail;
    try {
      detail = store.getRun(summary.id);
      key = storedConfigKey(JSON.parse(detail.config));
    } catch {
      continue;
    }
    const trial = byKey.get(key);
    if (!trial) {
      warn(`run ${summary.id} of sweep ${sweepId} matches none of its trials; left alone`);
      continue;
    }
    if (trial.runId !== null && trial.status === 'interrupted') trial.earlierRuns.push(trial.runId);
    Object.assign(trial, {
      runId: summary.id,
      status: summary.status,
      reason: summary.error,
      startedAt: summary.startedAt,
      finishedAt: summary.finishedAt,
      final: summaryFinal(detail.summary),
    });
  }
  return trials;
}

function newTrialState(t: Trial): TrialState {
  return {
    index: t.index,
    params: t.params,
    repeat: t.repeat,
    config: t.config,
    key: t.key,
    status: 'pending',
    runId: null,
    earlierRuns: [],
    progress: null,
    pid: null,
    final: null,
    reason: null,
    startedAt: null,
    finishedAt: null,
  };
}

/** The final metrics in a run's summary JSON (trainRun's), or null. */
export function summaryFinal(summary: string | null): FinalMetrics | null {
  if (!summary) return null;
  try {
    const final = (JSON.parse(summary) as { final?: FinalMetrics }).final;
    return final && typeof final === 'object' ? final : null;
  } catch {
    return null;
  }
}

function summaryReason(summary: string | null): string | null {
  if (!summary) return null;
  try {
    const reason = (JSON.parse(summary) as { reason?: unknown }).reason;
    return typeof reason === 'string' ? reason : null;
  } catch {
    return null;
  }
}

/** A trial's value of the metric, from its final metrics (null when it has none). */
export function metricValue(trial: Pick<TrialState, 'final'>, metric: SweepPlan['metric']['name']): number | null {
  const value = trial.final?.[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Best first by the metric and goal; trials without a value after, in index order. */
export function rankTrials<T extends Pick<TrialState, 'final' | 'index'>>(trials: readonly T[], metric: SweepPlan['metric']): T[] {
  const sign = metric.goal === 'minimize' ? 1 : -1;
  return [...trials].sort((a, b) => {
    const va = metricValue(a, metric.name);
    const vb = metricValue(b, metric.name);
    if (va === null || vb === null) return va === null && vb === null ? a.index - b.index : va === null ? 1 : -1;
    return sign * (va - vb) || a.index - b.index;
  });
}
