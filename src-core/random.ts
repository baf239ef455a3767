/**
 * Seeded random number generators for the training core: weight initialization,
 * dropout masks, mini-batch shuffles and the toy datasets.
 *
 * Two kinds, chosen by name from `rngKinds`:
 * - 'numpy' reproduces NumPy's legacy `np.random.seed(s)` / `RandomState` bit for bit:
 *   MT19937, `randn` by the legacy polar Gauss method with its cached second value,
 *   `rand` as `random_sample`, `permutation` as the legacy shuffle. Use it to match the
 *   course's notebooks number for number.
 * - 'default' is xoshiro128** (Blackman and Vigna): it passes BigCrush and PractRand,
 *   has a period of 2^128 - 1, and needs only 32-bit integer operations, which
 *   JavaScript does natively (64-bit generators such as PCG64 need BigInt here and are
 *   several times slower). Doubles take 53 bits from two draws; normals use the polar
 *   method with V8's Math.log, which is a software libm and gives the same bits on
 *   every platform.
 *
 * NumPy's numbers also go through the C library's log, whose last bits V8's Math.log does
 * not always match; the numpy kind uses glibc's, from libm.ts.
 */

import { glibcLog } from './libm';

export type RngKind = 'numpy' | 'default';

/** A seeded stream of random numbers. Every call continues the same stream. */
export interface Rng {
  readonly kind: RngKind;
  /** n standard-normal draws, in order. */
  randn(n: number): Float64Array;
  /** n uniform draws in [0, 1). */
  rand(n: number): Float64Array;
  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array;
}

/** The largest seed: seeds are unsigned 32-bit integers, as `np.random.seed` takes. */
export const MAX_SEED = 0xffffffff;

/** The generator kinds, by name. */
export const rngKinds: Record<RngKind, { create: (seed: number) => Rng; description: string }> = {
  numpy: {
    create: (seed) => new NumpyRandomState(seed),
    description: "NumPy's legacy np.random.seed / RandomState (MT19937), bit for bit",
  },
  default: {
    create: (seed) => new Xoshiro128(seed),
    description: 'xoshiro128**: fast, 32-bit arithmetic, period 2^128 - 1',
  },
};

/**
 * A generator of the given kind, seeded with an integer in [0, 2^32 - 1].
 * @throws Error naming the seed when it is not such an integer, or the kind when unknown.
 */
export function createRng(seed: number, kind: RngKind = 'default'): Rng {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new Error(`random seed must be an integer from 0 to ${MAX_SEED}, got ${seed}`);
  }
  const entry = Object.hasOwn(rngKinds, kind) ? rngKinds[kind] : undefined;
  if (!entry) {
    throw new Error(`unknown random generator kind '${kind}' (expected 'numpy' or 'default')`);
  }
  return entry.create(seed);
}

function checkCount(n: number, method: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new Error(`${method}: n must be an integer from 0 to 2147483647, got ${n}`);
  }
}

/** 0, 1, ..., n-1 shuffled by Fisher–Yates from the end; `upTo(i)` draws from [0, i]. */
function shuffledRange(n: number, upTo: (max: number) => number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = upTo(i);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

/** The smallest all-ones bit mask covering max (max < 2^31). */
function maskFor(max: number): number {
  let mask = max;
  mask |= mask >>> 1;
  mask |= mask >>> 2;
  mask |= mask >>> 4;
  mask |= mask >>> 8;
  mask |= mask >>> 16;
  return mask;
}

// ---------------------------------------------------------------------------------------
// NumPy legacy RandomState

const MT_N = 624;
const MT_M = 397;

/** The Mersenne Twister MT19937, seeded as NumPy's `mt19937_seed` (init_genrand). */
class Mt19937 {
  private readonly key = new Uint32Array(MT_N);
  private pos = MT_N;

  constructor(seed: number) {
    let s = seed >>> 0;
    for (let i = 0; i < MT_N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, s ^ (s >>> 30)) + i + 1) >>> 0;
    }
  }

  /** The next tempered 32-bit output, as an unsigned number. */
  nextUint32(): number {
    if (this.pos === MT_N) this.twist();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) from 53 bits of two outputs (NumPy's `random_sample`). */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  private twist(): void {
    const key = this.key;
    for (let i = 0; i < MT_N; i++) {
      const y = (key[i] & 0x80000000) | (key[(i + 1) % MT_N] & 0x7fffffff);
      key[i] = key[(i + MT_M) % MT_N] ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    this.pos = 0;
  }
}

