/** Helpers for comparing the core's numbers with NumPy fixtures. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Matrix } from '../../src-core/matrix';

export interface FixtureMatrix {
  shape: number[];
  data: number[];
}

/** Parses a JSON fixture under test/fixtures/. */
export function loadFixture<T>(relativePath: string): T {
  const url = new URL(`../fixtures/${relativePath}`, import.meta.url);
  return JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as T;
}

export function toMatrix(f: FixtureMatrix): Matrix {
  const [rows, cols] = f.shape.length === 1 ? [1, f.shape[0]] : f.shape;
  return Matrix.from(rows, cols, f.data);
}

/**
 * Asserts |a − e| ≤ tol · max(1, |e|) elementwise. The core cannot match NumPy to
 * the last bit in products and sums (OpenBLAS uses fused multiply-adds and its
 * own summation order), so computed values are compared within a tolerance;
 * random streams are compared exactly elsewhere.
 */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = ''): void {
  expect(actual.length, `${what} length`).toBe(expected.length);
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  expect(worst, `${what}: worst relative error at index ${worstAt} (${actual[worstAt]} vs ${expected[worstAt]})`).toBeLessThanOrEqual(tol);
}
