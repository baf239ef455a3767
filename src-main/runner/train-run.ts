/**
 * Trains one run configuration and records it: the shared path of `layerlab train`
 * (into the run store) and of sweep trials (through a recorder that messages the sweep
 * driver, which owns the store: one writer). The run is recorded before anything can
 * fail, every logged history entry is written as it comes, and whatever happens the run
 * ends with a final status: a bad data file or a full disk gives `failed` with the
 * reason, never a lost run.
 */
import type { RunConfig } from '../../src-core/config';
import { type ExperimentFiles, type ExperimentResult, prepareExperiment, runExperiment } from '../../src-core/experiment';
import { modelToJson } from '../../src-core/model-file';
import { type HistoryEntry, type ProgressEvent, objectArray } from '../../src-core/train';
import type { FinalStatus, MetricPoint } from '../store';

/**
 * Where a run is recorded: the part of the run store that training writes through.
 * RunStore is one; a sweep trial's process has another that sends each call to the
 * driver. Every method may throw; a throw from appendMetrics stops training.
 */
export interface RunRecorder {
  /** Adds a queued run; needed only when trainRun is not given a `runId`. */
  createRun?(input: { name: string; config: string; sweepId?: string }): string;
  startRun(id: string): void;
  appendMetrics(id: string, points: readonly MetricPoint[]): void;
  finishRun(id: string, status: FinalStatus, details?: { error?: string; summary?: string }): void;
  saveWeights(id: string, bytes: Uint8Array, format: string): unknown;
}

/** The format name of the weights trainRun saves: the model JSON of src-core/model-file.ts. */
export const MODEL_WEIGHTS_FORMAT = 'layerlab-model-json';

export interface TrainRunOptions {
  /** Where the run is recorded: a RunStore, or any other RunRecorder. */
  store: RunRecorder;
  /** The config, with file paths already absolute (see withAbsolutePaths). */
  config: RunConfig;
  files: ExperimentFiles;
  sweepId?: string;
  /** Aborting it cancels the run; it ends as `cancelled`. */
  signal?: AbortSignal;
  /**
   * Aborting it ends training early on purpose (a sweep's early-stopping rule): the run
   * ends as `stopped`, with `signal.reason` (a string) as its reason, its history and weights.
   */
  stopSignal?: AbortSignal;
  /** Called with each history entry as it is logged. */
  onEntry?: (entry: HistoryEntry, unit: 'iteration' | 'epoch', totalSteps: number) => void;
  /** Called with training progress: every `progressEvery` steps and at each logged entry. */
  onProgress?: (event: ProgressEvent) => void;
  progressEvery?: number;
  /** An existing queued run to use instead of creating one. */
  runId?: string;
}

/** What `layerlab train --json` writes (see docs/cli.md). */
export interface RunOutcome {
  id: string;
  name: string;
  status: 'completed' | 'stopped' | 'diverged' | 'cancelled' | 'failed';
  unit: 'iteration' | 'epoch';
  history: HistoryEntry[];
  final: ExperimentResult['final'] | null;
  classification: ExperimentResult['classification'];
  duration_ms: number;
  /** Why it ended other than by completing. */
  reason?: string;
}

/** The metric keys a history entry is stored under. */
export function entryMetrics(entry: HistoryEntry): MetricPoint[] {
  const step = entry.iteration;
  const points: MetricPoint[] = [
    { step, key: 'train_cost', value: entry.cost },
    { step, key: 'learning_rate', value: entry.learning_rate },
  ];
  if (entry.train_accuracy !== undefined) points.push({ step, key: 'train_accuracy', value: entry.train_accuracy });
  if (entry.test_cost !== undefined) points.push({ step, key: 'test_cost', value: entry.test_cost });
  if (entry.test_accuracy !== undefined) points.push({ step, key: 'test_accuracy', value: entry.test_accuracy });
  return points;
}

