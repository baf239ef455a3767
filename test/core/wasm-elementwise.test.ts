/**
 * The elementwise WebAssembly kernels (scripts/wasm/elementwise.ts), both variants:
 *   - exp, tanh, sigmoid in float64 against Math.exp, Math.tanh and a double-double
 *     sigmoid, in ulps, on millions of points: log-spaced over the whole finite
 *     range, dense where the functions bend, saturate, underflow or overflow, and
 *     at ±0, subnormals, ±Infinity and NaN;
 *   - their float32 twins against Math.fround of the same references;
 *   - everything else against src-core/kernels.ts on awkward sizes, misaligned
 *     and aliased arrays, checking that nothing outside the output is written.
 */
import { describe, expect, it } from 'vitest';
import * as ref from '../../src-core/kernels';
import { Matrix } from '../../src-core/matrix';
import { OUTPUT_LAYERS } from '../../src-core/outputs';
import { Kernels, VARIANTS } from './wasm-helpers';

type FloatArray = Float64Array | Float32Array;

// ---------------------------------------------------------------------------
// Distances in units in the last place, from the bit patterns.

const pair = new Float64Array(2);
const words = new Uint32Array(pair.buffer);

/** How many doubles lie between a and b (0 for equal values, ±0 included); Infinity across signs or for one NaN. */
function ulps64(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a < 0 !== b < 0 && a !== 0 && b !== 0) return Infinity;
  pair[0] = Math.abs(a);
  pair[1] = Math.abs(b);
  // words: [lo a, hi a, lo b, hi b]; the difference is far below 2^53.
  return Math.abs((words[1] - words[3]) * 4294967296 + (words[0] - words[2]));
}

const single = new Float32Array(2);
const singleBits = new Int32Array(single.buffer);

function ulps32(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a < 0 !== b < 0 && a !== 0 && b !== 0) return Infinity;
  single[0] = Math.abs(a);
  single[1] = Math.abs(b);
  return Math.abs(singleBits[0] - singleBits[1]);
}

