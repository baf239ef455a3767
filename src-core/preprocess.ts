/**
 * Preprocessing between loaded data and training: the seeded, stratified
 * train/test split, standardization fitted on train only, the input scale, and
 * labels turned into targets. What was fitted is returned as a Preprocessing
 * value, saved with the run and applied again at prediction and export.
 */
import { Matrix, ShapeError } from './matrix';
import { gatherColumns } from './network';
import { createRng, type RngKind } from './random';

/** Per-feature standardization: x' = (x − mean) / std. */
export interface Standardization {
  mean: number[];
  std: number[];
}

/** What is applied to raw inputs, in order: x·scale, then standardization. */
export interface Preprocessing {
  scale: number;
  standardize: Standardization | null;
}

export const IDENTITY_PREPROCESSING: Preprocessing = { scale: 1, standardize: null };

/** Mean and standard deviation of each feature (row) of X; a constant feature gets std 1. */
export function fitStandardization(X: Matrix): Standardization {
  const mean: number[] = [];
  const std: number[] = [];
  const m = X.cols;
  for (let i = 0; i < X.rows; i++) {
    const row = X.data.subarray(i * m, (i + 1) * m);
    let s = 0;
    for (let j = 0; j < m; j++) s += row[j];
    const mu = s / m;
    let v = 0;
    for (let j = 0; j < m; j++) v += (row[j] - mu) ** 2;
    const sd = Math.sqrt(v / m);
    mean.push(mu);
    std.push(sd > 0 && Number.isFinite(sd) ? sd : 1);
  }
  return { mean, std };
}

/** Applies scale and standardization to raw inputs X (n_x, m), as a new matrix. */
export function applyPreprocessing(X: Matrix, p: Preprocessing): Matrix {
  const out = X.clone();
  const d = out.data;
  const m = X.cols;
  if (p.standardize && p.standardize.mean.length !== X.rows) {
    throw new ShapeError(`the model was fitted on ${p.standardize.mean.length} features, the data has ${X.rows}`);
  }
  for (let i = 0; i < X.rows; i++) {
    const mu = p.standardize?.mean[i] ?? 0;
    const sd = p.standardize?.std[i] ?? 1;
    for (let j = i * m; j < (i + 1) * m; j++) d[j] = (d[j] * p.scale - mu) / sd;
  }
  return out;
}

/**
 * Splits example indices into train and test: per class (or over all examples
 * when labels is null), a seeded permutation, and round(fraction · n) to test.
 * Each index set is returned in ascending order.
 */
export function splitIndices(
  m: number,
  labels: Int32Array | null,
  fraction: number,
  seed: number,
  rng: RngKind,
): { train: Int32Array; test: Int32Array } {
  const groups = new Map<number, number[]>();
  for (let j = 0; j < m; j++) {
    const key = labels ? labels[j] : 0;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(j);
  }
  const generator = createRng(seed, rng);
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = groups.get(key)!;
    const order = generator.permutation(members.length);
    const nTest = Math.round(fraction * members.length);
    order.forEach((k, rank) => (rank < nTest ? test : train).push(members[k]));
  }
  const sorted = (a: number[]) => Int32Array.from(a.sort((x, y) => x - y));
  return { train: sorted(train), test: sorted(test) };
}

/** Columns of X and Y picked by index. */
export function takeExamples(X: Matrix, Y: Matrix, indices: Int32Array): { X: Matrix; Y: Matrix } {
  return { X: gatherColumns(X, indices), Y: gatherColumns(Y, indices) };
}

/** Class labels 0…k−1 of a (1, m) label row, checked to be whole numbers. */
export function classLabels(Y: Matrix, what: string): Int32Array {
  if (Y.rows !== 1) throw new ShapeError(`${what}: class labels must be one row (1, m), got ${Y.shapeText}`);
  const out = new Int32Array(Y.cols);
  for (let j = 0; j < Y.cols; j++) {
    const v = Y.data[j];
    if (!Number.isInteger(v) || v < 0) throw new Error(`${what}: label of example ${j} is ${v}, not a class number 0, 1, 2, …`);
    out[j] = v;
  }
  return out;
}

/** One-hot targets (k, m) from class labels. */
export function oneHot(labels: Int32Array, k: number, precision: Matrix['precision'] = 'float64'): Matrix {
  const Y = Matrix.zeros(k, labels.length, precision);
  labels.forEach((c, j) => Y.set(c, j, 1));
  return Y;
}
