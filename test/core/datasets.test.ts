import { describe, expect, it } from 'vitest';
import { GENERATORS, GENERATOR_DEFAULT_NOISE } from '../../src-core/config';
import {
  generateDataset,
  generators,
  MAX_EXAMPLES,
  type Dataset,
  type GeneratorName,
} from '../../src-core/datasets';
import { glibcCos, glibcSin } from '../../src-core/libm';
import type { RngKind } from '../../src-core/random';
import planarFixture from '../fixtures/datasets/planar.json';

// planar.json comes from the course's load_planar_dataset() run by NumPy
// (make_planar_fixture.py). Floats are repr() strings: Number() gives the exact double.

const NAMES = Object.keys(generators) as GeneratorName[];
const KINDS: RngKind[] = ['numpy', 'default'];

/** Indices where `actual` and `expected` differ as doubles (Object.is), at most 5. */
function mismatches(actual: ArrayLike<number>, expected: readonly (string | number)[]): string[] {
  if (actual.length !== expected.length) return [`length ${actual.length} != ${expected.length}`];
  const out: string[] = [];
  for (let i = 0; i < expected.length && out.length < 5; i++) {
    if (!Object.is(actual[i], Number(expected[i]))) {
      out.push(`[${i}] ${actual[i]} != ${expected[i]}`);
    }
  }
  return out;
}

function counts(d: Dataset): number[] {
  const c = new Array(d.classes).fill(0);
  for (const v of d.Y.data) c[v]++;
  return c;
}

const xs = (d: Dataset) => d.X.data.subarray(0, d.X.cols);
const ys = (d: Dataset) => d.X.data.subarray(d.X.cols);

describe("planar is the course's load_planar_dataset()", () => {
  it('matches NumPy bit for bit with rng numpy, m = 400, seed 1, noise 0.2', () => {
    const f = planarFixture;
    const d = generateDataset('planar', { m: f.m, seed: f.seed, noise: f.noise, rng: 'numpy' });
    expect(d.X.shapeText).toBe('(2, 400)');
    expect(d.Y.shapeText).toBe('(1, 400)');
    expect(mismatches(d.X.data, f.X)).toEqual([]);
    expect(Array.from(d.Y.data)).toEqual(f.Y);
    expect(d.classes).toBe(2);
  });

  it("needs glibc's sin and cos: V8's would move points of the same draws", () => {
    // X = r·sin(t), r·cos(t) from NumPy's own t and r: exact with glibcSin/glibcCos only.
    const t = planarFixture.t.map(Number);
    const r = planarFixture.r.map(Number);
    const X = (sin: (x: number) => number, cos: (x: number) => number) => [
      ...t.map((ti, i) => r[i] * sin(ti)),
      ...t.map((ti, i) => r[i] * cos(ti)),
    ];
    expect(mismatches(X(glibcSin, glibcCos), planarFixture.X)).toEqual([]);
    expect(mismatches(t.map((ti) => glibcSin(4 * ti)), planarFixture.sin_4t)).toEqual([]);
    expect(mismatches(X(Math.sin, Math.cos), planarFixture.X).length).toBeGreaterThan(0);
  });

  it('puts the odd point in the second petal, as the fixture for m = 101 does', () => {
    const f = planarFixture.planar_odd;
    const d = generateDataset('planar', { m: f.m, seed: f.seed, noise: f.noise, rng: 'numpy' });
    expect(mismatches(d.X.data, f.X)).toEqual([]);
    expect(Array.from(d.Y.data)).toEqual(f.Y);
    expect(counts(d)).toEqual([50, 51]);
  });

  it('with noise 0 is the same clean flower for every seed', () => {
    const a = generateDataset('planar', { m: 50, noise: 0, seed: 1 });
    const b = generateDataset('planar', { m: 50, noise: 0, seed: 2 });
    expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
  });
});

