/**
 * Output layers, each paired with its loss: sigmoid with binary cross-entropy,
 * softmax with categorical cross-entropy, linear with mean squared error. Pairing
 * them gives the simple, stable gradient dZ = ∂loss/∂Z directly (A − Y for the
 * first two), and lets the loss fall back to Z wherever A has lost accuracy, so
 * that saturated outputs (A exactly 0 or 1) still give a finite cost.
 *
 * The cost is the mean over examples of the per-example loss; `lossSum` returns
 * the sum, so that mini-batches can be averaged over a whole epoch.
 */
import { type Matrix } from './matrix';
import * as fast from './fastmath';
import * as k from './kernels';

export type OutputName = 'sigmoid' | 'softmax' | 'linear';

export interface OutputLayer {
  readonly name: OutputName;
  /** A = g(Z). */
  forward(Z: Matrix, A: Matrix): void;
  /** Σ over examples of the loss of A = g(Z) against targets Y. */
  lossSum(Z: Matrix, A: Matrix, Y: Matrix): number;
  /** dZ = ∂(per-example loss)/∂Z: not yet divided by m. */
  backward(A: Matrix, Y: Matrix, dZ: Matrix): void;
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(fast.exp(-x)) : Math.log1p(fast.exp(x));
}

function subtract(A: Matrix, Y: Matrix, dZ: Matrix): void {
  const a = A.data;
  const y = Y.data;
  const d = dZ.data;
  for (let i = 0; i < a.length; i++) d[i] = a[i] - y[i];
}

const sigmoidCrossEntropy: OutputLayer = {
  name: 'sigmoid',
  forward: (Z, A) => k.sigmoidForward(Z.data, A.data),
  // −[y·log(a) + (1−y)·log(1−a)] with a = σ(z). Each log is taken of a where a
  // is accurate relative to its size; otherwise from z, exactly: −log(σ(z)) is
  // softplus(−z) and −log(1−σ(z)) is softplus(z). So saturated outputs give a
  // finite cost, and the common case costs one logarithm per example.
  lossSum(Z, A, Y) {
    const z = Z.data;
    const a = A.data;
    const y = Y.data;
    let s = 0;
    for (let i = 0; i < z.length; i++) {
      const yi = y[i];
      const ai = a[i];
      if (yi !== 0) s += yi * (ai > 0 ? -Math.log(ai) : softplus(-z[i]));
      // 1 − a loses a's relative accuracy once a ≥ ½; log1p(−a) keeps it below.
      if (yi !== 1) s += (1 - yi) * (ai < 0.5 ? -Math.log1p(-ai) : softplus(z[i]));
    }
    return s;
  },
  backward: subtract,
};

const softmaxCrossEntropy: OutputLayer = {
  name: 'softmax',
  forward: (Z, A) => k.softmaxColumns(Z, A),
  // −Σ_i y_i·log(a_i) with log(a_i) = z_i − max − log Σ exp(z − max): the log-sum-exp form.
  lossSum(Z, _A, Y) {
    const rows = Z.rows;
    const m = Z.cols;
    const z = Z.data;
    const y = Y.data;
    let s = 0;
    for (let j = 0; j < m; j++) {
      let max = -Infinity;
      for (let i = 0; i < rows; i++) max = Math.max(max, z[i * m + j]);
      let sum = 0;
      for (let i = 0; i < rows; i++) sum += fast.exp(z[i * m + j] - max);
      const logSum = Math.log(sum);
      for (let i = 0; i < rows; i++) {
        const yi = y[i * m + j];
        if (yi !== 0) s -= yi * (z[i * m + j] - max - logSum);
      }
    }
    return s;
  },
  backward: subtract,
};

// The per-example loss is the mean over the k outputs of (a − y)², so the cost is
// the mean squared error over all entries and ∂/∂z = 2(a − y)/k.
const linearSquaredError: OutputLayer = {
  name: 'linear',
  forward: (Z, A) => k.copyInto(Z.data, A.data),
  lossSum(_Z, A, Y) {
    const a = A.data;
    const y = Y.data;
    let s = 0;
    for (let i = 0; i < a.length; i++) {
      const d = a[i] - y[i];
      s += d * d;
    }
    return s / A.rows;
  },
  backward(A, Y, dZ) {
    const scale = 2 / A.rows;
    const a = A.data;
    const y = Y.data;
    const d = dZ.data;
    for (let i = 0; i < a.length; i++) d[i] = scale * (a[i] - y[i]);
  },
};

export const OUTPUT_LAYERS: Record<OutputName, OutputLayer> = {
  sigmoid: sigmoidCrossEntropy,
  softmax: softmaxCrossEntropy,
  linear: linearSquaredError,
};
