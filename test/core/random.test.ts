import { describe, expect, it } from 'vitest';
import { fma, glibcCos, glibcLog, glibcSin } from '../../src-core/libm';
import { createRng, type Rng } from '../../src-core/random';
import numpyFixture from '../fixtures/random/numpy_random.json';
import libmFixture from '../fixtures/random/libm.json';
import fmaFixture from '../fixtures/random/fma.json';
import xoshiroFixture from '../fixtures/random/xoshiro128.json';

// The fixtures come from NumPy and the C library (make_random_fixtures.py), never from the
// code under test. Floats are repr() strings, so Number() gives back the exact double.

interface Case {
  calls: (string | number)[][]; // [method, n]
  results: (string | number)[][];
}

/** Indices where `actual` and `expected` differ as doubles (Object.is), at most 5. */
function mismatches(actual: ArrayLike<number>, expected: readonly (string | number)[]): string[] {
  const out: string[] = [];
  if (actual.length !== expected.length) return [`length ${actual.length} != ${expected.length}`];
  for (let i = 0; i < expected.length && out.length < 5; i++) {
    if (!Object.is(actual[i], Number(expected[i]))) {
      out.push(`[${i}] ${actual[i]} != ${expected[i]}`);
    }
  }
  return out;
}

function call(rng: Rng, method: string, n: number): ArrayLike<number> {
  if (method === 'randn') return rng.randn(n);
  if (method === 'rand') return rng.rand(n);
  if (method === 'permutation') return rng.permutation(n);
  throw new Error(`fixture names an unknown method '${method}'`);
}

describe("createRng(seed, 'numpy') reproduces NumPy's legacy RandomState", () => {
  const seeds = numpyFixture.seeds as Record<string, Record<string, Case>>;
  for (const [seed, cases] of Object.entries(seeds)) {
    describe(`np.random.seed(${seed})`, () => {
      for (const [name, c] of Object.entries(cases)) {
        it(name, () => {
          const rng = createRng(Number(seed), 'numpy');
          c.calls.forEach(([method, n], k) => {
            const got = call(rng, String(method), Number(n));
            expect(mismatches(got, c.results[k]), `${method}(${n}), call ${k}`).toEqual([]);
          });
        });
      }
    });
  }

  it("matches the course's shallow init: seed 2, W1 = randn(4, 2) * 0.01, W2 = ...", () => {
    const f = numpyFixture.course_shallow_init;
    const rng = createRng(f.seed, 'numpy');
    const W1 = rng.randn(8).map((v) => v * 0.01);
    const W2 = rng.randn(4).map((v) => v * 0.01);
    expect(mismatches(W1, f.W1)).toEqual([]);
    expect(mismatches(W2, f.W2)).toEqual([]);
  });

  it("matches the course's deep init: seed 1, W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1])", () => {
    const f = numpyFixture.course_deep_init;
    const rng = createRng(f.seed, 'numpy');
    const W = f.dims.slice(1).map((n, l) => {
      const nPrev = f.dims[l];
      const scale = Math.sqrt(nPrev);
      return rng.randn(n * nPrev).map((v) => v / scale);
    });
    expect(mismatches(W[0].subarray(0, 10), f.W1_first)).toEqual([]);
    const sample = f.W1_sample_index.map((i) => W[0][i]);
    expect(sample.length).toBe(1000);
    expect(mismatches(sample, f.W1_sample)).toEqual([]);
    expect(mismatches(W[1], f.W2)).toEqual([]);
    expect(mismatches(W[2], f.W3)).toEqual([]);
    expect(mismatches(W[3], f.W4)).toEqual([]);
  });

  it('keeps the cached Gauss value across rand and permutation calls', () => {
    const a = createRng(7, 'numpy');
    const b = createRng(7, 'numpy');
    const first = a.randn(1)[0];
    const cached = a.randn(1)[0];
    expect(b.randn(1)[0]).toBe(first);
    b.rand(3);
    b.permutation(5);
    expect(b.randn(1)[0]).toBe(cached);
  });
});

describe('glibcLog, glibcSin, glibcCos and fma', () => {
  it("gives glibc's log bit for bit, where Math.log often does not", () => {
    const { x, y } = libmFixture.log;
    const args = x.map(Number);
    expect(mismatches(args.map(glibcLog), y)).toEqual([]);
    const v8Differs = args.filter((v, i) => !Object.is(Math.log(v), Number(y[i])));
    expect(v8Differs.length).toBeGreaterThan(0); // why glibcLog exists
  });

  it("gives glibc's (and np.sin's, np.cos's) sin and cos bit for bit", () => {
    const f = libmFixture.sincos;
    const args = f.x.map(Number);
    expect(mismatches(args.map(glibcSin), f.sin)).toEqual([]);
    expect(mismatches(args.map(glibcCos), f.cos)).toEqual([]);
    const v8Differs = args.filter((v, i) => !Object.is(Math.sin(v), Number(f.sin[i])));
    expect(v8Differs.length).toBeGreaterThan(0); // why glibcSin exists
  });

  it('gives special values as log does', () => {
    expect(glibcLog(0)).toBe(-Infinity);
    expect(glibcLog(Infinity)).toBe(Infinity);
    expect(glibcLog(-1)).toBeNaN();
    expect(glibcLog(NaN)).toBeNaN();
    expect(Object.is(glibcLog(1), 0)).toBe(true);
  });

  it("rounds a*b + c once, as the C library's fma does", () => {
    const rows = fmaFixture.abcr.map((row) => row.map(Number));
    const got = rows.map(([a, b, c]) => fma(a, b, c));
    expect(mismatches(got, rows.map((row) => row[3]))).toEqual([]);
  });
});