describe('every generator', () => {
  for (const name of NAMES) {
    for (const rng of KINDS) {
      describe(`${name} (${rng})`, () => {
        const k = generators[name].classes.default;

        it('returns X (2, m) and Y (1, m) with labels 0..k-1, every class present', () => {
          for (const m of [1, 2, 7, 500]) {
            const d = generateDataset(name, { m, rng, seed: 3 });
            expect(d.X.shapeText).toBe(`(2, ${m})`);
            expect(d.Y.shapeText).toBe(`(1, ${m})`);
            expect(d.X.precision).toBe('float64');
            expect(d.classes).toBe(k);
            expect(d.X.data.every(Number.isFinite)).toBe(true);
            expect(d.Y.data.every((v) => Number.isInteger(v) && v >= 0 && v < k)).toBe(true);
          }
          const c = counts(generateDataset(name, { m: 500, rng, seed: 3 }));
          expect(c.every((n) => n > 0)).toBe(true);
        });

        it('is deterministic for (m, noise, seed, rng)', () => {
          const options = { m: 301, noise: 0.1, seed: 42, rng };
          const a = generateDataset(name, options);
          const b = generators[name].generate(options);
          expect(Array.from(a.X.data)).toEqual(Array.from(b.X.data));
          expect(Array.from(a.Y.data)).toEqual(Array.from(b.Y.data));
        });

        it('differs between seeds', () => {
          const a = generateDataset(name, { m: 100, noise: 0.1, seed: 1, rng });
          const b = generateDataset(name, { m: 100, noise: 0.1, seed: 2, rng });
          expect(Array.from(a.X.data)).not.toEqual(Array.from(b.X.data));
        });

        it('works with noise 0 and with much noise', () => {
          for (const noise of [0, 5]) {
            const d = generateDataset(name, { m: 200, noise, rng, seed: 7 });
            expect(d.X.data.every(Number.isFinite)).toBe(true);
          }
        });
      });
    }
  }

  it('are exactly the generators config.ts names, with its default noise', () => {
    expect(NAMES).toEqual([...GENERATORS]);
    for (const name of NAMES) {
      expect(generators[name].defaultNoise).toBe(GENERATOR_DEFAULT_NOISE[name]);
      expect(generators[name].description.length).toBeGreaterThan(10);
    }
  });

  it('fill in noise, seed, rng and classes by default', () => {
    for (const name of NAMES) {
      const entry = generators[name];
      const byDefault = generateDataset(name, { m: 64 });
      const noise = entry.defaultNoise;
      const explicit = entry.generate({ m: 64, noise, seed: 0, rng: 'default' });
      expect(Array.from(byDefault.X.data)).toEqual(Array.from(explicit.X.data));
      expect(byDefault.classes).toBe(entry.classes.default);
    }
  });
});

describe('the shapes', () => {
  const radius = (d: Dataset, i: number) => Math.hypot(xs(d)[i], ys(d)[i]);

  it('circles: without noise, class 0 on the unit circle and class 1 on radius 0.5', () => {
    const d = generateDataset('circles', { m: 301, noise: 0 });
    for (let i = 0; i < d.X.cols; i++) {
      expect(radius(d, i)).toBeCloseTo(d.Y.data[i] === 0 ? 1 : 0.5, 14);
    }
    expect(counts(d)).toEqual([150, 151]);
  });

  it('moons: without noise, two unit half circles, the second shifted to (1, 0.5)', () => {
    const d = generateDataset('moons', { m: 200, noise: 0 });
    for (let i = 0; i < d.X.cols; i++) {
      const [cx, cy, up] = d.Y.data[i] === 0 ? [0, 0, 1] : [1, 0.5, -1];
      const dx = xs(d)[i] - cx;
      const dy = ys(d)[i] - cy;
      expect(Math.hypot(dx, dy)).toBeCloseTo(1, 14);
      expect(dy * up).toBeGreaterThanOrEqual(-1e-15);
    }
  });

  it('blobs: k clusters; without noise, every point on its centre, centres in [-10, 10]^2', () => {
    const d = generateDataset('blobs', { m: 500, classes: 5, noise: 0, seed: 9 });
    expect(d.classes).toBe(5);
    expect(counts(d)).toEqual([100, 100, 100, 100, 100]);
    const centres = new Map<number, string>();
    for (let i = 0; i < d.X.cols; i++) {
      const key = `${xs(d)[i]},${ys(d)[i]}`;
      expect(centres.get(d.Y.data[i]) ?? key).toBe(key);
      centres.set(d.Y.data[i], key);
      expect(Math.abs(xs(d)[i])).toBeLessThanOrEqual(10);
    }
    expect(new Set(centres.values()).size).toBe(5);
  });

  it('blobs: noise is the standard deviation of each cluster', () => {
    const d = generateDataset('blobs', { m: 60_000, classes: 2, noise: 2, seed: 1 });
    const sums = [0, 0, 0, 0, 0, 0]; // per class: n, sum x, sum x^2
    for (let i = 0; i < d.X.cols; i++) {
      const j = 3 * d.Y.data[i];
      sums[j]++;
      sums[j + 1] += xs(d)[i];
      sums[j + 2] += xs(d)[i] ** 2;
    }
    for (const j of [0, 3]) {
      const sd = Math.sqrt(sums[j + 2] / sums[j] - (sums[j + 1] / sums[j]) ** 2);
      expect(Math.abs(sd - 2)).toBeLessThan(0.05); // standard error 2/sqrt(2 * 30000) = 0.008
    }
  });

  it('gaussian_quantiles: without noise, class j lies inside class j + 1, equal counts', () => {
    const d = generateDataset('gaussian_quantiles', { m: 400, classes: 4, noise: 0 });
    expect(counts(d)).toEqual([100, 100, 100, 100]);
    const outer = [0, 0, 0, 0];
    const inner = [Infinity, Infinity, Infinity, Infinity];
    for (let i = 0; i < d.X.cols; i++) {
      const j = d.Y.data[i];
      outer[j] = Math.max(outer[j], radius(d, i));
      inner[j] = Math.min(inner[j], radius(d, i));
    }
    for (let j = 0; j < 3; j++) expect(outer[j]).toBeLessThanOrEqual(inner[j + 1]);
  });

  it('xor: without noise, class 1 exactly where x·y >= 0; no point within 0.3 of an axis', () => {
    const d = generateDataset('xor', { m: 1000, noise: 0 });
    for (let i = 0; i < d.X.cols; i++) {
      expect(d.Y.data[i]).toBe(xs(d)[i] * ys(d)[i] >= 0 ? 1 : 0);
      expect(Math.min(Math.abs(xs(d)[i]), Math.abs(ys(d)[i]))).toBeGreaterThanOrEqual(0.3);
    }
    const noisy = generateDataset('xor', { m: 1000, noise: 0.5 });
    let flipped = 0;
    for (let i = 0; i < 1000; i++) {
      if (noisy.Y.data[i] !== (xs(noisy)[i] * ys(noisy)[i] >= 0 ? 1 : 0)) flipped++;
    }
    expect(flipped).toBeGreaterThan(0);
  });

  it('spiral: without noise, the i-th point of each class at radius 5·i/n', () => {
    const d = generateDataset('spiral', { m: 200, noise: 0 });
    for (let i = 0; i < 100; i++) {
      expect(radius(d, i)).toBeCloseTo((5 * i) / 100, 12);
      expect(radius(d, 100 + i)).toBeCloseTo((5 * i) / 100, 12);
    }
  });

  it('gaussian: two clouds at (-2, -2) and (2, 2) with variance 0.5 + 7·noise', () => {
    for (const noise of [0, 0.5]) {
      const d = generateDataset('gaussian', { m: 40_000, noise, seed: 4 });
      let sum = 0;
      let ss = 0;
      for (let i = 0; i < 20_000; i++) {
        sum += xs(d)[i];
        ss += (xs(d)[i] + 2) ** 2;
      }
      const variance = 0.5 + 7 * noise;
      // Standard errors: mean sqrt(v / 20000) <= 0.015, variance v·sqrt(2 / 20000) <= 0.04.
      expect(Math.abs(sum / 20_000 + 2)).toBeLessThan(0.075);
      expect(Math.abs(ss / 20_000 - variance)).toBeLessThan(0.2);
      expect(d.Y.data[0]).toBe(0);
      expect(d.Y.data[39_999]).toBe(1);
    }
  });
});

