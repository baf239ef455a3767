import { describe, expect, it } from 'vitest';
import * as k from '../../src-core/kernels';
import { Matrix, type Precision } from '../../src-core/matrix';

/** A small deterministic generator for test data (not the code under test). */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function random(rows: number, cols: number, next: () => number, precision: Precision = 'float64') {
  return Matrix.from(rows, cols, Array.from({ length: rows * cols }, next), precision);
}

/** The textbook triple loop, as the reference. */
function naive(A: Matrix, B: Matrix, ta: boolean, tb: boolean): number[] {
  const m = ta ? A.cols : A.rows;
  const kk = ta ? A.rows : A.cols;
  const n = tb ? B.rows : B.cols;
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < kk; p++) s += (ta ? A.get(p, i) : A.get(i, p)) * (tb ? B.get(j, p) : B.get(p, j));
      out.push(s);
    }
  return out;
}

const shapes = [
  [1, 1, 1],
  [1, 7, 1],
  [4, 2, 400],
  [5, 3, 7],
  [9, 13, 11],
  [20, 33, 17],
  [3, 1, 5],
];

describe('GEMM kernels against the triple loop', () => {
  const next = lcg(42);
  for (const [m, kk, n] of shapes) {
    it(`(${m}×${kk})·(${kk}×${n}) in NN, NT and TN forms, with alpha and beta`, () => {
      const A = random(m, kk, next);
      const B = random(kk, n, next);
      const C = Matrix.zeros(m, n);
      k.gemmNN(A, B, C);
      expectNear(C.data, naive(A, B, false, false));

      const Bt = random(n, kk, next);
      k.gemmNT(A, Bt, C);
      expectNear(C.data, naive(A, Bt, false, true));

      const At = random(kk, m, next);
      k.gemmTN(At, B, C);
      expectNear(C.data, naive(At, B, true, false));

      // alpha and beta: C = 0.5·A·B + 2·C
      const C0 = random(m, n, next);
      const C1 = C0.clone();
      k.gemmNN(A, B, C1, 0.5, 2);
      const ref = naive(A, B, false, false).map((v, i) => 0.5 * v + 2 * C0.data[i]);
      expectNear(C1.data, ref);
      const C2 = C0.clone();
      k.gemmNT(A, Bt, C2, 0.5, 2);
      expectNear(C2.data, naive(A, Bt, false, true).map((v, i) => 0.5 * v + 2 * C0.data[i]));
      const C3 = C0.clone();
      k.gemmTN(At, B, C3, 0.5, 2);
      expectNear(C3.data, naive(At, B, true, false).map((v, i) => 0.5 * v + 2 * C0.data[i]));
    });
  }

  it('works in float32', () => {
    const next2 = lcg(7);
    const A = random(6, 5, next2, 'float32');
    const B = random(5, 4, next2, 'float32');
    const C = Matrix.zeros(6, 4, 'float32');
    k.gemmNN(A, B, C);
    naive(A, B, false, false).forEach((v, i) => expect(Math.abs(C.data[i] - v)).toBeLessThan(1e-6));
  });

  it('names the shapes when they do not fit', () => {
    expect(() => k.gemmNN(Matrix.zeros(2, 3), Matrix.zeros(2, 3), Matrix.zeros(2, 3))).toThrow(
      'gemmNN: cannot multiply (2, 3) by (2, 3) into (2, 3)',
    );
    expect(() => k.broadcastColumn(Matrix.zeros(3, 1), Matrix.zeros(2, 3))).toThrow('broadcastColumn: cannot spread (3, 1) over the columns of (2, 3)');
  });
});

describe('elementwise and reduction kernels', () => {
  it('spreads a bias column and sums rows', () => {
    const Z = Matrix.fromRows([[1, 2, 3], [4, 5, 6]]);
    k.broadcastColumn(Matrix.fromRows([[10], [20]]), Z);
    expect(Z.toRows()).toEqual([[10, 10, 10], [20, 20, 20]]);
    k.gemmNN(Matrix.fromRows([[1], [2]]), Matrix.fromRows([[1, 2, 3]]), Z, 1, 1);
    expect(Z.toRows()).toEqual([[11, 12, 13], [22, 24, 26]]);
    const s = Matrix.zeros(2, 1);
    k.sumRows(Z, s, 0.5);
    expect(Array.from(s.data)).toEqual([18, 36]);
  });

  it('computes activations and their derivatives from hand-derived values', () => {
    const Z = Float64Array.from([-2, 0, 3]);
    const A = new Float64Array(3);
    const dZ = new Float64Array(3);
    const ones = Float64Array.from([1, 1, 1]);
    k.sigmoidForward(Z, A);
    expect(A[1]).toBe(0.5);
    k.sigmoidBackward(ones, A, dZ);
    expect(dZ[1]).toBe(0.25);
    k.tanhForward(Z, A);
    k.tanhBackward(ones, A, dZ);
    expect(dZ[1]).toBe(1);
    k.reluForward(Z, A, 0.1);
    expect(Array.from(A)).toEqual([-0.2, 0, 3]);
    k.reluBackward(ones, Z, dZ, 0.1);
    expect(Array.from(dZ)).toEqual([0.1, 0.1, 1]); // Z <= 0 takes the slope, as the course's dZ[Z <= 0]
  });

  it('softmax columns sum to one and survive huge logits', () => {
    const Z = Matrix.fromRows([[1000, 0], [1001, 0], [999, Math.log(2)]]);
    const A = Matrix.zeros(3, 2);
    k.softmaxColumns(Z, A);
    expect(A.get(0, 0) + A.get(1, 0) + A.get(2, 0)).toBeCloseTo(1, 15);
    expect(A.get(2, 1)).toBeCloseTo(0.5, 15);
  });

  it('detects non-finite values', () => {
    expect(k.allFinite(Float64Array.from([1, -2, 3e300]))).toBe(true);
    expect(k.allFinite(Float64Array.from([1, NaN]))).toBe(false);
    expect(k.allFinite(Float64Array.from([-Infinity]))).toBe(false);
  });
});

function expectNear(actual: ArrayLike<number>, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected[i])));
  }
}
