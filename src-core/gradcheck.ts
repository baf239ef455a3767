/**
 * Gradient checking, as in the course: each parameter θ_i is nudged by ±ε and the
 * two-sided difference (J(θ+ε) − J(θ−ε)) / 2ε is compared with backprop's
 * gradient by the relative difference ‖g − g̃‖ / (‖g‖ + ‖g̃‖), per parameter
 * matrix and overall. Dropout is off: the cost must be a fixed function of θ.
 */
import type { Matrix } from './matrix';
import type { Network } from './network';

export interface GradCheckEntry {
  /** W1, b1, W2, … */
  name: string;
  size: number;
  /** Entries checked: all of them, or an evenly spaced sample. */
  checked: number;
  /** ‖g − g̃‖ / (‖g‖ + ‖g̃‖); 0 when both are zero. */
  difference: number;
}

export interface GradCheckResult {
  epsilon: number;
  parameters: GradCheckEntry[];
  /** The same measure over all parameters together (the course's single number). */
  overall: number;
}

export function gradientCheck(
  net: Network,
  X: Matrix,
  Y: Matrix,
  options: { l2?: number; epsilon?: number; maxEntriesPerParameter?: number } = {},
): GradCheckResult {
  if (net.precision !== 'float64') {
    throw new Error('gradient checking needs float64 precision: a float32 cost cannot resolve ε = 1e-7');
  }
  const l2 = options.l2 ?? 0;
  const epsilon = options.epsilon ?? 1e-7;
  const cost = () => {
    net.forward(X);
    return net.cost(Y, l2);
  };
  net.forward(X);
  net.backward(X, Y, l2);
  const analytic = net.parameters().map((p) => Float64Array.from(p.grad.data));

  let diffSq = 0;
  let gradSq = 0;
  let approxSq = 0;
  const parameters = net.parameters().map((p, index) => {
    const theta = p.value.data;
    const indices = sampleIndices(theta.length, options.maxEntriesPerParameter ?? Infinity);
    let d = 0;
    let g = 0;
    let a = 0;
    for (const i of indices) {
      const original = theta[i];
      theta[i] = original + epsilon;
      const plus = cost();
      theta[i] = original - epsilon;
      const minus = cost();
      theta[i] = original;
      const approx = (plus - minus) / (2 * epsilon);
      const grad = analytic[index][i];
      d += (grad - approx) ** 2;
      g += grad * grad;
      a += approx * approx;
    }
    diffSq += d;
    gradSq += g;
    approxSq += a;
    return { name: p.name, size: theta.length, checked: indices.length, difference: relative(d, g, a) };
  });
  return { epsilon, parameters, overall: relative(diffSq, gradSq, approxSq) };
}

function relative(diffSq: number, gradSq: number, approxSq: number): number {
  const denominator = Math.sqrt(gradSq) + Math.sqrt(approxSq);
  return denominator === 0 ? 0 : Math.sqrt(diffSq) / denominator;
}

/** All indices below n, or `max` of them evenly spaced (first and last included). */
function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  if (max <= 1) return [0];
  return Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1)));
}
