/**
 * A training worker thread: trains run configurations, one at a time, as the API process
 * sends them ({ type: 'run', input }), and posts what happens back to it; the API process
 * alone writes the store (one writer per store). The thread lives on between runs, so a
 * run starts without loading the core again. Besides the history
 * entries it posts, throttled, the decision boundary of the current weights (for 2-D data)
 * and keeps weight checkpoints for replaying the boundary later. Computing here keeps the
 * API's event loop, and so the UI, responsive while training runs.
 */
import { parentPort } from 'node:worker_threads';
import type { RunConfig } from '../../src-core/config';
import { prepareExperiment, runExperiment } from '../../src-core/experiment';
import { modelToJson } from '../../src-core/model-file';
import { Network } from '../../src-core/network';
import type { HistoryEntry } from '../../src-core/train';
import { filesRelativeTo } from '../data/files';
import { DEFAULT_GRID, boundaryGrid, boundaryNetwork, boundsOf, cachedGridInputs, rawInputs } from './boundary';

export interface TrainWorkerInput {
  config: RunConfig;
  /** Least time between two posted boundaries. */
  boundaryEveryMs: number;
  /** Most weight checkpoints kept for replay. */
  maxCheckpoints: number;
  /**
   * Most bytes of checkpoints (float64 weights; the API process holds them all until the
   * run ends, then writes them as one JSON file): a large network keeps fewer, and one
   * that cannot keep two (a replay needs two) keeps none.
   */
  maxCheckpointBytes: number;
}

/** Messages a training worker posts, in order: progress…, then done or failed. */
export type TrainWorkerMessage =
  | { type: 'started'; unit: 'iteration' | 'epoch'; totalSteps: number }
  | { type: 'progress'; step: number; totalSteps: number; entry?: HistoryEntry }
  | { type: 'boundary'; step: number; grid: number; bounds: { x0: number; x1: number; y0: number; y1: number }; classes: number; probs: Float32Array }
  | { type: 'checkpoint'; step: number; W: Float64Array[]; b: Float64Array[] }
  | {
      type: 'done';
      status: 'completed' | 'stopped' | 'diverged' | 'cancelled';
      unit: 'iteration' | 'epoch';
      steps: number;
      reason?: string;
      final: { train_cost: number; train_accuracy: number | null; test_cost: number | null; test_accuracy: number | null };
      model: string;
    }
  | { type: 'failed'; reason: string };

/** Messages the API process sends a training worker. */
export type ToTrainWorker = { type: 'run'; input: TrainWorkerInput } | { type: 'cancel' };

const port = parentPort!;
let current: AbortController | null = null;
port.on('message', (message: ToTrainWorker) => {
  if (message?.type === 'cancel') current?.abort();
  else if (message?.type === 'run' && !current) {
    current = new AbortController();
    void train(message.input, current).finally(() => (current = null));
  }
});

async function train(input: TrainWorkerInput, controller: AbortController): Promise<void> {
  const { config } = input;
  const post = (message: TrainWorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  try {
    const files = filesRelativeTo('/', { regression: config.model.output === 'linear' });
    const prepared = await prepareExperiment(config, files);
    const { network, settings, preprocessing, data } = prepared;
    const total = 'iterations' in settings.schedule ? settings.schedule.iterations : settings.schedule.epochs;
    const unit = 'iterations' in settings.schedule ? 'iteration' : 'epoch';
    post({ type: 'started', unit, totalSteps: total });

    const twoD = network.inputSize === 2 && config.model.output !== 'linear';
    const bounds = twoD ? boundsOf(rawInputs(data.X, preprocessing), data.Xtest ? rawInputs(data.Xtest, preprocessing) : null) : null;
    // Built once per run: the grid's inputs, and the float32 copy whose parameters each
    // picture refreshes (the original trains on meanwhile).
    const gridX = bounds ? cachedGridInputs(DEFAULT_GRID, bounds, preprocessing) : null;
    const picture = twoD ? new Network({ ...network.architecture, leakySlope: network.leakySlope, precision: 'float32' }) : null;
    const expectedEntries = Math.floor(total / settings.logEvery) + 2;
    // One more is kept at the end, after the loop.
    const keep = Math.min(input.maxCheckpoints, Math.floor(input.maxCheckpointBytes / (8 * network.parameterCount)));
    const checkpoints = twoD && keep >= 2;
    const checkpointStride = Math.max(1, Math.ceil(expectedEntries / (keep - 1)));
    let entryIndex = 0;
    let lastBoundary = -Infinity;
    const sendBoundary = (step: number) => {
      if (!bounds || !gridX || !picture) return;
      const g = boundaryGrid(boundaryNetwork(network, picture), DEFAULT_GRID, bounds, preprocessing, gridX);
      post({ type: 'boundary', step, grid: g.grid, bounds, classes: g.classes, probs: g.probs }, [g.probs.buffer as ArrayBuffer]);
      lastBoundary = performance.now();
    };

    const result = await runExperiment(prepared, {
      signal: controller.signal,
      progressEvery: Math.max(1, Math.ceil(total / 200)),
      yieldEveryMs: 20,
      // Node makes a zero timeout at least 1 ms: 5% of the run asleep at this pace.
      yieldTurn: () => new Promise<void>((resolve) => setImmediate(resolve)),
      onProgress: (event) => {
        post({ type: 'progress', step: event.step, totalSteps: event.totalSteps, entry: event.entry });
        if (!event.entry || !twoD) return;
        if (checkpoints && entryIndex++ % checkpointStride === 0) {
          post({
            type: 'checkpoint',
            step: event.entry.iteration,
            W: network.W.map((W) => Float64Array.from(W.data)),
            b: network.b.map((b) => Float64Array.from(b.data)),
          });
        }
        if (performance.now() - lastBoundary >= input.boundaryEveryMs) sendBoundary(event.entry.iteration);
      },
    });
    if (twoD) {
      if (checkpoints) {
        post({
          type: 'checkpoint',
          step: result.steps,
          W: network.W.map((W) => Float64Array.from(W.data)),
          b: network.b.map((b) => Float64Array.from(b.data)),
        });
      }
      sendBoundary(result.steps);
    }
    const model = modelToJson(network, {
      preprocessing,
      classNames: prepared.classNames,
      config,
      leakySlope: config.model.leaky_slope,
    });
    post({
      type: 'done',
      status: result.status,
      unit: result.unit,
      steps: result.steps,
      reason: result.reason,
      final: result.final,
      model: JSON.stringify(model),
    });
  } catch (error) {
    post({ type: 'failed', reason: (error as Error).message ?? String(error) });
  }
}
