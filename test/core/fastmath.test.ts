import { describe, expect, it } from 'vitest';
import { exp, tanh } from '../../src-core/fastmath';

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** Distance in units in the last place between two doubles of the same sign. */
function ulps(a: number, b: number): number {
  if (Object.is(a, b) || a === b) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Infinity;
  f64[0] = a;
  const ia = i64[0];
  f64[0] = b;
  const ib = i64[0];
  if (ia < 0n !== ib < 0n) return Math.abs(a) + Math.abs(b) === 0 ? 0 : Infinity;
  const d = ia - ib;
  return Number(d < 0n ? -d : d);
}

/** Deterministic test points (not the code under test). */
function points(count: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return lo + ((hi - lo) * s) / 2 ** 32;
  });
}

function worst(f: (x: number) => number, ref: (x: number) => number, xs: number[]): { ulp: number; at: number } {
  let w = { ulp: 0, at: NaN };
  for (const x of xs) {
    const u = ulps(f(x), ref(x));
    if (u > w.ulp) w = { ulp: u, at: x };
  }
  return w;
}

describe('fast exp', () => {
  it('stays within 2 ulp of Math.exp over the whole range', () => {
    const xs = [
      ...points(1_000_000, -745, 709.78, 1),
      ...points(200_000, -1, 1, 2),
      ...points(100_000, -1e-8, 1e-8, 3),
      ...points(50_000, 700, 709.78, 4),
      ...points(50_000, -745.13, -700, 5), // subnormal results
    ];
    const w = worst(exp, Math.exp, xs);
    expect(w.ulp, `worst at x = ${w.at}`).toBeLessThanOrEqual(2);
  });

  it('handles the edges: overflow, underflow, zero, NaN and infinities', () => {
    expect(exp(0)).toBe(1);
    expect(exp(-0)).toBe(1);
    expect(exp(709.79)).toBe(Infinity);
    expect(exp(1e300)).toBe(Infinity);
    expect(exp(Infinity)).toBe(Infinity);
    expect(exp(-746)).toBe(0);
    expect(exp(-Infinity)).toBe(0);
    expect(exp(NaN)).toBeNaN();
    expect(ulps(exp(709.78), Math.exp(709.78))).toBeLessThanOrEqual(2);
  });
});

describe('fast tanh', () => {
  it('stays within 3 ulp of Math.tanh, near zero and in saturation', () => {
    const xs = [
      ...points(1_000_000, -20, 20, 6),
      ...points(200_000, -0.7, 0.7, 7),
      ...points(100_000, -1e-6, 1e-6, 8),
      ...points(20_000, -1e-300, 1e-300, 9),
      ...points(50_000, 0.6, 0.65, 10),
      ...points(50_000, -400, 400, 11),
    ];
    const w = worst(tanh, Math.tanh, xs);
    expect(w.ulp, `worst at x = ${w.at}`).toBeLessThanOrEqual(3);
  });

  it('is odd, exact at 0, ±1 in saturation, NaN for NaN', () => {
    expect(Object.is(tanh(0), 0)).toBe(true);
    expect(Object.is(tanh(-0), -0)).toBe(true);
    expect(tanh(25)).toBe(1);
    expect(tanh(-1e308)).toBe(-1);
    expect(tanh(Infinity)).toBe(1);
    expect(tanh(-Infinity)).toBe(-1);
    expect(tanh(NaN)).toBeNaN();
    for (const x of points(1000, -5, 5, 12)) expect(tanh(-x)).toBe(-tanh(x));
  });
});