export async function trainRun(options: TrainRunOptions): Promise<RunOutcome> {
  const { store, config } = options;
  const name = config.name ?? defaultRunName(config);
  let id = options.runId;
  if (id === undefined) {
    if (!store.createRun) throw new Error('trainRun needs a runId when its recorder cannot create runs');
    id = store.createRun({ name, config: JSON.stringify(config), sweepId: options.sweepId });
  }
  const started = Date.now();
  store.startRun(id);

  // Our own flag: a store write that fails must stop training too, and so must a stop
  // request. Training reads it at every step, so it is a plain object of one shape rather
  // than an AbortSignal: Node's signals do not keep one hidden class from one run to the
  // next, and in a process that trains run after run (a sweep's trial process) the
  // training loop's optimized code failed that check at the start of every run, was
  // thrown away and compiled again (tens of ms of V8 compiler threads per run).
  const halt = { aborted: false };
  const forward = () => {
    halt.aborted = true;
  };
  let storeError: Error | null = null;
  for (const signal of [options.signal, options.stopSignal]) {
    if (signal?.aborted) halt.aborted = true;
    signal?.addEventListener('abort', forward, { once: true });
  }

  let unit: 'iteration' | 'epoch' = config.train.epochs !== undefined ? 'epoch' : 'iteration';
  const history: HistoryEntry[] = objectArray();
  try {
    const prepared = await prepareExperiment(config, options.files);
    const result = await runExperiment(prepared, {
      signal: halt,
      yieldTurn: nextTurn,
      progressEvery: options.onProgress ? options.progressEvery : undefined,
      onProgress: (event) => {
        if (event.entry && !storeError) {
          history.push(event.entry);
          try {
            store.appendMetrics(id, entryMetrics(event.entry));
          } catch (error) {
            storeError = error as Error;
            halt.aborted = true;
          }
          options.onEntry?.(event.entry, unit, event.totalSteps);
        }
        options.onProgress?.(event);
      },
    });
    unit = result.unit;
    if (storeError) throw storeError;
    const stopped = result.status === 'cancelled' && options.stopSignal?.aborted && !options.signal?.aborted;
    if (stopped) {
      result.status = 'stopped';
      result.reason = typeof options.stopSignal!.reason === 'string' ? options.stopSignal!.reason : 'stopped early on request';
    }
    const model = modelToJson(prepared.network, {
      preprocessing: prepared.preprocessing,
      classNames: prepared.classNames,
      config,
      leakySlope: config.model.leaky_slope,
    });
    store.saveWeights(id, new TextEncoder().encode(JSON.stringify(model)), MODEL_WEIGHTS_FORMAT);
    const outcome: RunOutcome = {
      id,
      name,
      status: result.status,
      unit,
      history: result.history,
      final: result.final,
      classification: result.classification,
      duration_ms: Date.now() - started,
    };
    if (result.reason) outcome.reason = result.reason;
    store.finishRun(id, result.status, { summary: JSON.stringify({ final: result.final, unit, steps: result.steps, reason: result.reason }) });
    return outcome;
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    try {
      store.finishRun(id, 'failed', { error: reason });
    } catch {
      // The store itself is failing (a full disk); the store marks what it can.
    }
    return { id, name, status: 'failed', unit, history, final: null, classification: null, duration_ms: Date.now() - started, reason };
  } finally {
    options.signal?.removeEventListener('abort', forward);
    options.stopSignal?.removeEventListener('abort', forward);
  }
}

/** "planar [4] tanh" style: the data and the hidden layers. */
export function defaultRunName(config: RunConfig): string {
  const source = config.data.train;
  const data = 'generator' in source ? source.generator : 'csv' in source ? source.csv.file : source.x.file;
  return `${data.split(/[\\/]/).pop()} [${config.model.hidden.join(', ')}] ${config.model.activation}`;
}

/** The event loop's next turn: Node makes a zero timeout at least 1 ms, setImmediate does not wait. */
function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
