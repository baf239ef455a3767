/**
 * Weight initializers. Each draws W[l] as one randn(n[l], n[l-1]) call, layer by
 * layer from one generator, exactly as the course does; biases start at zero.
 * With the `numpy` generator, `normal` with scale 0.01 and seed 2 is the course's
 * `np.random.seed(2); W1 = np.random.randn(4, 2) * 0.01`.
 */
import type { Rng } from './random';

export type InitMethod = 'zeros' | 'normal' | 'xavier' | 'he';

export interface Initializer {
  readonly name: InitMethod;
  /** Fills a row-major (rows, cols) weight matrix, drawing from rng; cols is n[l-1]. */
  weights(rng: Rng, rows: number, cols: number, scale: number): Float64Array;
}

function randnMap(rng: Rng, count: number, f: (x: number) => number): Float64Array {
  const w = rng.randn(count);
  for (let i = 0; i < w.length; i++) w[i] = f(w[i]);
  return w;
}

export const INITIALIZERS: Record<InitMethod, Initializer> = {
  zeros: { name: 'zeros', weights: (_rng, rows, cols) => new Float64Array(rows * cols) },
  normal: {
    name: 'normal',
    weights: (rng, rows, cols, scale) => randnMap(rng, rows * cols, (x) => x * scale),
  },
  // randn / sqrt(n_prev): a division, as the course writes it, not a multiplication
  // by its inverse, so that the values match NumPy's to the last bit.
  xavier: {
    name: 'xavier',
    weights: (rng, rows, cols) => {
      const root = Math.sqrt(cols);
      return randnMap(rng, rows * cols, (x) => x / root);
    },
  },
  he: {
    name: 'he',
    weights: (rng, rows, cols) => {
      const factor = Math.sqrt(2 / cols);
      return randnMap(rng, rows * cols, (x) => x * factor);
    },
  },
};
