/**
 * Decision boundaries on the Node side: a network's output on a G×G grid over the data,
 * computed with one batched Network.predict (never per pixel), and the data points with
 * their predicted classes. Imports only the core, so it runs in the API process, a
 * training worker or a trial process alike.
 */
import type { PreparedExperiment } from '../../src-core/experiment';
import { Matrix } from '../../src-core/matrix';
import { confusionMatrix, predictedClasses, targetClasses } from '../../src-core/metrics';
import { Network } from '../../src-core/network';
import type { Preprocessing } from '../../src-core/preprocess';
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

/** The grid's cell centres as a (2, G·G) input matrix, preprocessed as the network expects. */
export function gridInputs(grid: number, bounds: Bounds, preprocessing: Preprocessing): Matrix {
  const n = grid * grid;
  const X = Matrix.zeros(2, n, 'float64');
  const sx = (bounds.x1 - bounds.x0) / grid, sy = (bounds.y1 - bounds.y0) / grid;
  const std = preprocessing.standardize;
  const [mx, my] = std ? std.mean : [0, 0];
  const [dx, dy] = std ? std.std : [1, 1];
  for (let i = 0; i < grid; i++) {
    const y = ((bounds.y1 - (i + 0.5) * sy) * preprocessing.scale - my) / dy;
    for (let j = 0; j < grid; j++) {
      const k = i * grid + j;
      X.data[k] = ((bounds.x0 + (j + 0.5) * sx) * preprocessing.scale - mx) / dx;
      X.data[n + k] = y;
    }
  }
  return X;
}

/** A copy of a network for predicting while the original trains (predict uses workspaces). */
export function cloneNetwork(network: Network, leakySlope: number): Network {
  const arch = network.architecture;
  const copy = new Network({ ...arch, leakySlope });
  copy.setParameters(network.W, network.b);
  return copy;
}

/** The network's output over the grid. Needs a network with two inputs. */
export function boundaryGrid(network: Network, grid: number, bounds: Bounds, preprocessing: Preprocessing, inputs?: Matrix): GridValues {
  if (network.inputSize !== 2) throw new Error(`a decision boundary needs 2 inputs; this network has ${network.inputSize}`);
  const X = inputs ?? gridInputs(grid, bounds, preprocessing);
  const A = network.predict(X, grid * grid);
  const probs = new Float32Array(A.data.length);
  probs.set(A.data);
  return { grid, bounds, classes: Math.max(2, network.outputSize), probs };
}

/** Evenly thinned column indices: all when m ≤ limit. */
export function thin(m: number, limit = MAX_POINTS): Int32Array {
  const count = Math.min(m, limit);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) out[k] = Math.floor((k * m) / count);
  return out;
}

/** Points in user coordinates with their true and (given a network) predicted classes. */
export function pointSet(raw: Matrix, Y: Matrix, network?: Network, prepared?: Matrix): PointSet {
  const truth = targetClasses(Y);
  const predictedAll = network && prepared ? predictedClasses(network.predict(prepared)) : undefined;
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

export interface Evaluated {
  grid: GridValues;
  train: PointSet;
  test: PointSet | null;
  confusion: number[][];
  confusionSet: 'train' | 'test';
}

/** Boundary, points and confusion matrix of a network on a prepared experiment's data. */
export function evaluateBoundary(prepared: PreparedExperiment, network: Network, grid = DEFAULT_GRID): Evaluated {
  const { data, preprocessing } = prepared;
  const rawTrain = rawInputs(data.X, preprocessing);
  const rawTest = data.Xtest ? rawInputs(data.Xtest, preprocessing) : null;
  const bounds = boundsOf(rawTrain, rawTest);
  const values = boundaryGrid(network, grid, bounds, preprocessing);
  const train = pointSet(rawTrain, data.Y, network, data.X);
  const test = rawTest && data.Ytest && data.Xtest ? pointSet(rawTest, data.Ytest, network, data.Xtest) : null;
  const useTest = data.Xtest !== null && data.Ytest !== null;
  const classes = prepared.classes ?? 2;
  const confusion = confusionMatrix(
    predictedClasses(network.predict(useTest ? data.Xtest! : data.X)),
    targetClasses(useTest ? data.Ytest! : data.Y),
    classes,
  );
  return { grid: values, train, test, confusion, confusionSet: useTest ? 'test' : 'train' };
}
