/**
 * Optimizers, as in the course: plain gradient descent, momentum, RMSprop, and
 * Adam with bias correction. Each is a small object; `step` reads the parameters
 * and gradients and writes the updated parameters into `out`, which may be the
 * parameters themselves or a second buffer (the trainer uses a second buffer so
 * that the last finite parameters survive a divergent step).
 */
import type { FloatArray } from './matrix';

export type OptimizerName = 'gd' | 'momentum' | 'rmsprop' | 'adam';

export interface OptimizerSettings {
  /** Momentum's β. */
  beta: number;
  /** Adam's β1. */
  beta1: number;
  /** Adam's and RMSprop's β2. */
  beta2: number;
  epsilon: number;
}

export const DEFAULT_OPTIMIZER_SETTINGS: OptimizerSettings = {
  beta: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/** Per-parameter moving averages: v (first moment) and s (second moment), as needed. */
export interface OptimizerState {
  v: Float64Array[];
  s: Float64Array[];
}

export interface Optimizer {
  readonly name: OptimizerName;
  /**
   * Zeroed moving averages for parameters of the given sizes, each from `zeros`
   * (default: a new Float64Array; the trainer passes one that allocates in the
   * kernels' memory).
   */
  createState(sizes: number[], zeros?: (length: number) => Float64Array): OptimizerState;
  /**
   * One update of every parameter. `t` counts updates from 1 (Adam's bias
   * correction uses it).
   */
  step(
    params: FloatArray[],
    grads: FloatArray[],
    out: FloatArray[],
    state: OptimizerState,
    learningRate: number,
    t: number,
    settings: OptimizerSettings,
  ): void;
}

const newZeros = (n: number) => new Float64Array(n);
const zerosLike = (sizes: number[], zeros: (length: number) => Float64Array = newZeros) => sizes.map((n) => zeros(n));

const gd: Optimizer = {
  name: 'gd',
  createState: () => ({ v: [], s: [] }),
  step(params, grads, out, _state, lr) {
    for (let l = 0; l < params.length; l++) {
      const w = params[l];
      const g = grads[l];
      const o = out[l];
      for (let i = 0; i < w.length; i++) o[i] = w[i] - lr * g[i];
    }
  },
};

// v = β·v + (1 − β)·dW;  W = W − lr·v
const momentum: Optimizer = {
  name: 'momentum',
  createState: (sizes, zeros) => ({ v: zerosLike(sizes, zeros), s: [] }),
  step(params, grads, out, state, lr, _t, { beta }) {
    params.forEach((w, l) => {
      const g = grads[l];
      const v = state.v[l];
      const o = out[l];
      for (let i = 0; i < w.length; i++) {
        v[i] = beta * v[i] + (1 - beta) * g[i];
        o[i] = w[i] - lr * v[i];
      }
    });
  },
};

// s = β2·s + (1 − β2)·dW²;  W = W − lr·dW / (√s + ε)
const rmsprop: Optimizer = {
  name: 'rmsprop',
  createState: (sizes, zeros) => ({ v: [], s: zerosLike(sizes, zeros) }),
  step(params, grads, out, state, lr, _t, { beta2, epsilon }) {
    params.forEach((w, l) => {
      const g = grads[l];
      const s = state.s[l];
      const o = out[l];
      for (let i = 0; i < w.length; i++) {
        s[i] = beta2 * s[i] + (1 - beta2) * g[i] * g[i];
        o[i] = w[i] - (lr * g[i]) / (Math.sqrt(s[i]) + epsilon);
      }
    });
  },
};

// v = β1·v + (1 − β1)·dW;  s = β2·s + (1 − β2)·dW²
// v̂ = v / (1 − β1^t);  ŝ = s / (1 − β2^t);  W = W − lr·v̂ / (√ŝ + ε)
const adam: Optimizer = {
  name: 'adam',
  createState: (sizes, zeros) => ({ v: zerosLike(sizes, zeros), s: zerosLike(sizes, zeros) }),
  step(params, grads, out, state, lr, t, { beta1, beta2, epsilon }) {
    const c1 = 1 - Math.pow(beta1, t);
    const c2 = 1 - Math.pow(beta2, t);
    params.forEach((w, l) => {
      const g = grads[l];
      const v = state.v[l];
      const s = state.s[l];
      const o = out[l];
      for (let i = 0; i < w.length; i++) {
        v[i] = beta1 * v[i] + (1 - beta1) * g[i];
        s[i] = beta2 * s[i] + (1 - beta2) * (g[i] * g[i]);
        o[i] = w[i] - (lr * (v[i] / c1)) / (Math.sqrt(s[i] / c2) + epsilon);
      }
    });
  },
};

export const OPTIMIZERS: Record<OptimizerName, Optimizer> = { gd, momentum, rmsprop, adam };
