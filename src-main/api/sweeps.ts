/**
 * Sweeps launched from the UI: the sweep engine (src-main/sweep) runs them exactly as
 * `layerlab sweep` does, on trial processes from the host factory the transport gives
 * (child_process.fork for `layerlab ui`, Electron's utilityProcess in the desktop app).
 * All sweeps share one pool of `concurrency` processes, which stay warm for `warmMs` after
 * their last trial, so that the next sweep's trials start at once.
 * This module turns the driver's events into the API's live events and answers questions
 * about running and finished sweeps alike.
 */
import { formatParams } from '../../src-core/sweep-spec';
import type { ApiEvent, SweepDetail, SweepRow, TrialInfo } from '../../src-api/schemas';
import { ApiError, summarizeIssues } from '../../src-api/messages';
import { sizeIssues } from '../../src-api/resources';
import type { FileAccess } from './file-access';
import type { RunStore, SweepInfo } from '../store';
import { SweepRun, createSweep, defaultConcurrency, metricValue, rankTrials, storedTrialStates, type TrialState } from '../sweep/driver';
import { TrialPool } from '../sweep/pool';
import { SweepSpecError, loadSweepSpec } from '../sweep/spec-file';
import type { TrialHostFactory } from '../sweep/trial-host';

export interface SweepServiceOptions {
  store: RunStore;
  emit: (event: ApiEvent) => void;
  hosts: TrialHostFactory;
  /** Which files the specs' configs may name. */
  files: FileAccess;
  /** Trials at once, over all running sweeps; default the machine's cores, as `layerlab sweep`. */
  concurrency?: number;
  /** How long idle trial processes are kept for the next sweep (ms); default DEFAULT_WARM_MS. */
  warmMs?: number;
  /** Folder relative file paths in a spec are taken from. */
  baseDir: string;
}

