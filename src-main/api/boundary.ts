/**
 * Decision boundaries on the Node side: a network's output on a G×G grid over the data,
 * and the data points with their predicted classes. Imports only the core, so it runs in
 * the API process, a training worker or a trial process alike.
 *
 * The grid is computed lean: by a float32 copy of the network (a picture of 256 shades
 * needs no float64, and the core's float32 kernels do twice the work per instruction), in
 * a few equal batches that keep each layer's activations in cache (one batched predict,
 * never a call per pixel), over grid inputs built once per grid, extent and preprocessing.
 */
import type { PreparedExperiment } from '../../src-core/experiment';
import { Matrix } from '../../src-core/matrix';
import { confusionMatrix, predictedClasses, targetClasses } from '../../src-core/metrics';
import { Network } from '../../src-core/network';
import type { Preprocessing } from '../../src-core/preprocess';
import type { Precision } from '../../src-core/matrix';
import type { Bounds } from '../../src-api/schemas';

export const DEFAULT_GRID = 100;
/** Points drawn at most per set; more are evenly thinned (the picture is the same). */
export const MAX_POINTS = 5000;

export interface GridValues {
  grid: number;
  bounds: Bounds;
  classes: number;
  /** Sigmoid: G·G P(class 1); softmax: classes planes of G·G. */
  probs: Float32Array;
}

export interface PointSet {
  count: number;
  xy: Float32Array;
  label: Uint8Array;
  predicted?: Uint8Array;
}

/** The raw (unstandardized) inputs of prepared data, as the user's coordinates. */
export function rawInputs(X: Matrix, preprocessing: Preprocessing): Matrix {
  const std = preprocessing.standardize;
  if (!std) return X;
  const out = Matrix.zeros(X.rows, X.cols);
  for (let i = 0; i < X.rows; i++) {
    const m = X.cols;
    for (let j = 0; j < m; j++) out.data[i * m + j] = X.data[i * m + j] * std.std[i] + std.mean[i];
  }
  return out;
}