// ---------------------------------------------------------------------------
// Test points: deterministic, not produced by the code under test.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function uniform(count: number, lo: number, hi: number, seed: number): Float64Array {
  const next = lcg(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

/** Ascending from lo to hi in even steps, each point moved randomly within its step. */
function ramp(count: number, lo: number, hi: number, seed: number): Float64Array {
  const next = lcg(seed);
  const out = new Float64Array(count);
  const step = (hi - lo) / count;
  for (let i = 0; i < count; i++) out[i] = lo + step * (i + next());
  return out;
}

/** Both signs, magnitudes 2^e·(1 + u) with e spread evenly over [eMin, eMax]. */
function logSpaced(count: number, eMin: number, eMax: number, seed: number): Float64Array {
  const next = lcg(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const v = 2 ** (eMin + Math.floor(next() * (eMax - eMin + 1))) * (1 + next());
    out[i] = next() < 0.5 ? -v : v;
  }
  return out;
}

const EDGES = Float64Array.from([
  0, -0, Infinity, -Infinity, NaN, Number.MIN_VALUE, -Number.MIN_VALUE, 2.2250738585072014e-308, -2.2250738585072014e-308,
  2.225073858507201e-308, 1e-310, -1e-310, Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, 1, -1,
]);

function join(...parts: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Calls a kernel out = f(in) over `xs`, input and output misaligned, in chunks:
 * V8 runs a function's first calls in its baseline tier and switches to the
 * optimized code between calls, so both tiers are exercised.
 */
function map(k: Kernels, name: string, xs: FloatArray): FloatArray {
  const bytes = xs.BYTES_PER_ELEMENT as 4 | 8;
  k.reset();
  const x = k.put(xs, bytes === 8 ? 8 : 4);
  const y = k.alloc(xs.length, bytes, bytes === 8 ? 0 : 12);
  const CHUNK = 1 << 16;
  for (let i = 0; i < xs.length; i += CHUNK) k.exports[name](x + i * bytes, y + i * bytes, Math.min(CHUNK, xs.length - i));
  return bytes === 8 ? k.f64(y, xs.length) : k.f32(y, xs.length);
}


interface Worst {
  ulps: number;
  x: number;
  got: number;
  want: number;
}

function worst(xs: ArrayLike<number>, got: ArrayLike<number>, want: ArrayLike<number>, ulps: (a: number, b: number) => number): Worst {
  let w: Worst = { ulps: 0, x: NaN, got: NaN, want: NaN };
  for (let i = 0; i < xs.length; i++) {
    const u = ulps(got[i], want[i]);
    if (u > w.ulps) w = { ulps: u, x: xs[i], got: got[i], want: want[i] };
  }
  return w;
}

const describeWorst = (what: string, w: Worst) => `${what}: worst at x = ${w.x}: got ${w.got}, want ${w.want}`;

// ---------------------------------------------------------------------------
// A sigmoid reference: 1/(1 + e^−x) with the sum and the quotient in double-double,
// so that its only error is Math.exp's (< 1 ulp in V8's fdlibm), scaled by
// 1 − sigmoid(x) ≤ 1. For x < 0 it is e^x/(1 + e^x), so that e^x never overflows.

const SPLITTER = 134217729;

/** a·b exactly, as hi + lo (Dekker). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const ca = SPLITTER * a;
  const ah = ca - (ca - a);
  const al = a - ah;
  const cb = SPLITTER * b;
  const bh = cb - (cb - b);
  const bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
}

function sigmoidReference(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const e = Math.exp(-Math.abs(x));
  const numerator = x < 0 ? e : 1;
  const d = 1 + e;
  const dLo = (1 - d) + e; // exact: 1 ≥ e
  const q = numerator / d;
  if (!Number.isFinite(q) || q === 0) return q;
  // numerator − q·(d + dLo), exactly up to a rounding far below an ulp of q.
  const [p, pLo] = twoProduct(q, d);
  const residual = (numerator - p) - pLo - q * dLo;
  return q + residual / d;
}

// ---------------------------------------------------------------------------

const KERNELS = VARIANTS.map((variant) => Kernels.load(variant));

/** Runs kernel `name` of both variants over xs and checks each against `want` (computed once). */
function expectWithin(name: string, xs: Float64Array | Float32Array, want: ArrayLike<number>, bound: number): void {
  const ulps = xs instanceof Float64Array ? ulps64 : ulps32;
  for (const k of KERNELS) {
    const w = worst(xs, map(k, name, xs), want, ulps);
    expect(w.ulps, describeWorst(`${k.variant} ${name}`, w)).toBeLessThanOrEqual(bound);
  }
}

describe('float64 exp, tanh and sigmoid, both variants', () => {
  it('exp stays within 2 ulp of Math.exp, overflow, underflow and subnormal results included', () => {
    const xs = join(
      uniform(500_000, -745.2, 709.8, 1),
      uniform(300_000, -1, 1, 2),
      ramp(200_000, 709, 709.8, 3), // overflow at 709.7827
      ramp(200_000, -745.2, -708, 4), // subnormal results, 0 below −745.1332
      logSpaced(300_000, -1074, 10, 5),
      EDGES,
    );
    expectWithin('exp_f64', xs, xs.map(Math.exp), 2);
  });

  it('tanh stays within 2 ulp of Math.tanh, near 0, where Math.tanh is worst, and in saturation', () => {
    // In random order many vectors mix magnitudes (each lane takes its own path);
    // in ascending order whole passes take one path (|x| ≥ 1, |x| ≥ 20, the rest).
    const xs = join(
      uniform(300_000, -20, 20, 6),
      uniform(400_000, 0.1, 0.65, 7), // Math.tanh is up to 2.2 ulp off here
      uniform(200_000, -1.2, 1.2, 8),
      ramp(300_000, -20, 20, 60),
      ramp(400_000, 0, 0.45, 61),
      ramp(300_000, 0.9, 1.3, 62),
      ramp(200_000, 18.5, 20, 9), // tanh rounds to 1 from 19.06
      ramp(100_000, -20, -18.5, 10),
      uniform(100_000, -1e-8, 1e-8, 11),
      logSpaced(400_000, -1074, 10, 12),
      EDGES,
    );
    expectWithin('tanh_f64', xs, xs.map(Math.tanh), 2);
  });

  it('sigmoid stays within 2 ulp of a double-double sigmoid, through both tails', () => {
    const xs = join(
      uniform(800_000, -40, 40, 13),
      uniform(300_000, -3, 3, 14),
      ramp(200_000, 30, 40, 15), // sigmoid rounds to 1 from 36.7
      ramp(200_000, -746, -700, 16), // subnormal results, 0 below −745.1332
      uniform(200_000, -746, 746, 17),
      logSpaced(400_000, -1074, 10, 18),
      EDGES,
    );
    expectWithin('sigmoid_f64', xs, xs.map(sigmoidReference), 2);
  });

  it.each(KERNELS)('$variant: exact values at the edges, alone and in whole vectors', (k) => {
    const xs = [0, -0, Infinity, -Infinity, NaN, 1e-300, -Number.MIN_VALUE, 30, -30, 710, -746, 1e308];
    const exact: Record<string, (number | undefined)[]> = {
      tanh_f64: [0, -0, 1, -1, NaN, 1e-300, -Number.MIN_VALUE, 1, -1, 1, -1, 1],
      sigmoid_f64: [0.5, 0.5, 1, 0, NaN, 0.5, 0.5, undefined, undefined, 1, 0, 1],
      exp_f64: [1, 1, Infinity, 0, NaN, 1, 1, undefined, undefined, Infinity, 0, Infinity],
    };
    for (const [name, want] of Object.entries(exact)) {
      // Mixed in one array, and each repeated over five values (two whole vectors,
      // which may take a fast path, and a single).
      const mixed = map(k, name, Float64Array.from(xs));
      for (let i = 0; i < xs.length; i++) {
        const repeated = map(k, name, new Float64Array(5).fill(xs[i]));
        for (const got of [mixed[i], ...repeated]) {
          const expected = want[i] ?? mixed[i];
          if (!Object.is(got, expected)) expect.fail(`${name}(${Object.is(xs[i], -0) ? '-0' : xs[i]}) is ${got}, want ${expected}`);
        }
      }
    }
    // tanh is odd, exactly, in every path.
    const half = join(uniform(10_001, 0, 25, 19), ramp(10_000, 0, 1.2, 20));
    const plus = map(k, 'tanh_f64', half);
    const minus = map(k, 'tanh_f64', half.map((x) => -x));
    for (let i = 0; i < half.length; i++) if (plus[i] !== -minus[i]) expect.fail(`tanh(−${half[i]}) ≠ −tanh(${half[i]})`);
  });
});

describe('float32 exp, tanh and sigmoid, both variants', () => {
  // Bound tested: 2 float32 ulp from the float64 reference rounded to float32
  // (which is itself within half an ulp and a hair of the exact value).
  const F32_ULPS = 2;
  const f32 = (...parts: ArrayLike<number>[]) => Float32Array.from(join(...parts));
  it(`exp_f32 stays within ${F32_ULPS} float32 ulp of Math.fround(Math.exp)`, () => {
    const xs = f32(uniform(600_000, -104, 89, 21), ramp(200_000, -104, -87, 22), ramp(100_000, 87, 89, 23), logSpaced(300_000, -149, 6, 24), EDGES);
    expectWithin('exp_f32', xs, xs.map((x) => Math.fround(Math.exp(x))), F32_ULPS);
  });
  it(`tanh_f32 stays within ${F32_ULPS} float32 ulp of Math.fround(Math.tanh)`, () => {
    const xs = f32(uniform(800_000, -10, 10, 25), ramp(300_000, -1, 1, 26), ramp(100_000, 8, 10, 27), logSpaced(300_000, -149, 6, 28), EDGES);
    expectWithin('tanh_f32', xs, xs.map((x) => Math.fround(Math.tanh(x))), F32_ULPS);
  });
  it(`sigmoid_f32 stays within ${F32_ULPS} float32 ulp of the rounded double-double sigmoid`, () => {
    const xs = f32(uniform(800_000, -20, 20, 29), ramp(200_000, -104, -80, 30), ramp(100_000, 14, 20, 31), logSpaced(300_000, -149, 6, 32), EDGES);
    expectWithin('sigmoid_f32', xs, xs.map((x) => Math.fround(sigmoidReference(x))), F32_ULPS);
  });
});

describe.each(VARIANTS)('%s elementwise kernels', (variant) => {
  const k = KERNELS[VARIANTS.indexOf(variant)];

  describe('everything else, against src-core/kernels.ts', () => {
    const drawSize = lcg(2024);
    // Around every vector and pass width, then a few drawn at random.
    const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 64, 101, 1000, ...Array.from({ length: 6 }, () => Math.floor(drawSize() * 300))];
    const precisions = [
      { t: 'f64', bytes: 8, make: (n: number) => new Float64Array(n), read: (at: number, n: number) => k.f64(at, n) },
      { t: 'f32', bytes: 4, make: (n: number) => new Float32Array(n), read: (at: number, n: number) => k.f32(at, n) },
    ] as const;

    function values(n: number, seed: number, make: (n: number) => FloatArray): FloatArray {
      const next = lcg(seed);
      const a = make(n);
      for (let i = 0; i < n; i++) a[i] = (next() - 0.5) * 8;
      // Some exact zeros, −0 and specials where there is room.
      if (n > 5) {
        a[1] = 0;
        a[3] = -0;
      }
      return a;
    }

    /** Same values, NaN equal to NaN and 0 distinct from −0. */
    function expectSame(got: FloatArray, want: FloatArray, what: string): void {
      expect(got.length, what).toBe(want.length);
      for (let i = 0; i < got.length; i++) {
        if (!(Object.is(got[i], want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i])))) {
          expect.fail(`${what}: [${i}] is ${got[i]}, want ${want[i]}`);
        }
      }
    }

    const GUARD = 32;
    const SENTINEL = -7.25;

    /**
     * Runs `call` on copies of `inputs` placed `misalign` bytes (then 4 more per
     * input) past 16-byte boundaries, either into an output of `outLength` values
     * with guard values around it that must survive, or in place of input `inPlace`.
     * Returns the output.
     */
    function run(
      p: (typeof precisions)[number],
      inputs: FloatArray[],
      outLength: number,
      misalign: number,
      call: (pointers: number[], out: number) => void,
      inPlace?: number,
    ): FloatArray {
      k.reset();
      const pointers = inputs.map((a, i) => k.put(a, (misalign + 4 * i) % 16));
      if (inPlace !== undefined) {
        call(pointers, pointers[inPlace]);
        return p.read(pointers[inPlace], outLength);
      }
      const guard = GUARD / p.bytes;
      const at = k.put(p.make(outLength + 2 * guard).fill(SENTINEL), misalign);
      const out = at + GUARD;
      call(pointers, out);
      for (const v of [...p.read(at, guard), ...p.read(out + outLength * p.bytes, guard)]) {
        if (v !== SENTINEL) expect.fail('a kernel wrote outside its output');
      }
      return p.read(out, outLength);
    }

    for (const p of precisions) {
      describe(p.t, () => {
        it('relu and leaky relu, forward and backward, match the reference bit for bit', () => {
          for (const n of SIZES) {
            for (const slope of [0, 0.01, 0.2]) {
              for (const misalign of [0, 4, 8, 12]) {
                const z = values(n, n + 1, p.make);
                if (n > 8) z.set([NaN, Infinity, -Infinity], 5);
                const dA = values(n, n + 2, p.make);
                const want = p.make(n);
                ref.reluForward(z, want, slope);
                const got = run(p, [z], n, misalign, ([zp], out) => k.exports[`relu_${p.t}`](zp, out, n, slope));
                expectSame(got, want, `relu_${p.t} n=${n} slope=${slope} misalign=${misalign}`);
                const inPlace = run(p, [z], n, misalign, ([zp], out) => k.exports[`relu_${p.t}`](zp, out, n, slope), 0);
                expectSame(inPlace, want, `relu_${p.t} in place n=${n}`);
                const wantBack = p.make(n);
                ref.reluBackward(dA, z, wantBack, slope);
                const back = run(p, [dA, z], n, misalign, ([d, zp], out) => k.exports[`relu_backward_${p.t}`](d, zp, out, n, slope));
                expectSame(back, wantBack, `relu_backward_${p.t} n=${n} slope=${slope}`);
                const backInPlace = run(p, [dA, z], n, misalign, ([d, zp], out) => k.exports[`relu_backward_${p.t}`](d, zp, out, n, slope), 0);
                expectSame(backInPlace, wantBack, `relu_backward_${p.t} in place n=${n}`);
              }
            }
          }
        });

        it('tanh and sigmoid backward, axpy, multiply and subtract match the reference bit for bit', () => {
          for (const n of SIZES) {
            for (const misalign of [0, 8, 4]) {
              const dA = values(n, 3 * n + 1, p.make);
              const a = values(n, 3 * n + 2, p.make).map((v) => v / 8);
              const x = values(n, 3 * n + 3, p.make);
              const cases: [string, (want: FloatArray) => void, FloatArray[], (ptrs: number[], out: number) => void][] = [
                ['tanh_backward', (w) => ref.tanhBackward(dA, a, w), [dA, a], ([d, ap], out) => k.exports[`tanh_backward_${p.t}`](d, ap, out, n)],
                ['sigmoid_backward', (w) => ref.sigmoidBackward(dA, a, w), [dA, a], ([d, ap], out) => k.exports[`sigmoid_backward_${p.t}`](d, ap, out, n)],
                ['multiply', (w) => ref.multiply(dA, x, w), [dA, x], ([d, xp], out) => k.exports[`multiply_${p.t}`](d, xp, out, n)],
                // The sigmoid and softmax outputs' dZ = A − Y.
                ['subtract', (w) => {
                  const precision = p.t === 'f64' ? 'float64' : 'float32';
                  const dZ = Matrix.zeros(1, n, precision);
                  OUTPUT_LAYERS.sigmoid.backward(Matrix.from(1, n, dA, precision), Matrix.from(1, n, x, precision), dZ);
                  w.set(dZ.data);
                }, [dA, x], ([d, xp], out) => k.exports[`subtract_${p.t}`](d, xp, out, n)],
              ];
              for (const [name, reference, inputs, call] of cases) {
                const want = p.make(n);
                reference(want);
                expectSame(run(p, inputs, n, misalign, call), want, `${name}_${p.t} n=${n} misalign=${misalign}`);
                expectSame(run(p, inputs, n, misalign, call, 0), want, `${name}_${p.t} in place of the first input, n=${n}`);
                expectSame(run(p, inputs, n, misalign, call, 1), want, `${name}_${p.t} in place of the second input, n=${n}`);
              }
              for (const alpha of [-1.2, 0.1, 0]) {
                const want = a.slice();
                ref.axpy(alpha, x, want);
                const got = run(p, [x, a], n, misalign, ([xp, yp]) => k.exports[`axpy_${p.t}`](alpha, xp, yp, n), 1);
                expectSame(got, want, `axpy_${p.t} alpha=${alpha} n=${n} misalign=${misalign}`);
              }
            }
          }
        });

        it('broadcast_column fills each row with its bias', () => {
          for (const rows of [0, 1, 3, 4]) {
            for (const cols of [0, 1, 2, 3, 5, 8, 13, 400]) {
              const b = values(rows, rows * 31 + cols, p.make);
              const want = new Matrix(rows, cols, p.make(rows * cols));
              ref.broadcastColumn(new Matrix(rows, 1, b), want);
              const got = run(p, [b], rows * cols, 8, ([bp], out) => k.exports[`broadcast_column_${p.t}`](bp, out, rows, cols));
              expectSame(got, want.data, `broadcast_column_${p.t} ${rows}×${cols}`);
            }
          }
        });

        it('sum_rows and sum_squares agree with the reference up to the order of the additions', () => {
          const unit = p.t === 'f64' ? 2 ** -53 : 2 ** -24;
          for (const rows of [0, 1, 2, 5]) {
            for (const cols of [0, 1, 2, 3, 4, 5, 7, 9, 16, 33, 400, 1001]) {
              for (const alpha of [1, 1 / 400, -2.5]) {
                const A = values(rows * cols, rows * 1000 + cols, p.make);
                const want = new Matrix(rows, 1, p.make(rows));
                ref.sumRows(new Matrix(rows, cols, A), want, alpha);
                const got = run(p, [A], rows, 4, ([ap], out) => k.exports[`sum_rows_${p.t}`](ap, out, rows, cols, alpha));
                for (let i = 0; i < rows; i++) {
                  let magnitude = 0;
                  for (let j = 0; j < cols; j++) magnitude += Math.abs(A[i * cols + j]);
                  // Both orders are within (cols − 1)·2^−53·Σ|a| of the exact sum; then one
                  // rounding to the output's type each.
                  const bound = 2 * cols * 2 ** -53 * magnitude * Math.abs(alpha) + 2 * unit * Math.abs(want.data[i]);
                  expect(Math.abs(got[i] - want.data[i]), `sum_rows_${p.t} ${rows}×${cols} row ${i}`).toBeLessThanOrEqual(bound);
                }
              }
            }
          }
          for (const n of [...SIZES, 4097]) {
            const x = values(n, n + 77, p.make);
            k.reset();
            const got = k.exports[`sum_squares_${p.t}`](k.put(x, 12), n);
            const want = ref.sumSquares(x);
            expect(Math.abs(got - want), `sum_squares_${p.t} n=${n}`).toBeLessThanOrEqual(2 * n * 2 ** -53 * want);
          }
        });

        it('max_abs is the largest magnitude, 0 when empty, NaN when any value is NaN', () => {
          for (const n of SIZES) {
            for (const misalign of [0, 4, 8]) {
              const x = values(n, n + 5, p.make);
              if (n > 0) x[n - 1] = -9.5; // the largest, at the very end
              k.reset();
              let want = 0;
              for (const v of x) want = Math.max(want, Math.abs(v));
              expect(k.exports[`max_abs_${p.t}`](k.put(x, misalign), n), `max_abs_${p.t} n=${n}`).toBe(want);
              // Every lane of both accumulators, the single-vector loop and the last values.
              for (const at of new Set([0, 1, 2, 3, 4, 5, 6, 7, n >> 1, n - 2, n - 1].filter((i) => i >= 0 && i < n))) {
                const withNaN = x.slice();
                withNaN[at] = NaN;
                k.reset();
                expect(k.exports[`max_abs_${p.t}`](k.put(withNaN, misalign), n), `max_abs_${p.t} NaN at ${at} of ${n}`).toBeNaN();
                const withLargest = x.slice();
                withLargest[at] = -20;
                k.reset();
                expect(k.exports[`max_abs_${p.t}`](k.put(withLargest, misalign), n), `max_abs_${p.t} −20 at ${at} of ${n}`).toBe(20);
              }
            }
          }
        });

        it('exp, tanh and sigmoid handle every size, alignment and aliasing', () => {
          const references: Record<string, (x: number) => number> = { exp: Math.exp, tanh: Math.tanh, sigmoid: sigmoidReference };
          const ulps = p.t === 'f64' ? ulps64 : ulps32;
          const round = p.t === 'f64' ? (x: number) => x : Math.fround;
          for (const [name, reference] of Object.entries(references)) {
            for (const n of SIZES) {
              for (const misalign of [0, 4, 8, 12]) {
                const z = values(n, n * 7 + 1, p.make);
                const call = (count: number) => ([zp]: number[], out: number) => k.exports[`${name}_${p.t}`](zp, out, count);
                const separate = run(p, [z], n, misalign, call(n));
                const inPlace = run(p, [z], n, misalign, call(n), 0);
                expectSame(inPlace, separate, `${name}_${p.t} in place n=${n} misalign=${misalign}`);
                for (let i = 0; i < n; i++) {
                  // The vector loops, the single values at the end, and each value alone.
                  const want = round(reference(z[i]));
                  if (ulps(separate[i], want) > 2) expect.fail(`${name}_${p.t}(${z[i]}), value ${i} of ${n}: ${separate[i]}, want ${want}`);
                  if (i % 5 === 0) {
                    const alone = run(p, [z.slice(i, i + 1)], 1, misalign, call(1))[0];
                    if (!Object.is(alone, separate[i]) && !(Number.isNaN(alone) && Number.isNaN(separate[i]))) {
                      expect.fail(`${name}_${p.t}(${z[i]}): ${separate[i]} as value ${i} of ${n}, ${alone} alone`);
                    }
                  }
                }
              }
            }
          }
        });

        it('exp, tanh and sigmoid give each value the same result whatever its neighbours', () => {
          // A batch must not change with how it is split (predict in batches equals one
          // forward pass). tanh's paths are chosen by |x| around 1 and 20: mix values
          // from every side of those, and shift them against the vector lanes.
          const next = lcg(99);
          const magnitudes = [0, 0.1, 0.39, 0.4, 0.41, 0.7, 0.99, 1, 1.01, 5, 19.9, 20, 20.1, 1e3];
          const z = p.make(4096);
          for (let i = 0; i < z.length; i++) {
            const m = magnitudes[Math.floor(next() * magnitudes.length)] * (1 + 0.01 * next());
            z[i] = next() < 0.5 ? -m : m;
          }
          // Runs of equal regions too, so that whole passes take the fast paths.
          for (let i = 0; i < 1024; i++) z[i] = (next() - 0.5) * 0.7;
          for (let i = 1024; i < 2048; i++) z[i] = (next() < 0.5 ? -1 : 1) * (1 + 30 * next());
          for (const name of ['exp', 'tanh', 'sigmoid']) {
            const f = k.exports[`${name}_${p.t}`];
            const whole = run(p, [z], z.length, 0, ([zp], out) => f(zp, out, z.length));
            for (const shift of [1, 2, 3, 5]) {
              const shifted = run(p, [z.slice(shift)], z.length - shift, 0, ([zp], out) => f(zp, out, z.length - shift));
              expectSame(shifted, whole.slice(shift), `${name}_${p.t} shifted by ${shift}`);
            }
            // In place, over several of tanh_f64's compacted chunks (1024 values) and a part of one.
            const inPlace = run(p, [z.slice(3)], z.length - 3, 0, ([zp], out) => f(zp, out, z.length - 3), 0);
            expectSame(inPlace, whole.slice(3), `${name}_${p.t} in place, shifted by 3`);
            // Arrays all of one kind (tanh_f64 then runs a loop with a single path).
            for (const [from, to] of [[0, 1024], [1024, 2048], [0, 1], [1024, 1027]]) {
              const part = run(p, [z.slice(from, to)], to - from, 0, ([zp], out) => f(zp, out, to - from));
              expectSame(part, whole.slice(from, to), `${name}_${p.t} on values ${from}…${to - 1} alone`);
            }
            const alone = p.make(z.length);
            for (let i = 0; i < z.length; i += 7) alone[i] = run(p, [z.slice(i, i + 1)], 1, 0, ([zp], out) => f(zp, out, 1))[0];
            for (let i = 0; i < z.length; i += 7) {
              if (!Object.is(alone[i], whole[i])) expect.fail(`${name}_${p.t}(${z[i]}) is ${whole[i]} in the array, ${alone[i]} alone`);
            }
          }
        });
      });
    }
  });
});