/** Idle trial processes are kept this long for the next sweep: two minutes. */
export const DEFAULT_WARM_MS = 120_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class SweepService {
  private readonly live = new Map<string, SweepRun>();
  private readonly outcomes = new Map<string, Promise<unknown>>();
  private pool: TrialPool | null = null;

  constructor(private readonly options: SweepServiceOptions) {}

  /** Records and starts a sweep; returns its id and trial count. */
  start(spec: Record<string, unknown>): { id: string; trials: number } {
    const { store } = this.options;
    let loaded;
    try {
      loaded = loadSweepSpec(spec, this.options.baseDir, 'spec');
    } catch (error) {
      if (error instanceof SweepSpecError) {
        const issues = error.message.split('\n').map((line) => {
          const parts = line.split(': ');
          return parts.length >= 3 ? { path: parts[1], message: parts.slice(2).join(': ') } : { path: '', message: line };
        });
        throw new ApiError('invalid', `the sweep spec has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${error.message.split('\n')[0]}`, issues);
      }
      throw error;
    }
    const denied = loaded.plan.trials.flatMap((t) => this.options.files.check(t.config, `trial ${t.index}: `));
    if (denied.length > 0) throw new ApiError('invalid', summarizeIssues(denied), denied);
    const large = loaded.plan.trials.flatMap((t) => sizeIssues(t.config, {}, `trial ${t.index}: `));
    if (large.length > 0) throw new ApiError('invalid', summarizeIssues(large), large);
    const id = createSweep(store, loaded.stored, loaded.plan);
    this.launch(id);
    return { id, trials: loaded.plan.trials.length };
  }

  /** Runs what is left of a sweep that is not running (interrupted, cancelled, failed). */
  resume(id: string): { id: string; remaining: number } {
    const info = this.options.store.getSweep(id);
    if (this.live.has(id)) throw new ApiError('conflict', `sweep ${id} is already running`);
    if (info.status === 'completed') throw new ApiError('conflict', `sweep ${id} has completed; there is nothing left to run`);
    const spec = JSON.parse(info.spec) as Record<string, unknown>;
    const baseDir = typeof spec.base_dir === 'string' ? spec.base_dir : this.options.baseDir;
    const plan = loadSweepSpec(spec, baseDir, `sweep ${id}`).plan;
    const denied = plan.trials.flatMap((t) => this.options.files.check(t.config, `trial ${t.index}: `));
    if (denied.length > 0) throw new ApiError('invalid', summarizeIssues(denied), denied);
    return { id, remaining: this.launch(id) };
  }

  /** Starts the driver on a recorded sweep; returns how many trials it has left to run. */
  private launch(id: string): number {
    const { store } = this.options;
    this.pool ??= new TrialPool({ hosts: this.options.hosts, size: this.options.concurrency ?? defaultConcurrency(), idleMs: this.options.warmMs ?? DEFAULT_WARM_MS });
    const run = new SweepRun({
      store,
      sweepId: id,
      pool: this.pool,
      onEvent: (event) => {
        if (event.type === 'trial' || event.type === 'progress') this.trialChanged(run, event.trial, event.type === 'trial');
        else if (event.type === 'paused') this.sweepChanged(run, []);
      },
    });
    this.live.set(id, run);
    const remaining = run.remaining;
    const outcome = run.run().finally(() => {
      this.live.delete(id);
      this.sweepChanged(null, [], id);
      this.options.emit({ type: 'runs.changed', since: Date.now() - 1 });
    });
    this.outcomes.set(id, outcome);
    this.sweepChanged(run, []);
    return remaining;
  }

  list(): SweepRow[] {
    return this.options.store.listSweeps().map(row);
  }

  get(id: string): SweepDetail {
    const { store } = this.options;
    const info = store.getSweep(id);
    const live = this.live.get(id);
    const spec = JSON.parse(info.spec) as Record<string, unknown>;
    let plan;
    let trials: TrialState[];
    if (live) {
      plan = live.plan;
      trials = live.trials;
    } else {
      plan = loadSweepSpec(spec, typeof spec.base_dir === 'string' ? spec.base_dir : this.options.baseDir, `sweep ${id}`).plan;
      trials = storedTrialStates(store, id, plan);
    }
    const ranks = new Map<number, number>();
    for (const t of rankTrials(trials, plan.metric)) {
      if (metricValue(t, plan.metric.name) !== null) ranks.set(t.index, ranks.size + 1);
    }
    return {
      ...row(info),
      spec,
      parameters: Object.keys(plan.spec.parameters),
      metric: { name: plan.metric.name, goal: plan.metric.goal },
      trials: trials.map((t) => trialInfo(t, ranks.get(t.index) ?? null)),
      live: live !== undefined,
      paused: live?.isPaused ?? false,
    };
  }

  cancel(id: string): void {
    const run = this.liveRun(id);
    run.cancel('cancelled from the workbench');
  }

  pause(id: string, paused: boolean): void {
    const run = this.liveRun(id);
    if (paused) run.pause();
    else run.resume();
  }

  /** Interrupts running sweeps (resumable with `layerlab sweep --resume`), waits for them, and ends the trial processes. */
  async close(): Promise<void> {
    for (const run of this.live.values()) run.interrupt('the workbench was closed; layerlab sweep --resume runs the rest');
    await Promise.allSettled([...this.outcomes.values()]);
    await this.pool?.close();
  }

  private liveRun(id: string): SweepRun {
    this.options.store.getSweep(id);
    const run = this.live.get(id);
    if (!run) throw new ApiError('conflict', `sweep ${id} is not running here`);
    return run;
  }

  private trialChanged(run: SweepRun, trial: TrialState, statusChanged: boolean): void {
    const { emit } = this.options;
    if (trial.runId) {
      if (statusChanged && trial.status !== 'pending') {
        emit({ type: 'run.status', runId: trial.runId, sweepId: run.id, status: trial.status, error: trial.reason });
        emit({ type: 'runs.changed', since: Date.now() - 1 });
      } else if (trial.progress) {
        emit({
          type: 'run.progress',
          runId: trial.runId,
          sweepId: run.id,
          unit: trial.config.train.epochs !== undefined ? 'epoch' : 'iteration',
          step: trial.progress.step,
          totalSteps: trial.progress.totalSteps,
          entries: [],
        });
      }
    }
    this.sweepChanged(run, [trial]);
  }

  private sweepChanged(run: SweepRun | null, trials: TrialState[], id = run?.id): void {
    if (!id) return;
    let status: SweepRow['status'];
    try {
      status = this.options.store.getSweep(id).status;
    } catch {
      return;
    }
    this.options.emit({
      type: 'sweep.changed',
      sweepId: id,
      status,
      trials: trials.map((t) => trialInfo(t, null)),
      paused: run?.isPaused ?? false,
    });
  }
}

function row(info: SweepInfo): SweepRow {
  return { id: info.id, name: info.name, status: info.status, createdAt: info.createdAt, finishedAt: info.finishedAt, error: info.error };
}

function trialInfo(t: TrialState, rank: number | null): TrialInfo {
  return {
    index: t.index,
    params: t.params,
    label: formatParams(t.params),
    status: t.status,
    runId: t.runId,
    progress: t.progress ? { step: t.progress.step, totalSteps: t.progress.totalSteps, cost: num(t.progress.cost) } : null,
    final: t.final
      ? { train_cost: num(t.final.train_cost), train_accuracy: num(t.final.train_accuracy), test_cost: num(t.final.test_cost), test_accuracy: num(t.final.test_accuracy) }
      : null,
    reason: t.reason,
    rank,
  };
}