/** The data's extent with a margin: 10% of the range, at least 0.25 on each side. */
export function boundsOf(...sets: (Matrix | null)[]): Bounds {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const X of sets) {
    if (!X) continue;
    const m = X.cols;
    for (let j = 0; j < m; j++) {
      const x = X.data[j], y = X.data[m + j];
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (!Number.isFinite(x0 + x1 + y0 + y1)) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  const px = Math.max(0.25, (x1 - x0) * 0.1), py = Math.max(0.25, (y1 - y0) * 0.1);
  return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
}

/**
 * The grid's cell centres as a (2, G·G) input matrix, preprocessed as the network expects;
 * given `rows` [first, end), only those rows' cells, (2, (end − first)·G): the part of the
 * grid one boundary worker computes (boundary-pool.ts).
 */
export function gridInputs(grid: number, bounds: Bounds, preprocessing: Preprocessing, precision: Precision = 'float64', rows: readonly [number, number] = [0, grid]): Matrix {
  const [first, end] = rows;
  if (!(Number.isInteger(first) && Number.isInteger(end) && first >= 0 && first < end && end <= grid)) {
    throw new Error(`grid rows must be a range [first, end) within 0…${grid}; got [${first}, ${end})`);
  }
  const n = (end - first) * grid;
  const X = Matrix.zeros(2, n, precision);
  const sx = (bounds.x1 - bounds.x0) / grid, sy = (bounds.y1 - bounds.y0) / grid;
  const std = preprocessing.standardize;
  const [mx, my] = std ? std.mean : [0, 0];
  const [dx, dy] = std ? std.std : [1, 1];
  const data = X.data;
  for (let i = first; i < end; i++) {
    const y = ((bounds.y1 - (i + 0.5) * sy) * preprocessing.scale - my) / dy;
    for (let j = 0; j < grid; j++) {
      const k = (i - first) * grid + j;
      data[k] = ((bounds.x0 + (j + 0.5) * sx) * preprocessing.scale - mx) / dx;
      data[n + k] = y;
    }
  }
  return X;
}

/** Grid inputs by grid, extent and preprocessing: each is built once, then reused. */
const gridCache = new Map<string, Matrix>();
const GRID_CACHE_SIZE = 8;

/** The float32 grid inputs for these settings (all rows, or `rows`), from the cache when they were built before. */
export function cachedGridInputs(grid: number, bounds: Bounds, preprocessing: Preprocessing, rows: readonly [number, number] = [0, grid]): Matrix {
  const std = preprocessing.standardize;
  const key = JSON.stringify([grid, bounds.x0, bounds.x1, bounds.y0, bounds.y1, preprocessing.scale, std?.mean ?? null, std?.std ?? null, rows[0], rows[1]]);
  let X = gridCache.get(key);
  if (X) {
    // Most recently used last, so the oldest goes first.
    gridCache.delete(key);
  } else {
    X = gridInputs(grid, bounds, preprocessing, 'float32', rows);
    if (gridCache.size >= GRID_CACHE_SIZE) gridCache.delete(gridCache.keys().next().value!);
  }
  gridCache.set(key, X);
  return X;
}

/** Float32 networks by architecture, kept with their workspaces for the next picture. */
const copies = new Map<string, Network>();
const COPIES = 4;

/**
 * A float32 copy of a network for drawing its boundary (the copy also lets the original
 * train on while the copy predicts). Given `into`, a copy made before, only its
 * parameters are refreshed. Without it, a copy of the same architecture made for an
 * earlier picture is refreshed and reused: a new network would allocate its parameters and
 * workspaces again, which costs more than the prediction itself. Use the copy before the
 * next call: a later picture of the same architecture overwrites it.
 */
export function boundaryNetwork(network: Network, into?: Network): Network {
  let copy = into;
  if (!copy) {
    const arch = network.architecture;
    const key = JSON.stringify([arch.sizes, arch.activations, arch.output, network.leakySlope]);
    copy = copies.get(key);
    if (copy) copies.delete(key);
    else {
      copy = new Network({ ...arch, leakySlope: network.leakySlope, precision: 'float32' });
      if (copies.size >= COPIES) copies.delete(copies.keys().next().value!);
    }
    copies.set(key, copy);
  }
  copy.setParameters(network.W, network.b);
  return copy;
}

/** A copy of a network for predicting while the original trains (predict uses workspaces). */
export function cloneNetwork(network: Network, leakySlope: number): Network {
  const arch = network.architecture;
  const copy = new Network({ ...arch, leakySlope });
  copy.setParameters(network.W, network.b);
  return copy;
}

/** Columns per batch: at most 2048 (a 50-unit layer's activations, 400 KB, stay in cache), in equal batches. */
export function batchSize(columns: number, most = 2048): number {
  return Math.ceil(columns / Math.ceil(columns / most));
}

/**
 * The network's output over the grid. Needs a network with two inputs; a float64 network
 * is copied to float32 first (pass a boundaryNetwork to skip the copy). `inputs` must be
 * the grid's inputs in the network's precision (cachedGridInputs for float32).
 */
export function boundaryGrid(network: Network, grid: number, bounds: Bounds, preprocessing: Preprocessing, inputs?: Matrix): GridValues {
  if (network.inputSize !== 2) throw new Error(`a decision boundary needs 2 inputs; this network has ${network.inputSize}`);
  const net = network.precision === 'float32' ? network : boundaryNetwork(network);
  const X = inputs ?? cachedGridInputs(grid, bounds, preprocessing);
  if (X.precision !== 'float32' || X.cols !== grid * grid) throw new Error(`the grid inputs must be float32 (2, ${grid * grid}); got ${X.precision} ${X.shapeText}`);
  const A = net.predict(X, batchSize(X.cols));
  // predict returns a new matrix that owns its array: no copy needed.
  return { grid, bounds, classes: Math.max(2, network.outputSize), probs: A.data as Float32Array };
}

/** Evenly thinned column indices: all when m ≤ limit. */
export function thin(m: number, limit = MAX_POINTS): Int32Array {
  const count = Math.min(m, limit);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = Math.floor((k * m) / count);
  return out;
}

/** Points in user coordinates with their true and (given them) predicted classes. */
export function pointSet(raw: Matrix, Y: Matrix, predictedAll?: Int32Array): PointSet {
  const truth = targetClasses(Y);
  const pick = thin(raw.cols);
  const m = raw.cols;
  const xy = new Float32Array(pick.length * 2);
  const label = new Uint8Array(pick.length);
  const predicted = predictedAll ? new Uint8Array(pick.length) : undefined;
  pick.forEach((j, k) => {
    xy[2 * k] = raw.data[j];
    xy[2 * k + 1] = raw.data[m + j];
    label[k] = truth[j];
    if (predicted) predicted[k] = predictedAll![j];
  });
  return { count: pick.length, xy, label, predicted };
}

/** The data points of a prepared experiment drawn over its boundary, and its confusion matrix. */
export interface EvaluatedPoints {
  /** The data's extent with a margin: the region the grid covers. */
  bounds: Bounds;
  train: PointSet;
  test: PointSet | null;
  confusion: number[][];
  confusionSet: 'train' | 'test';
}

/**
 * The points, their extent and the confusion matrix of a network on a prepared
 * experiment's data. The points' predicted classes come from the network itself (float64,
 * as the metrics were computed), once per set.
 */
export function evaluatePoints(prepared: PreparedExperiment, network: Network): EvaluatedPoints {
  const { data, preprocessing } = prepared;
  const rawTrain = rawInputs(data.X, preprocessing);
  const rawTest = data.Xtest ? rawInputs(data.Xtest, preprocessing) : null;
  const bounds = boundsOf(rawTrain, rawTest);
  const trainPredicted = predictedClasses(network.predict(data.X));
  const testPredicted = data.Xtest && data.Ytest ? predictedClasses(network.predict(data.Xtest)) : null;
  const train = pointSet(rawTrain, data.Y, trainPredicted);
  const test = rawTest && data.Ytest && testPredicted ? pointSet(rawTest, data.Ytest, testPredicted) : null;
  const useTest = testPredicted !== null;
  const classes = prepared.classes ?? 2;
  const confusion = confusionMatrix(useTest ? testPredicted : trainPredicted, targetClasses(useTest ? data.Ytest! : data.Y), classes);
  return { bounds, train, test, confusion, confusionSet: useTest ? 'test' : 'train' };
}
