/**
 * Metrics of a network's outputs A against targets Y, both (n_y, m): accuracy,
 * the confusion matrix with precision, recall and F1, and the mean squared error.
 * Classes are read as the course does: a sigmoid output is class 1 when A > 0.5
 * (one output) and a softmax output is the argmax of its column.
 */
import type { Matrix } from './matrix';
import type { OutputName } from './outputs';

/** Predicted class per example: threshold 0.5 for one sigmoid output, argmax otherwise. */
export function predictedClasses(A: Matrix): Int32Array {
  const out = new Int32Array(A.cols);
  if (A.rows === 1) {
    for (let j = 0; j < A.cols; j++) out[j] = A.data[j] > 0.5 ? 1 : 0;
    return out;
  }
  return argmaxColumns(A);
}

/** True class per example: the 0/1 value for one output, the argmax of a one-hot column otherwise. */
export function targetClasses(Y: Matrix): Int32Array {
  const out = new Int32Array(Y.cols);
  if (Y.rows === 1) {
    for (let j = 0; j < Y.cols; j++) out[j] = Y.data[j] > 0.5 ? 1 : 0;
    return out;
  }
  return argmaxColumns(Y);
}

function argmaxColumns(A: Matrix): Int32Array {
  const out = new Int32Array(A.cols);
  for (let j = 0; j < A.cols; j++) {
    let best = 0;
    for (let i = 1; i < A.rows; i++) if (A.data[i * A.cols + j] > A.data[best * A.cols + j]) best = i;
    out[j] = best;
  }
  return out;
}

/** Whether an output kind has classes (and so accuracy); a linear output has not. */
export function isClassifier(output: OutputName): boolean {
  return output !== 'linear';
}

/**
 * Fraction of examples classified correctly. For several sigmoid outputs (multi-label)
 * it is the fraction of correct output entries.
 */
export function accuracy(A: Matrix, Y: Matrix, output: OutputName): number | null {
  if (!isClassifier(output)) return null;
  if (output === 'sigmoid' && A.rows > 1) {
    let correct = 0;
    for (let i = 0; i < A.data.length; i++) if (A.data[i] > 0.5 === Y.data[i] > 0.5) correct++;
    return correct / A.data.length;
  }
  const p = predictedClasses(A);
  const t = targetClasses(Y);
  let correct = 0;
  for (let j = 0; j < p.length; j++) if (p[j] === t[j]) correct++;
  return p.length === 0 ? 0 : correct / p.length;
}

/** counts[t][p]: examples of true class t predicted as p. */
export function confusionMatrix(predicted: Int32Array, truth: Int32Array, classes: number): number[][] {
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let j = 0; j < truth.length; j++) counts[truth[j]][predicted[j]]++;
  return counts;
}

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  perClass: ClassScores[];
  /** Unweighted means over classes. */
  macro: { precision: number; recall: number; f1: number };
}

/** Precision, recall and F1 per class from a confusion matrix; 0 where undefined (0/0). */
export function classificationReport(counts: number[][]): ClassificationReport {
  const k = counts.length;
  const perClass: ClassScores[] = [];
  for (let c = 0; c < k; c++) {
    const tp = counts[c][c];
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < k; i++) {
      predicted += counts[i][c];
      actual += counts[c][i];
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass.push({ precision, recall, f1, support: actual });
  }
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((s, c) => s + c[key], 0) / k;
  return { perClass, macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') } };
}

/** Mean over all entries of (A − Y)². */
export function meanSquaredError(A: Matrix, Y: Matrix): number {
  let s = 0;
  for (let i = 0; i < A.data.length; i++) {
    const d = A.data[i] - Y.data[i];
    s += d * d;
  }
  return s / A.data.length;
}
