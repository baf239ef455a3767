import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES } from '../../src-core/activations';
import { gradientCheck } from '../../src-core/gradcheck';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import type { OutputName } from '../../src-core/outputs';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/**
 * Targets that the network gets clearly wrong, so that every gradient is far from
 * zero: the class it rates least likely, or values 3 above its outputs. A
 * two-sided difference has an absolute error of about ulp(J) / 2ε ≈ 1e-9; where a
 * gradient is that small (a confident, correct prediction; a vanishing layer) the
 * relative difference measures rounding, not backprop.
 */
function targets(net: Network, X: Matrix, output: OutputName): Matrix {
  const A = net.predict(X);
  const Y = Matrix.zeros(A.rows, A.cols);
  for (let j = 0; j < A.cols; j++) {
    if (output === 'softmax') {
      let worst = 0;
      for (let i = 1; i < A.rows; i++) if (A.get(i, j) < A.get(worst, j)) worst = i;
      Y.set(worst, j, 1);
    } else {
      for (let i = 0; i < A.rows; i++) Y.set(i, j, output === 'sigmoid' ? (A.get(i, j) > 0.5 ? 0 : 1) : A.get(i, j) + 3);
    }
  }
  return Y;
}

/**
 * A random network whose gradients are all well away from zero (see targets()).
 * Layers fed by sigmoids get biases b = −W·½ + noise, so that their inputs are
 * centred where σ' is largest; otherwise a deep sigmoid stack shrinks the first
 * layer's gradient below what ε = 1e-7 can resolve against the rounding of J
 * (about 1.1e-9 / |g| relative: |g| must be over 1e-2 for a difference < 1e-7).
 */
function randomNetwork(sizes: number[], activation: (typeof ACTIVATION_NAMES)[number], output: OutputName, next: () => number) {
  const net = new Network({ sizes, activations: sizes.slice(2).map(() => activation), output });
  for (let l = 0; l < net.depth; l++) {
    const W = net.W[l];
    for (let i = 0; i < W.size; i++) W.data[i] = 3 * next();
    const centre = l > 0 && activation === 'sigmoid';
    for (let i = 0; i < W.rows; i++) {
      let rowSum = 0;
      for (let j = 0; j < W.cols; j++) rowSum += W.get(i, j);
      net.b[l].data[i] = (centre ? -0.5 * rowSum : 0) + 0.1 * next();
    }
  }
  return net;
}

/**
 * Draws networks and data until the check can mean something: no hidden
 * pre-activation within 1e-3 of a relu kink (a ±ε step across it is not a
 * derivative), and no gradient entry that is non-zero yet under 1e-3 (where the
 * rounding of J dominates). Deterministic for a given generator.
 */
function wellConditionedProblem(
  sizes: number[],
  activation: (typeof ACTIVATION_NAMES)[number],
  output: OutputName,
  l2: number,
  next: () => number,
) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const net = randomNetwork(sizes, activation, output, next);
    const X = Matrix.from(3, 6, Array.from({ length: 18 }, next));
    const Y = targets(net, X, output);
    net.forward(X);
    const ws = net.workspace(X.cols);
    const nearKink = ws.Z.slice(0, -1).some((Z) => Z.data.some((z) => Math.abs(z) < 1e-3));
    net.backward(X, Y, l2);
    const tiny = net.parameters().some((p) => p.grad.data.some((g) => g !== 0 && Math.abs(g) < 1e-3));
    if (!nearKink && !tiny) return { net, X, Y };
  }
  throw new Error('no well-conditioned problem found');
}

const OUTPUTS: [OutputName, number][] = [
  ['sigmoid', 1],
  ['softmax', 3],
  ['linear', 2],
];
const HIDDEN_BY_DEPTH = [[], [5], [5, 4], [5, 4, 3]];

describe('gradient check below 1e-7 for every activation, output, L2 and depth', () => {
  let seed = 1;
  for (const hidden of HIDDEN_BY_DEPTH) {
    const activations = hidden.length === 0 ? (['sigmoid'] as const) : ACTIVATION_NAMES;
    for (const activation of activations) {
      for (const [output, k] of OUTPUTS) {
        for (const l2 of [0, 0.7]) {
          const name = `depth ${hidden.length + 1}, ${hidden.length ? activation : 'no hidden layer'}, ${output}, l2 = ${l2}`;
          const s = seed++;
          it(name, () => {
            const next = lcg(s);
            const sizes = [3, ...hidden, k];
            const { net, X, Y } = wellConditionedProblem(sizes, activation, output, l2, next);
            const result = gradientCheck(net, X, Y, { l2 });
            expect(result.parameters.map((p) => p.name)).toEqual(sizes.slice(1).flatMap((_, l) => [`W${l + 1}`, `b${l + 1}`]));
            for (const p of result.parameters) expect(p.difference, p.name).toBeLessThan(1e-7);
            expect(result.overall).toBeLessThan(1e-7);
          });
        }
      }
    }
  }
});

describe('gradient check catches a wrong gradient', () => {
  it('reports a large difference for the broken parameter only', () => {
    class Broken extends Network {
      override backward(X: Matrix, Y: Matrix, l2 = 0): void {
        super.backward(X, Y, l2);
        this.db[1].data[0] += 1e-3;
      }
    }
    const next = lcg(99);
    const net = new Broken({ sizes: [2, 3, 1], activations: ['tanh'], output: 'sigmoid' });
    for (const p of net.parameters()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = next();
    const X = Matrix.from(2, 4, Array.from({ length: 8 }, next));
    const Y = Matrix.fromRows([[0, 1, 1, 0]]);
    const result = gradientCheck(net, X, Y);
    const byName = Object.fromEntries(result.parameters.map((p) => [p.name, p.difference]));
    expect(byName.b2).toBeGreaterThan(1e-4);
    expect(byName.W1).toBeLessThan(1e-7);
    expect(result.overall).toBeGreaterThan(2e-7);
  });

  it('refuses float32, whose cost cannot resolve ε', () => {
    const net = new Network({ sizes: [2, 1], activations: [], output: 'sigmoid', precision: 'float32' });
    expect(() => gradientCheck(net, Matrix.zeros(2, 1, 'float32'), Matrix.zeros(1, 1, 'float32'))).toThrow('needs float64');
  });
});