describe("createRng(seed, 'default') (xoshiro128**)", () => {
  for (const [seed, f] of Object.entries(xoshiroFixture.seeds)) {
    it(`matches an independent xoshiro128** for seed ${seed}`, () => {
      const rng = createRng(Number(seed));
      const first = [...rng.rand(1), ...rng.rand(19)]; // the fast path must keep the state
      expect(mismatches(first, f.rand_20)).toEqual([]);
      expect(Array.from(rng.permutation(50))).toEqual(f.then_permutation_50);
      expect(mismatches(rng.rand(5), f.then_rand_5)).toEqual([]);
    });
  }

  it('is deterministic per seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return [...rng.randn(5), ...rng.rand(5), ...rng.permutation(10), ...rng.randn(3)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(createRng(0).kind).toBe('default');
    expect(draw(0)).not.toEqual(draw(0xffffffff));
  });

  it('continues one stream across calls, whatever the split', () => {
    const whole = createRng(5).randn(11);
    const rng = createRng(5);
    const parts = [...rng.randn(3), ...rng.randn(1), ...rng.randn(7)];
    expect(parts).toEqual(Array.from(whole));
  });

  // With N = 1e6 draws the standard error of the mean is sigma/sqrt(N): 1e-3 for randn,
  // 0.289e-3 for rand. The variance's standard error is sigma^2 * sqrt(2/N) = 1.41e-3 for
  // randn and sqrt((1/80 - 1/144)/N) = 0.075e-3 for rand (fourth central moment 1/80).
  // Bounds of 5 standard errors fail a correct generator with probability below 1e-6.
  const N = 1_000_000;
  function moments(v: Float64Array): { mean: number; variance: number } {
    let sum = 0;
    for (let i = 0; i < v.length; i++) sum += v[i];
    const mean = sum / v.length;
    let ss = 0;
    for (let i = 0; i < v.length; i++) ss += (v[i] - mean) ** 2;
    return { mean, variance: ss / (v.length - 1) };
  }

  it('randn has mean 0 and variance 1 within 5 standard errors', () => {
    const { mean, variance } = moments(createRng(2024).randn(N));
    expect(Math.abs(mean)).toBeLessThan(5 * 1e-3);
    expect(Math.abs(variance - 1)).toBeLessThan(5 * 1.414e-3);
  });

  it('rand lies in [0, 1) with mean 1/2 and variance 1/12 within 5 standard errors', () => {
    const v = createRng(2025).rand(N);
    expect(v.every((x) => x >= 0 && x < 1)).toBe(true);
    const { mean, variance } = moments(v);
    expect(Math.abs(mean - 0.5)).toBeLessThan(5 * 0.289e-3);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(5 * 0.075e-3);
  });

  it('permutation returns each of 0..n-1 exactly once', () => {
    const rng = createRng(9);
    for (const n of [0, 1, 2, 7, 1000, 100_003]) {
      const p = rng.permutation(n);
      expect(p.length).toBe(n);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    expect(Array.from(createRng(9).permutation(20))).not.toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it('permutation puts every value at position 0 about equally often', () => {
    // 6000 permutations of 6: each count is Binomial(6000, 1/6), sd = 28.9; 5 sd = 144.
    const counts = new Array(6).fill(0);
    const rng = createRng(11);
    for (let k = 0; k < 6000; k++) counts[rng.permutation(6)[0]]++;
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(144);
  });
});

describe('createRng validation', () => {
  it('rejects seeds that are not integers in [0, 2^32 - 1], naming the seed', () => {
    for (const seed of [-1, 1.5, 2 ** 32, NaN, Infinity]) {
      for (const kind of ['numpy', 'default'] as const) {
        expect(() => createRng(seed, kind)).toThrow(`got ${seed}`);
      }
    }
    expect(() => createRng(0, 'numpy')).not.toThrow();
    expect(() => createRng(4294967295, 'numpy')).not.toThrow();
  });

  it('rejects an unknown kind and a bad count', () => {
    expect(() => createRng(1, 'mt' as 'numpy')).toThrow("unknown random generator kind 'mt'");
    expect(() => createRng(1).randn(-1)).toThrow('randn: n must be an integer');
    expect(() => createRng(1, 'numpy').permutation(2.5)).toThrow('permutation: n must be');
  });
});