describe('validation', () => {
  const error = (name: string, options: object) => {
    try {
      generateDataset(name as GeneratorName, { m: 10, ...options });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };

  it('names the generator and the field', () => {
    expect(error('blobs', { classes: 1 })).toBe(
      "dataset 'blobs': classes must be an integer from 2 to 10, got 1",
    );
    expect(error('blobs', { classes: 11 })).toContain('from 2 to 10, got 11');
    expect(error('gaussian_quantiles', { classes: 2.5 })).toContain('got 2.5');
    expect(error('moons', { classes: 3 })).toBe(
      "dataset 'moons': classes must be 2 (moons draws 2 classes), got 3",
    );
    expect(error('planar', { m: 0 })).toBe(
      `dataset 'planar': m must be an integer from 1 to ${MAX_EXAMPLES}, got 0`,
    );
    expect(error('planar', { m: 1.5 })).toContain("'planar': m must be an integer");
    expect(error('circles', { m: MAX_EXAMPLES + 1 })).toContain(`got ${MAX_EXAMPLES + 1}`);
    expect(error('circles', { noise: -1 })).toBe(
      "dataset 'circles': noise must be a finite number >= 0, got -1",
    );
    expect(error('xor', { noise: NaN })).toContain('noise must be a finite number >= 0, got NaN');
    expect(error('xor', { noise: Infinity })).toContain('got Infinity');
    expect(error('spiral', { seed: -1 })).toBe(
      "dataset 'spiral': seed must be an integer from 0 to 4294967295, got -1",
    );
    expect(error('gaussian', { rng: 'mt' })).toBe(
      "dataset 'gaussian': rng must be 'numpy' or 'default', got 'mt'",
    );
    expect(error('flower', {})).toContain("unknown dataset 'flower' (expected one of: planar, ");
  });

  it('validates when a generator is called directly too', () => {
    expect(() => generators.moons.generate({ m: -5, noise: 0, seed: 0, rng: 'default' })).toThrow(
      "dataset 'moons': m must be",
    );
  });

  it('accepts classes 2 for the two-class generators', () => {
    expect(generateDataset('moons', { m: 10, classes: 2 }).classes).toBe(2);
  });
});