/**
 * NumPy's legacy `RandomState` after `np.random.seed(seed)`: the stream the course's
 * notebooks draw from. The Gauss cache (`has_gauss`) persists across calls, as in NumPy:
 * randn draws normals in pairs and keeps the second for the next draw; rand and
 * permutation leave it alone.
 */
class NumpyRandomState implements Rng {
  readonly kind = 'numpy' as const;
  private readonly mt: Mt19937;
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    this.mt = new Mt19937(seed);
  }

  randn(n: number): Float64Array {
    checkCount(n, 'randn');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.nextGauss();
    return out;
  }

  rand(n: number): Float64Array {
    checkCount(n, 'rand');
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.mt.nextDouble();
    return out;
  }

  permutation(n: number): Int32Array {
    checkCount(n, 'permutation');
    return shuffledRange(n, (max) => this.interval(max));
  }

  /** NumPy's `legacy_gauss`: the polar method, returning f*x2 and caching f*x1. */
  private nextGauss(): number {
    if (this.hasGauss) {
      this.hasGauss = false;
      return this.gauss;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.mt.nextDouble() - 1.0;
      x2 = 2.0 * this.mt.nextDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    const f = Math.sqrt((-2.0 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** NumPy's `random_interval`: uniform in [0, max] by masking and rejection. */
  private interval(max: number): number {
    const mask = maskFor(max);
    let value: number;
    do value = this.mt.nextUint32() & mask;
    while (value > max);
    return value;
  }
}

// ---------------------------------------------------------------------------------------
// xoshiro128**

/** 32-bit SplitMix-style mixer, to spread a seed over the 128-bit state. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) | 0;
}

/** xoshiro128** with 53-bit doubles and polar-method normals (second value cached). */
class Xoshiro128 implements Rng {
  readonly kind = 'default' as const;
  /** The state words s0..s3; a typed array so that updates never allocate. */
  private readonly s = new Int32Array(4);
  private hasGauss = false;
  private gauss = 0;

  constructor(seed: number) {
    for (let i = 0; i < 4; i++) this.s[i] = mix32((seed + Math.imul(i + 1, 0x9e3779b9)) | 0);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  /**
   * The hot path (dropout masks every iteration): the state lives in locals, so the two
   * steps per double are written out rather than called; twice as fast as nextDouble().
   */
  rand(n: number): Float64Array {
    checkCount(n, 'rand');
    const out = new Float64Array(n);
    const s = this.s;
    let [s0, s1, s2, s3] = s;
    for (let i = 0; i < n; i++) {
      let x = Math.imul(s1, 5);
      const a = Math.imul((x << 7) | (x >>> 25), 9) >>> 5;
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      x = Math.imul(s1, 5);
      const b = Math.imul((x << 7) | (x >>> 25), 9) >>> 6;
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = (a * 67108864 + b) / 9007199254740992;
    }
    s.set([s0, s1, s2, s3]);
    return out;
  }

  randn(n: number): Float64Array {
    checkCount(n, 'randn');
    const out = new Float64Array(n);
    let i = 0;
    if (this.hasGauss && n > 0) {
      out[i++] = this.gauss;
      this.hasGauss = false;
    }
    for (; i < n; i += 2) {
      let x1: number, x2: number, r2: number;
      do {
        x1 = 2 * this.nextDouble() - 1;
        x2 = 2 * this.nextDouble() - 1;
        r2 = x1 * x1 + x2 * x2;
      } while (r2 >= 1 || r2 === 0);
      const f = Math.sqrt((-2 * Math.log(r2)) / r2);
      out[i] = f * x2;
      if (i + 1 < n) {
        out[i + 1] = f * x1;
      } else {
        this.gauss = f * x1;
        this.hasGauss = true;
      }
    }
    return out;
  }

  permutation(n: number): Int32Array {
    checkCount(n, 'permutation');
    return shuffledRange(n, (max) => {
      const mask = maskFor(max);
      let value: number;
      do value = this.nextInt32() & mask;
      while (value > max);
      return value;
    });
  }

  private nextDouble(): number {
    const a = this.nextInt32() >>> 5;
    const b = this.nextInt32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** The next output as a signed 32-bit integer. */
  private nextInt32(): number {
    const s = this.s;
    const s1 = s[1];
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    s[2] ^= s[0];
    s[3] ^= s1;
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 11) | (s[3] >>> 21);
    return result;
  }
}
