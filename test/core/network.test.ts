import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src-core/activations';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import type { OutputName } from '../../src-core/outputs';
import { expectClose, loadFixture, toMatrix, type FixtureMatrix } from '../helpers/fixtures';

interface ForwardCase {
  hidden: ActivationName;
  output: OutputName;
  sizes: number[];
  l2: number;
  X: FixtureMatrix;
  Y: FixtureMatrix;
  params: Record<string, FixtureMatrix>;
  Z: FixtureMatrix[];
  A: FixtureMatrix[];
  cost: number;
  grads: Record<string, FixtureMatrix>;
}

interface DropoutCase {
  sizes: number[];
  keep_prob: number[];
  l2: number;
  X: FixtureMatrix;
  Y: FixtureMatrix;
  params: Record<string, FixtureMatrix>;
  masks: FixtureMatrix[];
  AL: FixtureMatrix;
  cost: number;
  grads: Record<string, FixtureMatrix>;
}

const fixtures = loadFixture<{
  leaky_slope: number;
  forward_backward: ForwardCase[];
  dropout: DropoutCase;
}>('core/core_fixtures.json');

function networkFrom(sizes: number[], activations: ActivationName[], output: OutputName, params: Record<string, FixtureMatrix>) {
  const net = new Network({ sizes, activations, output, leakySlope: fixtures.leaky_slope });
  const L = sizes.length - 1;
  net.setParameters(
    Array.from({ length: L }, (_, l) => toMatrix(params[`W${l + 1}`])),
    Array.from({ length: L }, (_, l) => toMatrix(params[`b${l + 1}`])),
  );
  return net;
}

describe('forward, cost and backward against NumPy', () => {
  for (const c of fixtures.forward_backward) {
    it(`${c.hidden} hidden, ${c.output} output, l2 = ${c.l2}`, () => {
      const net = networkFrom(c.sizes, c.sizes.slice(2).map(() => c.hidden), c.output, c.params);
      const X = toMatrix(c.X);
      const Y = toMatrix(c.Y);
      net.forward(X);
      const ws = net.workspace(X.cols);
      c.Z.forEach((z, l) => expectClose(ws.Z[l].data, z.data, 1e-13, `Z${l + 1}`));
      c.A.forEach((a, l) => expectClose(ws.A[l].data, a.data, 1e-13, `A${l + 1}`));
      expectClose([net.cost(Y, c.l2)], [c.cost], 1e-13, 'cost');
      net.backward(X, Y, c.l2);
      net.parameters().forEach((p) => expectClose(p.grad.data, c.grads[`d${p.name}`].data, 1e-12, `d${p.name}`));
    });
  }
});

describe('inverted dropout with fixed masks', () => {
  it('matches NumPy with L2', () => {
    const c = fixtures.dropout;
    const net = networkFrom(c.sizes, ['relu', 'relu'], 'sigmoid', c.params);
    const X = toMatrix(c.X);
    const Y = toMatrix(c.Y);
    const AL = net.forward(X, { keepProb: c.keep_prob, masks: c.masks.map(toMatrix) });
    expectClose(AL.data, c.AL.data, 1e-13, 'AL');
    expectClose([net.cost(Y, c.l2)], [c.cost], 1e-13, 'cost');
    net.backward(X, Y, c.l2);
    net.parameters().forEach((p) => expectClose(p.grad.data, c.grads[`d${p.name}`].data, 1e-12, `d${p.name}`));
  });

  it('draws masks with P(keep) = keep_prob and scales by 1/keep_prob', () => {
    const net = new Network({ sizes: [1, 2000, 1], activations: ['relu'], output: 'sigmoid' });
    net.W[0].data.fill(1);
    const X = Matrix.from(1, 50, new Array(50).fill(1));
    let seed = 1;
    const uniform = (n: number) => Float64Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647));
    net.forward(X, { keepProb: [0.7], uniform });
    const A = net.workspace(50).A[0].data;
    const kept = A.filter((a) => a !== 0);
    expect(kept.length / A.length).toBeGreaterThan(0.68);
    expect(kept.length / A.length).toBeLessThan(0.72);
    expect(kept.every((a) => Math.abs(a - 1 / 0.7) < 1e-15)).toBe(true);
  });
});

describe('saturation and shapes', () => {
  it('gives a finite cost and gradients when sigmoid outputs are exactly 0 or 1', () => {
    const net = new Network({ sizes: [1, 1], activations: [], output: 'sigmoid' });
    net.W[0].data[0] = 1000;
    const X = Matrix.fromRows([[1, -1, 1, -1]]);
    const Y = Matrix.fromRows([[0, 1, 1, 0]]);
    const A = net.forward(X);
    expect(Array.from(A.data)).toEqual([1, 0, 1, 0]);
    const cost = net.cost(Y);
    expect(cost).toBeCloseTo(500, 10); // two examples wrong by 1000 in z: (1000 + 1000) / 4
    net.backward(X, Y);
    expect(Number.isFinite(net.dW[0].data[0])).toBe(true);
  });

  it('gives a finite softmax cost for huge logits', () => {
    const net = new Network({ sizes: [1, 3], activations: [], output: 'softmax' });
    net.W[0].data.set([1e4, 0, -1e4]);
    const X = Matrix.fromRows([[1, 1]]);
    const Y = Matrix.fromRows([[1, 0], [0, 0], [0, 1]]);
    net.forward(X);
    expect(net.cost(Y)).toBeCloseTo(1e4, 6); // −log(e^-2e4 / …) for the second example, halved
  });

  it('names both shapes when X or Y does not fit', () => {
    const net = new Network({ sizes: [2, 3, 1], activations: ['tanh'], output: 'sigmoid' });
    expect(() => net.forward(Matrix.zeros(3, 5))).toThrow('X: expected shape (2, 5), got (3, 5)');
    net.forward(Matrix.zeros(2, 5));
    expect(() => net.backward(Matrix.zeros(2, 5), Matrix.zeros(2, 5))).toThrow('Y: expected shape (1, 5), got (2, 5)');
    expect(() => net.setParameters([Matrix.zeros(2, 3), Matrix.zeros(1, 3)], [Matrix.zeros(3, 1), Matrix.zeros(1, 1)])).toThrow(
      'W1: expected shape (3, 2), got (2, 3)',
    );
  });

  it('predicts in batches the same as one forward pass', () => {
    const net = new Network({ sizes: [2, 5, 1], activations: ['tanh'], output: 'sigmoid' });
    net.W[0].data.set([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1]);
    net.W[1].data.set([1, -1, 0.5, -0.5, 0.25]);
    const X = Matrix.from(2, 10, Array.from({ length: 20 }, (_, i) => Math.sin(i)));
    const whole = Float64Array.from(net.forward(X).data);
    expect(Array.from(net.predict(X, 3).data)).toEqual(Array.from(whole));
  });
});
