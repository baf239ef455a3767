/**
 * Generates the WAT text of the elementwise kernels: exp, tanh and sigmoid, the
 * activations' derivatives, relu, the bias broadcast, the reductions, axpy and the
 * elementwise product, in float64 (f64x2) and float32 (f32x4, the `_f32` twins).
 *
 *   tanh_<t>(z, a, n)                    a = tanh(z)
 *   sigmoid_<t>(z, a, n)                 a = 1 / (1 + e^−z)
 *   exp_<t>(x, y, n)                     y = e^x
 *   relu_<t>(z, a, n, slope)             a = z > 0 ? z : slope·z (slope 0: relu)
 *   tanh_backward_<t>(dA, A, dZ, n)      dZ = dA·(1 − A²)
 *   sigmoid_backward_<t>(dA, A, dZ, n)   dZ = dA·A·(1 − A)
 *   relu_backward_<t>(dA, Z, dZ, n, slope)  dZ = Z > 0 ? dA : slope·dA
 *   broadcast_column_<t>(b, Z, rows, cols)  Z[i, j] = b[i], Z row-major
 *   sum_rows_<t>(A, out, rows, cols, alpha) out[i] = alpha·Σ_j A[i, j]
 *   sum_squares_<t>(x, n) → f64          Σ x²
 *   axpy_<t>(alpha, x, y, n)             y += alpha·x
 *   multiply_<t>(x, y, out, n)           out = x ⊙ y
 *   subtract_<t>(x, y, out, n)           out = x − y (the output layers' A − Y)
 *   max_abs_<t>(x, n) → f64              max |x|, NaN if any x is NaN, 0 for n = 0
 *
 * Pointers are byte offsets into the imported memory and need no alignment; n
 * counts values and may be anything ≥ 0 (the last n mod lanes values go through
 * the same vector code one at a time, so nothing outside the arrays is read or
 * written). An output may be one of the inputs. A value's result depends on that
 * value alone, never on its neighbours, so a batch gives the same results however
 * it is split. Scalars (slope, alpha) and results are f64 in both precisions, as
 * JavaScript passes them.
 *
 * Everything but exp, tanh and sigmoid gives what src-core/kernels.ts gives, bit for
 * bit, in both precisions: float32 kernels that the reference computes in double
 * (slope·z, axpy, the derivatives, the sums) convert to f64x2 and back. Only the
 * order of the additions in the sums differs.
 *
 * Accuracy of exp, tanh and sigmoid, in ulps of the exact value (measured on
 * millions of points against 64-bit-mantissa references, besides the tests'
 * comparisons with Math): the contract is 2 ulp from Math.exp, Math.tanh and an
 * accurate sigmoid, and Math.tanh is itself up to 2.2 ulp off for |x| < 1, so a
 * plain ~1-ulp tanh would drift 3 ulp from it there. Hence:
 *
 *   sigmoid, and tanh's general path: double-double arithmetic up to one final
 *   rounding, 0.53 ulp (sigmoid's subnormal results are rounded twice, the quotient
 *   then its scaling: at most 1 ulp from the tests' double-double sigmoid, as before).
 *     e^y = 2^k · e^r, k = round(y/ln2), r = y − k·ln2 kept as r + r_lo (ln2 split
 *     in two as fdlibm does, so that k·LN2_HI is exact). e^r − 1 = r + r²/2 +
 *     r³·Q'(r), r²/2 exact from Dekker's split of r, Q' of degree 9 (Chebyshev fit
 *     on |r| ≤ 0.347, error below 2^-61), all summed into s + t (Fast2Sums).
 *     tanh|x| = (1 − F)/(1 + F) with F = e^(−2|x|), |x| clamped to 20 (tanh rounds
 *     to 1 from 19.06): numerator and denominator as double-doubles, so no
 *     cancellation near 0, and the quotient corrected once (below).
 *     sigmoid(x) = N/(1 + G) with G = e^(−|x|), N = G for x < 0 and 1 otherwise,
 *     with no subnormal intermediates (see sigmoid64).
 *   tanh's fast path, for lanes with |x| ≥ 1: 1 − 2/(e^2|x| + 1) in plain
 *   arithmetic, 0.94 ulp (Math.tanh: 0.95 there); ±1 for passes with all |x| ≥ 20.
 *   exp: 1 + r + r²·Q(r) with only 1 + r split exactly, 0.68 ulp (0.8 for
 *   subnormal results), so within 1 ulp of Math.exp (0.83 ulp off itself). The
 *   power of two goes on as 2^(k/2)·2^(k − k/2), so that a subnormal result is
 *   rounded once more at most and 2^1024 is never formed.
 *
 * The corrected quotient of n = nh + nl by d = dh + dl costs one division: q0 =
 * nh/dh cut to 21 significant bits, dh cut into 32 + 21 bits, so that q0·dh is two
 * exact products and n − q0·d is exact up to rounding far below an ulp of q; then
 * q = q0 + (n − q0·d)/dh.
 *
 * float32 exp, tanh and sigmoid compute in f32x4 with a degree-5 Q and plain
 * quotients, tanh as (1 − 2^k − 2^k·p)/(1 + 2^k + 2^k·p) with p = e^r − 1, which
 * is −p/(2 + p) when k = 0, so again no cancellation near 0. Checked once, on
 * every float32 with |x| in [1e-45, 10] (tanh) or [1e-45, 104] (sigmoid, exp):
 * within 2 float32 ulp of Math.fround of the float64 function (exp: 1); the tests
 * check 2 on ~1.5 million points each.
 *
 * The relaxed variant evaluates the polynomials with relaxed_madd (fused or not,
 * either is accurate enough there); every error-free step stays plain arithmetic.
 */
import type { Variant } from './build';
import { SCRATCH_A } from './gemm';

// ---------------------------------------------------------------------------
// WAT text helpers.

/** A double as a WAT hex float literal: exact, unlike a decimal one. */
function hex(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0x0p+0' : '0x0p+0';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? '-' : '';
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const mantissa = bits & ((1n << 52n) - 1n);
  if (exponent === 0 || exponent === 0x7ff) throw new Error(`hex: ${x} is not a normal double`);
  return `${sign}0x1.${mantissa.toString(16).padStart(13, '0')}p${exponent >= 1023 ? '+' : ''}${exponent - 1023}`;
}

type Shape = 'f64x2' | 'f32x4';

/** The instructions on one lane shape, as folded WAT expressions. */
function ops(v: Shape, variant: Variant) {
  const op = (name: string) => (...args: string[]) => `(${v}.${name} ${args.join(' ')})`;
  const add = op('add');
  const mul = op('mul');
  return {
    add,
    sub: op('sub'),
    mul,
    div: op('div'),
    neg: op('neg'),
    pmin: op('pmin'),
    pmax: op('pmax'),
    max: op('max'),
    gt: op('gt'),
    lt: op('lt'),
    abs: op('abs'),
    /** a·b + c: fused or not in the relaxed variant, two roundings in the baseline. */
    madd: (a: string, b: string, c: string) => (variant.relaxed ? `(${v}.relaxed_madd ${a} ${b} ${c})` : add(mul(a, b), c)),
  };
}

const and = (a: string, b: string) => `(v128.and ${a} ${b})`;
const or = (a: string, b: string) => `(v128.or ${a} ${b})`;
/** Bits of a where mask is set, of b elsewhere. */
const select = (a: string, b: string, mask: string) => `(v128.bitselect ${a} ${b} ${mask})`;
const get = (name: string) => `(local.get $${name})`;

/** One exported function: its locals, the constants it hoists out of its loops, its body. */
class Fn {
  private readonly locals = new Map<string, string>();
  private readonly hoisted = new Map<string, string>();

  constructor(readonly variant: Variant) {}

  local(name: string, type = 'v128'): string {
    const known = this.locals.get(name);
    if (known !== undefined && known !== type) throw new Error(`local $${name} is both ${known} and ${type}`);
    this.locals.set(name, type);
    return name;
  }

  /**
   * A value computed once at the top of the function. V8 builds a v128.const with
   * several instructions where it appears; a local costs one register or stack load.
   */
  hoist(expr: string): string {
    let name = this.hoisted.get(expr);
    if (name === undefined) {
      name = this.local(`c${this.hoisted.size}`);
      this.hoisted.set(expr, name);
    }
    return get(name);
  }

  f64(x: number): string {
    return this.hoist(`(v128.const f64x2 ${hex(x)} ${hex(x)})`);
  }

  f32(x: number): string {
    const f = Math.fround(x);
    if (f !== x) throw new Error(`f32: ${x} is not a float32`);
    return this.hoist(`(v128.const f32x4 ${hex(f)} ${hex(f)} ${hex(f)} ${hex(f)})`);
  }

  i64(x: bigint): string {
    return this.hoist(`(v128.const i64x2 ${x} ${x})`);
  }

  i32(x: number): string {
    return this.hoist(`(v128.const i32x4 ${x} ${x} ${x} ${x})`);
  }

  render(name: string, params: string, result: string, body: string[]): string {
    const locals = [...this.locals].map(([n, t]) => `    (local $${n} ${t})`);
    const inits = [...this.hoisted].map(([expr, n]) => `    (local.set $${n} ${expr})`);
    return [
      `  (func $${name} (export "${name}") ${params}${result ? ` (result ${result})` : ''}`,
      ...locals,
      ...inits,
      ...body.map((line) => `    ${line}`),
      '  )',
    ].join('\n');
  }
}

/**
 * Straight-line code: each `let` stores an expression in a v128 local, named with
 * the block's suffix so that two blocks can be interleaved.
 */
class Block {
  readonly stmts: string[] = [];

  constructor(
    readonly fn: Fn,
    private readonly suffix = '',
  ) {}

  let(name: string, expr: string): string {
    const local = this.fn.local(name + this.suffix);
    this.stmts.push(`(local.set $${local} ${expr})`);
    return get(local);
  }
}

/** What the scalar type of one precision needs. */
interface Lanes {
  t: 'f64' | 'f32';
  v: Shape;
  /** Values per v128, and bytes per value. */
  width: number;
  bytes: number;
}

const F64: Lanes = { t: 'f64', v: 'f64x2', width: 2, bytes: 8 };
const F32: Lanes = { t: 'f32', v: 'f32x4', width: 4, bytes: 4 };

/** Code for some vectors: statements, then stores [pointer, vector index, value]. */
interface Code {
  stmts: string[];
  stores: [string, number, string][];
}

/** Code for `count` vectors; `load(pointer, i)` reads vector i's input. */
type Step = (count: number, load: (p: string, i: number) => string) => Code;

const blockSuffix = (i: number) => (i === 0 ? '' : `_${i}`);

/** The statements of several blocks, one line of each in turn. */
function interleave(blocks: Block[]): string[] {
  const out: string[] = [];
  for (let line = 0; line < blocks[0].stmts.length; line++) for (const b of blocks) out.push(b.stmts[line]);
  return out;
}

/** A Step from the code for one vector, repeated with renamed locals and interleaved. */
function perVector(fn: Fn, step: (b: Block, load: (p: string) => string) => [string, string][]): Step {
  return (count, load) => {
    const blocks = Array.from({ length: count }, (_, i) => new Block(fn, blockSuffix(i)));
    const stores = blocks.flatMap((b, i) => step(b, (p) => load(p, i)).map(([p, v]): [string, number, string] => [p, i, v]));
    return { stmts: interleave(blocks), stores };
  };
}

/**
 * A loop over n values of equal-length arrays: `unroll` vectors per pass, then
 * single vectors, then the last values one at a time, splatted into a vector so
 * that the same code computes them. Every store comes after every load, so
 * outputs may alias inputs.
 */
function streamLoop(fn: Fn, lanes: Lanes, pointers: string[], step: Step, unroll = 1, label = ''): string[] {
  const indent = (lines: string[]) => lines.map((line) => `    ${line}`);
  const loop = (name: string, count: number, by: number, code: Code, store: (p: string, i: number, v: string) => string) => [
    `(block $${label}${name}_done`,
    `  (loop $${label}${name}`,
    `    (br_if $${label}${name}_done (i32.lt_s ${get('n')} (i32.const ${count})))`,
    ...indent(code.stmts),
    ...indent(code.stores.map(([p, i, v]) => store(p, i, v))),
    ...indent(pointers.map((p) => `(local.set $${p} (i32.add ${get(p)} (i32.const ${by})))`)),
    `    (local.set $n (i32.sub ${get('n')} (i32.const ${count})))`,
    `    (br $${label}${name})))`,
  ];
  const vectorLoad = (p: string, i: number) => `(v128.load offset=${16 * i} ${get(p)})`;
  const vectorStore = (p: string, i: number, v: string) => `(v128.store offset=${16 * i} ${get(p)} ${v})`;
  return [
    ...(unroll > 1 ? loop('unrolled', unroll * lanes.width, unroll * 16, step(unroll, vectorLoad), vectorStore) : []),
    ...loop('vectors', lanes.width, 16, step(1, vectorLoad), vectorStore),
    ...loop(
      'singles',
      1,
      lanes.bytes,
      step(1, (p) => `(${lanes.v}.splat (${lanes.t}.load ${get(p)}))`),
      (p, _i, v) => `(${lanes.t}.store ${get(p)} (${lanes.v}.extract_lane 0 ${v}))`,
    ),
  ];
}

/** The two f64x2 halves of an f32x4 (which must be a local.get). */
function widen(b: Block, v: string, name: string): [string, string] {
  return [
    b.let(`${name}_lo`, `(f64x2.promote_low_f32x4 ${v})`),
    b.let(`${name}_hi`, `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${v} ${v}))`),
  ];
}

/** Two f64x2 rounded to float32 and joined into one f32x4. */
function narrow(lo: string, hi: string): string {
  return `(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero ${lo}) (f32x4.demote_f64x2_zero ${hi}))`;
}

/**
 * c0 + c1·x + c2·x² + …, by Estrin's scheme: pairs c_i + c_(i+1)·x, then pairs of
 * those with x², x⁴, …. The same operations as Horner's rule, but a dependency
 * chain of log2(degree) multiply-adds instead of degree of them.
 */
function estrin(b: Block, name: string, f: ReturnType<typeof ops>, x: string, x2: string, coefficients: string[]): string {
  let terms: string[] = [];
  for (let i = 0; i < coefficients.length; i += 2) {
    terms.push(i + 1 < coefficients.length ? f.madd(coefficients[i + 1], x, coefficients[i]) : coefficients[i]);
  }
  let power = x2;
  for (let level = 2; terms.length > 1; level *= 2) {
    const next: string[] = [];
    for (let i = 0; i < terms.length; i += 2) next.push(i + 1 < terms.length ? f.madd(terms[i + 1], power, terms[i]) : terms[i]);
    terms = next;
    if (terms.length > 1) power = b.let(`${name}_x${level * 2}`, f.mul(power, power));
  }
  return terms[0];
}

// ---------------------------------------------------------------------------
// float64 exp, tanh and sigmoid.

const INV_LN2 = 1.4426950408889634;
// fdlibm's split: LN2_HI has 32 significant bits, so k·LN2_HI is exact for |k| < 2^21.
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
/** 1.5·2^52: adding it rounds to an integer, held in the low bits. */
const ROUND_64 = 6755399441055744;
const ROUND_64_BITS = 0x4338000000000000n;
const ONE_64_BITS = 0x3ff0000000000000n;
const ABS_64 = 0x7fffffffffffffffn;
const SIGN_64 = 0x8000000000000000n;
/** Masks keeping 21 and 32 significant bits of a double. */
const HIGH_21 = 0xffffffff00000000n;
const HIGH_32 = 0xffffffffffe00000n;
/** 2^27 + 1: Dekker's splitter, r·SPLIT − (r·SPLIT − r) keeps 26 bits of r. */
const SPLIT = 134217729;
/** (e^r − 1 − r)/r² on |r| ≤ 0.347, constant term first. */
const Q64 = [
  0.5, 0.1666666666666667, 0.04166666666666667, 0.00833333333332607, 0.0013888888888883703,
  0.00019841269875048905, 2.480158732571076e-5, 2.755725511097889e-6, 2.755727343657049e-7,
  2.510533724466521e-8, 2.091477283224809e-9,
];

interface ExpParts64 {
  /** e^(y − k·ln2) = s + t, |t| tiny next to s. */
  s: string;
  t: string;
  /** k as an i64x2. */
  k: string;
  /** k + 1.5·2^52 as an f64x2 (an integer-valued double). */
  shifted: string;
}

/** e^y as (s + t)·2^k, for y in [−746, 710]. */
function expParts64(b: Block, y: string): ExpParts64 {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const c = (x: number) => fn.f64(x);
  const shifted = b.let('shifted', f.add(f.mul(y, c(INV_LN2)), c(ROUND_64)));
  const k = b.let('k', f.sub(shifted, c(ROUND_64)));
  const rHi = b.let('r_hi', f.sub(y, f.mul(k, c(LN2_HI)))); // exact
  const kLo = b.let('k_lo', f.mul(k, c(LN2_LO)));
  const r = b.let('r', f.sub(rHi, kLo));
  const rLo = b.let('r_lo', f.sub(f.sub(rHi, r), kLo));
  // e^r − 1 = r + r²/2 + r³·Q'(r). r²/2 carries most of the rounding error of a
  // plain r²·Q(r), so it is formed exactly from Dekker's split of r.
  const split = b.let('split', f.mul(r, c(SPLIT)));
  const rHead = b.let('r_head', f.sub(split, f.sub(split, r)));
  const rTail = b.let('r_tail', f.sub(r, rHead));
  const half = b.let('half', f.mul(f.mul(rHead, c(0.5)), rHead)); // exact
  const halfLo = f.add(f.mul(rHead, rTail), f.mul(f.mul(rTail, c(0.5)), rTail));
  const r2 = b.let('r2', f.mul(r, r));
  const cubic = f.mul(f.mul(r2, r), estrin(b, 'r', f, r, r2, Q64.slice(1).map(c)));
  const rest = b.let('p_rest', f.add(halfLo, cubic));
  // p = r + half + rest as pHi + pLo, |pLo| ≤ ulp(pHi): two Fast2Sums.
  const head = b.let('head', f.add(r, half));
  const pHi = b.let('p_hi', f.add(head, rest));
  const pLo = b.let('p_lo', f.add(f.add(f.sub(r, head), half), f.add(f.sub(head, pHi), rest)));
  const s = b.let('s', f.add(c(1), pHi));
  // e^(r + r_lo) = (1 + p)(1 + r_lo): r_lo·s joins the tail.
  const t = b.let('t', f.add(f.add(f.sub(c(1), s), pHi), f.add(pLo, f.mul(rLo, s))));
  const ki = b.let('ki', `(i64x2.sub ${shifted} ${fn.i64(ROUND_64_BITS)})`);
  return { s, t, k: ki, shifted };
}

/** 2^k for an i64x2 k in [−1022, 1023]. */
function pow2_64(fn: Fn, k: string): string {
  return `(i64x2.add (i64x2.shl ${k} (i32.const 52)) ${fn.i64(ONE_64_BITS)})`;
}

/** 2^k as two factors, each a normal double, for k in [−2044, 2046]. */
function pow2Split64(b: Block, k: string): [string, string] {
  const k1 = b.let('k1', `(i64x2.shr_s ${k} (i32.const 1))`);
  const k2 = b.let('k2', `(i64x2.sub ${k} ${k1})`);
  return [b.let('scale1', pow2_64(b.fn, k1)), b.let('scale2', pow2_64(b.fn, k2))];
}

/**
 * (nh + nl)/(dh + dl), correct to far below an ulp before its last rounding; needs
 * |nl| ≲ ulp(nh) (or nh = 0) and |dl| ≲ ulp(dh). See the header.
 */
function divide64(b: Block, nh: string, nl: string, dh: string, dl: string): string {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const inv = b.let('inv', f.div(fn.f64(1), dh));
  const q0 = b.let('q0', and(f.mul(nh, inv), fn.i64(HIGH_21)));
  const dHi = b.let('d_hi', and(dh, fn.i64(HIGH_32)));
  const dTail = b.let('d_tail', f.sub(dh, dHi));
  // nh − q0·dHi is exact (Sterbenz), and q0·dHi, q0·dTail are exact products.
  const rest = b.let('rest', f.sub(f.add(f.sub(f.sub(nh, f.mul(q0, dHi)), f.mul(q0, dTail)), nl), f.mul(q0, dl)));
  return f.add(q0, f.mul(rest, inv));
}

function tanh64(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const c = (v: number) => fn.f64(v);
  const y = b.let('y', f.mul(f.pmin(and(x, fn.i64(ABS_64)), c(20)), c(-2)));
  const { s, t, k } = expParts64(b, y);
  const scale = b.let('scale', pow2_64(fn, k)); // k in [−58, 0]
  const fHi = b.let('f_hi', f.mul(s, scale));
  const fLo = b.let('f_lo', f.mul(t, scale));
  // 1 − F and 1 + F as double-doubles (Fast2Sum: F ≤ 1).
  const nh = b.let('n_hi', f.sub(c(1), fHi));
  const nl = b.let('n_lo', f.sub(f.sub(f.sub(c(1), nh), fHi), fLo));
  const dh = b.let('d', f.add(c(1), fHi));
  const dl = b.let('d_lo', f.add(f.add(f.sub(c(1), dh), fHi), fLo));
  const q = divide64(b, nh, nl, dh, dl);
  return or(q, and(x, fn.i64(SIGN_64)));
}

/**
 * tanh|x| = 1 − 2/(e^2|x| + 1) for |x| ≥ 1, in plain arithmetic: 2/(e^2|x| + 1) ≤
 * 0.24 there, so its few ulps of error are worth less than one of the result
 * (0.94 ulp measured, 1.2 bound; Math.tanh: 0.95 there).
 */
const TANH_LARGE = 1;

function tanhLarge64(b: Block, x: string, ax: string): string {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const c = (v: number) => fn.f64(v);
  const y = b.let('y', f.mul(f.pmin(ax, c(20)), c(2)));
  const shifted = b.let('shifted', f.add(f.mul(y, c(INV_LN2)), c(ROUND_64)));
  const k = b.let('k', f.sub(shifted, c(ROUND_64)));
  const r = b.let('r', f.sub(f.sub(y, f.mul(k, c(LN2_HI))), f.mul(k, c(LN2_LO))));
  const r2 = b.let('r2', f.mul(r, r));
  const p = b.let('p', f.madd(r2, estrin(b, 'r', f, r, r2, Q64.map(c)), r));
  const ki = `(i64x2.sub ${shifted} ${fn.i64(ROUND_64_BITS)})`;
  const e = b.let('e', f.mul(f.add(c(1), p), pow2_64(fn, ki))); // k in [3, 58]
  return or(f.sub(c(1), f.div(c(2), f.add(e, c(1)))), and(x, fn.i64(SIGN_64)));
}

/** From here on tanh rounds to ±1 (from 19.06 in fact), as tanhLarge64 gives too. */
const TANH_ONE = 20;

/**
 * Lanes with |x| ≥ 1, and the rest. (An odd polynomial for |x| < 0.4, 0.67 ulp and
 * three times faster than the general path, was tried: it rounds differently often
 * enough to move the course's planar run, chaotic from iteration ~7740 on, 1.5e-3
 * away from NumPy's costs at 7900, past test/core/train.test.ts's 1e-3, where the
 * general path alone lands 8e-5 away like the TypeScript kernel and Math.tanh.)
 */
const TANH_64: Path[] = [
  {
    when: (fn, ax) => `(f64x2.ge ${ax} ${fn.f64(TANH_LARGE)})`,
    g: tanhLarge64,
    shortcut: { when: (fn, ax) => `(f64x2.ge ${ax} ${fn.f64(TANH_ONE)})`, g: (b, x) => or(b.fn.f64(1), and(x, b.fn.i64(SIGN_64))) },
  },
  { g: tanh64 },
];

/**
 * sigmoid(x) = 1/(1 + G) for x ≥ 0 and G/(1 + G) for x < 0, G = e^(−|x|) = (s + t)·2^k,
 * with no intermediate ever subnormal: a subnormal operand or result costs a
 * microcode assist, and sigmoid_f64 used to run twice as slow on arrays of large
 * |x| (the quotient's correction q0·(1 + G)'s tail, about G², went subnormal from
 * |x| ≈ 354, G's tail from 670; the bench's profile met them in outputs that its
 * repeated Z += W·A had grown). So G is formed with 2^kA, kA = max(k, −400), and
 * the rest of 2^k, 2^(k − kA), goes onto the quotient last, for x < 0 only: exact
 * unless the result is subnormal. Where kA ≠ k, G is off but below 2^−399, and
 * 1 + G is 1 to far below what its double-double keeps.
 */
const SIGMOID_KA = -400;

function sigmoid64(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const c = (v: number) => fn.f64(v);
  // e^−746 rounds to 0, as sigmoid does below −745.14.
  const y = b.let('y', f.neg(f.pmin(and(x, fn.i64(ABS_64)), c(746))));
  const { s, t, k, shifted } = expParts64(b, y);
  const kA = b.let('k_a', `(i64x2.sub ${f.pmax(shifted, c(ROUND_64 + SIGMOID_KA))} ${fn.i64(ROUND_64_BITS)})`);
  const scale = b.let('scale', pow2_64(fn, kA));
  const gHi = b.let('g_hi', f.mul(s, scale));
  const gLo = b.let('g_lo', f.mul(t, scale));
  const negative = b.let('negative', f.lt(x, c(0)));
  const nh = select(gHi, c(1), negative);
  const nl = and(gLo, negative);
  const dh = b.let('d', f.add(c(1), gHi));
  const dl = b.let('d_lo', f.add(f.add(f.sub(c(1), dh), gHi), gLo));
  const q = divide64(b, nh, nl, dh, dl);
  return f.mul(q, pow2_64(fn, and(`(i64x2.sub ${k} ${kA})`, negative)));
}

/**
 * e^x = (1 + r + r²·Q(r))·2^k, without expParts64's exact r²/2: 1 + r is split
 * exactly (Fast2Sum) and the rest added to its error term, so the sum is rounded
 * once. The error of r²·Q(r), about 0.1 ulp, stays: 0.68 ulp in all, so within 1
 * ulp of Math.exp (itself up to 0.83 ulp off), at two thirds of the cost.
 */
function exp64(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f64x2', fn.variant);
  const c = (v: number) => fn.f64(v);
  // Below −746 the result rounds to 0, above 710 it overflows; NaN passes.
  const y = b.let('y', f.pmin(f.pmax(x, c(-746)), c(710)));
  const shifted = b.let('shifted', f.add(f.mul(y, c(INV_LN2)), c(ROUND_64)));
  const k = b.let('k', f.sub(shifted, c(ROUND_64)));
  const rHi = b.let('r_hi', f.sub(y, f.mul(k, c(LN2_HI)))); // exact
  const kLo = b.let('k_lo', f.mul(k, c(LN2_LO)));
  const r = b.let('r', f.sub(rHi, kLo));
  const rLo = f.sub(f.sub(rHi, r), kLo);
  const r2 = b.let('r2', f.mul(r, r));
  const tail = f.mul(r2, estrin(b, 'r', f, r, r2, Q64.map(c)));
  const s = b.let('s', f.add(c(1), r));
  const e = f.add(s, f.add(f.add(f.add(f.sub(c(1), s), r), rLo), tail));
  const [scale1, scale2] = pow2Split64(b, b.let('ki', `(i64x2.sub ${shifted} ${fn.i64(ROUND_64_BITS)})`));
  return f.mul(f.mul(e, scale1), scale2);
}

// ---------------------------------------------------------------------------
// float32 exp, tanh and sigmoid.

const INV_LN2_32 = Math.fround(INV_LN2);
// 15 significant bits: k·LN2_HI_32 is exact for |k| < 512.
const LN2_HI_32 = 0.693145751953125;
const LN2_LO_32 = Math.fround(Math.LN2 - LN2_HI_32);
/** 1.5·2^23. */
const ROUND_32 = 12582912;
const ROUND_32_BITS = 0x4b400000;
const ONE_32_BITS = 0x3f800000;
const ABS_32 = 0x7fffffff;
const SIGN_32 = -0x80000000;
const Q32 = [0.5, 0.1666666716337204, 0.041666463017463684, 0.00833331048488617, 0.0013933751033619046, 0.00019891103147529066];

/** e^y = (1 + p)·2^k, for y in [−104, 89]. */
function expParts32(b: Block, y: string): { p: string; k: string } {
  const { fn } = b;
  const f = ops('f32x4', fn.variant);
  const c = (x: number) => fn.f32(x);
  const shifted = b.let('shifted', f.add(f.mul(y, c(INV_LN2_32)), c(ROUND_32)));
  const k = b.let('k', f.sub(shifted, c(ROUND_32)));
  const r = b.let('r', f.sub(f.sub(y, f.mul(k, c(LN2_HI_32))), f.mul(k, c(LN2_LO_32))));
  const r2 = b.let('r2', f.mul(r, r));
  const p = b.let('p', f.add(r, f.mul(r2, estrin(b, 'r', f, r, r2, Q32.map(c)))));
  const ki = b.let('ki', `(i32x4.sub ${shifted} ${fn.i32(ROUND_32_BITS)})`);
  return { p, k: ki };
}

function pow2_32(fn: Fn, k: string): string {
  return `(i32x4.add (i32x4.shl ${k} (i32.const 23)) ${fn.i32(ONE_32_BITS)})`;
}

function pow2Split32(b: Block, k: string): [string, string] {
  const k1 = b.let('k1', `(i32x4.shr_s ${k} (i32.const 1))`);
  const k2 = b.let('k2', `(i32x4.sub ${k} ${k1})`);
  return [b.let('scale1', pow2_32(b.fn, k1)), b.let('scale2', pow2_32(b.fn, k2))];
}

function tanh32(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f32x4', fn.variant);
  const c = (v: number) => fn.f32(v);
  // tanh rounds to 1 in float32 from 9.01.
  const y = b.let('y', f.mul(f.pmin(and(x, fn.i32(ABS_32)), c(10)), c(-2)));
  const { p, k } = expParts32(b, y);
  const scale = b.let('scale', pow2_32(fn, k)); // k in [−29, 0]
  const scaledP = b.let('scaled_p', f.mul(scale, p));
  const q = f.div(f.sub(f.sub(c(1), scale), scaledP), f.add(f.add(c(1), scale), scaledP));
  return or(q, and(x, fn.i32(SIGN_32)));
}

function sigmoid32(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f32x4', fn.variant);
  const c = (v: number) => fn.f32(v);
  const y = b.let('y', f.neg(f.pmin(and(x, fn.i32(ABS_32)), c(104))));
  const { p, k } = expParts32(b, y);
  const [scale1, scale2] = pow2Split32(b, k);
  const g = b.let('g', f.mul(f.mul(f.add(c(1), p), scale1), scale2));
  return f.div(select(g, c(1), f.lt(x, c(0))), f.add(c(1), g));
}

function exp32(b: Block, x: string): string {
  const { fn } = b;
  const f = ops('f32x4', fn.variant);
  const y = b.let('y', f.pmin(f.pmax(x, fn.f32(-104)), fn.f32(89)));
  const { p, k } = expParts32(b, y);
  const [scale1, scale2] = pow2Split32(b, k);
  return f.mul(f.mul(f.add(fn.f32(1), p), scale1), scale2);
}

// ---------------------------------------------------------------------------
// The kernels.

const suffix = (lanes: Lanes) => `_${lanes.t}`;

/**
 * A way to compute a function on the lanes whose |x| is in its domain (`when`, a
 * lane mask). The last path, without one, takes the lanes the other does not
 * (NaN included). `shortcut`: a cheaper way that gives the same results, for
 * vectors whose lanes all pass its own test.
 */
interface Path {
  when?: (fn: Fn, ax: string) => string;
  g: (b: Block, x: string, ax: string) => string;
  shortcut?: Path;
}

/**
 * out[i] = g(in[i]), two vectors per pass, their code interleaved: each is one
 * long dependency chain, and the processor overlaps two.
 *
 * With two paths (tanh_f64: |x| ≥ 1, and the rest), a lane's result depends only
 * on its own value, never on its neighbours: results must not change with how a
 * batch is split. A sweep over the input first looks for a lane in the special
 * path's domain; with none (a fresh net's hidden values) a loop with no branch in
 * it runs the general path (V8 compiles a path ~20% slower inside an if); else the
 * compacted passes below give each lane its own path's result.
 */
function unary(variant: Variant, lanes: Lanes, name: string, paths: Path[]): string {
  const fn = new Fn(variant);
  const is64 = lanes.t === 'f64';
  const absMask = is64 ? fn.i64(ABS_64) : fn.i32(ABS_32);
  const only = (p: Path): Step => (count, load) => {
    const all = Array.from({ length: count }, (_, i) => i);
    const blocks = all.map((i) => new Block(fn, blockSuffix(i)));
    const xs = blocks.map((b, i) => b.let('x', load('in', i)));
    const values = blocks.map((b, i) => p.g(b, xs[i], b.let('ax', and(xs[i], absMask))));
    const results = all.map((i) => fn.local(`result${blockSuffix(i)}`));
    blocks.forEach((b, i) => b.stmts.push(`(local.set $${results[i]} ${values[i]})`));
    return { stmts: interleave(blocks), stores: results.map((r, i): [string, number, string] => ['out', i, get(r)]) };
  };
  const params = '(param $in i32) (param $out i32) (param $n i32)';
  if (paths.length === 1) return fn.render(name + suffix(lanes), params, '', streamLoop(fn, lanes, ['in', 'out'], only(paths[0]), 2));
  if (paths.length !== 2 || paths[0].when === undefined) throw new Error('unary: one special path, then the general one');
  const [special, general] = paths;
  for (const [local, type] of [['scan', 'i32'], ['left', 'i32'], ['any', 'v128']]) fn.local(local, type);
  const note = (v: string) => `(local.set $any (v128.or (local.get $any) ${special.when!(fn, and(v, absMask))}))`;
  const scan = [
    '(block $scan_done',
    `(local.set $scan ${get('in')})`,
    `(local.set $left ${get('n')})`,
    '(local.set $any (v128.const i64x2 0 0))',
    '(block $scan_vectors_done',
    '  (loop $scan_vectors',
    `    (br_if $scan_vectors_done (i32.lt_s ${get('left')} (i32.const ${lanes.width})))`,
    `    ${note(`(v128.load ${get('scan')})`)}`,
    `    (local.set $scan (i32.add ${get('scan')} (i32.const 16)))`,
    `    (local.set $left (i32.sub ${get('left')} (i32.const ${lanes.width})))`,
    `    (br_if $scan_done (v128.any_true (local.get $any)))`,
    '    (br $scan_vectors)))',
    '(block $scan_singles_done',
    '  (loop $scan_singles',
    `    (br_if $scan_singles_done (i32.le_s ${get('left')} (i32.const 0)))`,
    `    ${note(`(${lanes.v}.splat (${lanes.t}.load ${get('scan')}))`)}`,
    `    (local.set $scan (i32.add ${get('scan')} (i32.const ${lanes.bytes})))`,
    `    (local.set $left (i32.sub ${get('left')} (i32.const 1)))`,
    '    (br $scan_singles)))',
    ')',
  ];
  const body = [
    ...scan,
    '(if (i32.eqz (v128.any_true (local.get $any)))',
    '  (then',
    ...streamLoop(fn, lanes, ['in', 'out'], only(general), 2, 'general_').map((line) => `    ${line}`),
    '  )',
    '  (else',
    ...compacted(fn, lanes, special, general).map((line) => `    ${line}`),
    '  ))',
  ];
  return fn.render(name + suffix(lanes), params, '', body);
}

/** Values per chunk of a compacted pass, and where its list of general lanes goes (the GEMM's scratch, free between calls). */
const CHUNK = 1024;
const LIST = SCRATCH_A;

/**
 * Arrays that mix both kinds of lane, in chunks of CHUNK values: a first pass
 * computes the special path for every lane (the cheap one: tanh's |x| ≥ 1), stores
 * it where its lane is in the domain and the input value elsewhere, and lists the
 * byte offsets of the other lanes; a second pass gathers those, two by two, into
 * vectors for the general path and scatters the results. Each lane still gets its
 * own path's result, whatever its neighbours. (Computing both paths for every
 * vector with a lane of each kind, as before, cost the trained planar net's hidden
 * layer, 6% of |z| < 1 in random places, 3.3 ns a value; see docs/kernels.md.)
 * The pass over the list reads the input, never what the first pass stored, so
 * the output may be the input.
 */
function compacted(fn: Fn, lanes: Lanes, special: Path, general: Path): string[] {
  if (lanes.t !== 'f64') throw new Error('compacted: float64 only');
  const absMask = fn.i64(ABS_64);
  for (const [local, type] of [['chunk', 'i32'], ['off', 'i32'], ['end', 'i32'], ['list', 'i32'], ['o0', 'i32'], ['o1', 'i32'], ['o2', 'i32'], ['o3', 'i32']]) fn.local(local, type);
  /** Phase one on `count` vectors at byte offsets off + 16·i (or one value, splatted). */
  const first = (count: number, single: boolean): string[] => {
    const blocks = Array.from({ length: count }, (_, i) => new Block(fn, `_a${i}`));
    const xs = blocks.map((b, i) => b.let('x', single ? `(f64x2.splat (f64.load (i32.add ${get('in')} ${get('off')})))` : `(v128.load offset=${16 * i} (i32.add ${get('in')} ${get('off')}))`));
    const axs = blocks.map((b, i) => b.let('ax', and(xs[i], absMask)));
    const ins = blocks.map((b, i) => b.let('in_path', special.when!(fn, axs[i])));
    const values = blocks.map((b, i) => special.g(b, xs[i], axs[i]));
    const results = blocks.map((b, i) => b.let('result', select(values[i], xs[i], ins[i])));
    const stmts = interleave(blocks);
    const note = (i: number, lane: number) => [
      `(i32.store ${get('list')} (i32.add ${get('off')} (i32.const ${16 * i + 8 * lane})))`,
      `(local.set $list (i32.add ${get('list')} (i32.add (i32.const 4) (i32.shl (i32.wrap_i64 (i64x2.extract_lane ${lane} ${ins[i]})) (i32.const 2)))))`,
    ];
    if (single) return [...stmts, `(f64.store (i32.add ${get('out')} ${get('off')}) (f64x2.extract_lane 0 ${results[0]}))`, ...note(0, 0)];
    const full = [
      ...stmts,
      ...results.map((r, i) => `(v128.store offset=${16 * i} (i32.add ${get('out')} ${get('off')}) ${r})`),
      ...blocks.flatMap((_, i) => [...note(i, 0), ...note(i, 1)]),
    ];
    // Passes whose lanes all take the special path's shortcut (tanh: ±1) skip it.
    const cut = special.shortcut;
    if (!cut) return full;
    const head = blocks.flatMap((b) => b.stmts.slice(0, 2));
    blocks.forEach((b) => b.stmts.splice(0, 2));
    const rest = [
      ...interleave(blocks),
      ...results.map((r, i) => `(v128.store offset=${16 * i} (i32.add ${get('out')} ${get('off')}) ${r})`),
      ...blocks.flatMap((_, i) => [...note(i, 0), ...note(i, 1)]),
    ];
    const shortcut = blocks.map((b, i) => `(v128.store offset=${16 * i} (i32.add ${get('out')} ${get('off')}) ${cut.g(b, xs[i], axs[i])})`);
    return [
      ...head,
      `(if (i64x2.all_true ${axs.map((ax) => cut.when!(fn, ax)).reduce(and)})`,
      '  (then',
      ...shortcut.map((line) => `    ${line}`),
      '  )',
      '  (else',
      ...rest.map((line) => `    ${line}`),
      '  ))',
    ];
  };
  /** Phase two on `count` listed values (1, 2 or 4), offsets in o0…o3. */
  const second = (count: number): string[] => {
    const vectors = Math.ceil(count / 2);
    const blocks = Array.from({ length: vectors }, (_, i) => new Block(fn, `_b${i}`));
    const load = (j: number) => `(f64.load (i32.add ${get('in')} ${get(`o${j}`)}))`;
    const xs = blocks.map((b, i) =>
      b.let('x', count === 1 ? `(f64x2.splat ${load(0)})` : `(f64x2.replace_lane 1 (f64x2.splat ${load(2 * i)}) ${load(2 * i + 1)})`),
    );
    const values = blocks.map((b, i) => general.g(b, xs[i], and(xs[i], absMask)));
    const results = blocks.map((b, i) => b.let('result', values[i]));
    const reads = Array.from({ length: count }, (_, j) => `(local.set $o${j} (i32.load offset=${4 * j} ${get('list')}))`);
    const stores = Array.from({ length: count }, (_, j) => `(f64.store (i32.add ${get('out')} ${get(`o${j}`)}) (f64x2.extract_lane ${j % 2} ${results[j >> 1]}))`);
    return [...reads, ...interleave(blocks), ...stores, `(local.set $list (i32.add ${get('list')} (i32.const ${4 * count})))`];
  };
  const loop = (name: string, condition: string, body: string[]) => [
    `(block $${name}_done`,
    `  (loop $${name}`,
    `    (br_if $${name}_done ${condition})`,
    ...body.map((line) => `    ${line}`),
    `    (br $${name})))`,
  ];
  const bytes = `(i32.shl ${get('chunk')} (i32.const 3))`;
  return loop('chunks', `(i32.le_s ${get('n')} (i32.const 0))`, [
    `(local.set $chunk (select (i32.const ${CHUNK}) ${get('n')} (i32.gt_s ${get('n')} (i32.const ${CHUNK}))))`,
    `(local.set $list (i32.const ${LIST}))`,
    '(local.set $off (i32.const 0))',
    `(local.set $end ${bytes})`,
    ...loop('first_pairs', `(i32.gt_s (i32.add ${get('off')} (i32.const 32)) ${get('end')})`, [...first(2, false), `(local.set $off (i32.add ${get('off')} (i32.const 32)))`]),
    ...loop('first_vectors', `(i32.gt_s (i32.add ${get('off')} (i32.const 16)) ${get('end')})`, [...first(1, false), `(local.set $off (i32.add ${get('off')} (i32.const 16)))`]),
    ...loop('first_singles', `(i32.ge_s ${get('off')} ${get('end')})`, [...first(1, true), `(local.set $off (i32.add ${get('off')} (i32.const 8)))`]),
    `(local.set $end ${get('list')})`,
    `(local.set $list (i32.const ${LIST}))`,
    ...loop('second_quads', `(i32.gt_s (i32.add ${get('list')} (i32.const 16)) ${get('end')})`, second(4)),
    ...loop('second_pairs', `(i32.gt_s (i32.add ${get('list')} (i32.const 8)) ${get('end')})`, second(2)),
    ...loop('second_singles', `(i32.ge_s ${get('list')} ${get('end')})`, second(1)),
    `(local.set $in (i32.add ${get('in')} ${bytes}))`,
    `(local.set $out (i32.add ${get('out')} ${bytes}))`,
    `(local.set $n (i32.sub ${get('n')} ${get('chunk')}))`,
  ]);
}

function relu(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  const body = streamLoop(fn, lanes, ['z', 'a'], perVector(fn, (b, load) => {
    const z = b.let('z_v', load('z'));
    return [['a', select(z, scaled(b, lanes, z, 'z'), ops(lanes.v, variant).gt(z, zero(fn, lanes)))]];
  }), 2);
  return fn.render(`relu${suffix(lanes)}`, '(param $z i32) (param $a i32) (param $n i32) (param $slope f64)', '', body);
}

function reluBackward(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  const body = streamLoop(fn, lanes, ['dA', 'Z', 'dZ'], perVector(fn, (b, load) => {
    const dA = b.let('dA_v', load('dA'));
    const z = b.let('z_v', load('Z'));
    return [['dZ', select(dA, scaled(b, lanes, dA, 'dA'), ops(lanes.v, variant).gt(z, zero(fn, lanes)))]];
  }), 2);
  return fn.render(
    `relu_backward${suffix(lanes)}`,
    '(param $dA i32) (param $Z i32) (param $dZ i32) (param $n i32) (param $slope f64)',
    '',
    body,
  );
}

function zero(fn: Fn, lanes: Lanes): string {
  return lanes.t === 'f64' ? fn.f64(0) : fn.f32(0);
}

/** slope·v, computed in double and rounded to the lanes' type, as the reference does. */
function scaled(b: Block, lanes: Lanes, v: string, name: string): string {
  const f = ops('f64x2', b.fn.variant);
  const slope = b.fn.hoist(`(f64x2.splat ${get('slope')})`);
  if (lanes.t === 'f64') return f.mul(v, slope);
  const [lo, hi] = widen(b, v, name);
  return narrow(f.mul(lo, slope), f.mul(hi, slope));
}

/** dZ = dA·g'(A) from A, for tanh (1 − A²) and sigmoid (A·(1 − A)), in the reference's order. */
function activationBackward(variant: Variant, lanes: Lanes, name: string, g: (f: ReturnType<typeof ops>, one: string, dA: string, a: string) => string): string {
  const fn = new Fn(variant);
  const f = ops('f64x2', variant);
  const one = fn.f64(1);
  const body = streamLoop(fn, lanes, ['dA', 'A', 'dZ'], perVector(fn, (b, load) => {
    const dA = b.let('dA_v', load('dA'));
    const a = b.let('a_v', load('A'));
    if (lanes.t === 'f64') return [['dZ', g(f, one, dA, a)]];
    const [dALo, dAHi] = widen(b, dA, 'dA');
    const [aLo, aHi] = widen(b, a, 'a');
    return [['dZ', narrow(g(f, one, dALo, aLo), g(f, one, dAHi, aHi))]];
  }), 2);
  return fn.render(name + suffix(lanes), '(param $dA i32) (param $A i32) (param $dZ i32) (param $n i32)', '', body);
}

function axpy(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  const f = ops('f64x2', variant);
  const alpha = fn.hoist(`(f64x2.splat ${get('alpha')})`);
  const body = streamLoop(fn, lanes, ['x', 'y'], perVector(fn, (b, load) => {
    const x = b.let('x_v', load('x'));
    const y = b.let('y_v', load('y'));
    if (lanes.t === 'f64') return [['y', f.add(y, f.mul(alpha, x))]];
    const [xLo, xHi] = widen(b, x, 'x');
    const [yLo, yHi] = widen(b, y, 'y');
    return [['y', narrow(f.add(yLo, f.mul(alpha, xLo)), f.add(yHi, f.mul(alpha, xHi)))]];
  }), 2);
  return fn.render(`axpy${suffix(lanes)}`, '(param $alpha f64) (param $x i32) (param $y i32) (param $n i32)', '', body);
}

function multiply(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  // A product of two floats is exact in double, so f32x4.mul rounds as the reference does.
  const body = streamLoop(fn, lanes, ['x', 'y', 'out'], perVector(fn, (_b, load) => [['out', ops(lanes.v, variant).mul(load('x'), load('y'))]]), 2);
  return fn.render(`multiply${suffix(lanes)}`, '(param $x i32) (param $y i32) (param $out i32) (param $n i32)', '', body);
}

function subtract(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  // The difference of two floats rounded once to float32 equals the reference's
  // difference in double rounded to float32 (double rounding is innocuous there).
  const body = streamLoop(fn, lanes, ['x', 'y', 'out'], perVector(fn, (_b, load) => [['out', ops(lanes.v, variant).sub(load('x'), load('y'))]]), 2);
  return fn.render(`subtract${suffix(lanes)}`, '(param $x i32) (param $y i32) (param $out i32) (param $n i32)', '', body);
}

function broadcastColumn(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  fn.local('value');
  fn.local('j', 'i32');
  const { t, v, width, bytes } = lanes;
  const body = [
    '(block $rows_done',
    '  (loop $rows',
    `    (br_if $rows_done (i32.le_s ${get('rows')} (i32.const 0)))`,
    `    (local.set $value (${v}.splat (${t}.load ${get('b')})))`,
    `    (local.set $j ${get('cols')})`,
    '    (block $vectors_done',
    '      (loop $vectors',
    `        (br_if $vectors_done (i32.lt_s ${get('j')} (i32.const ${width})))`,
    `        (v128.store ${get('Z')} ${get('value')})`,
    `        (local.set $Z (i32.add ${get('Z')} (i32.const 16)))`,
    `        (local.set $j (i32.sub ${get('j')} (i32.const ${width})))`,
    '        (br $vectors)))',
    '    (block $singles_done',
    '      (loop $singles',
    `        (br_if $singles_done (i32.le_s ${get('j')} (i32.const 0)))`,
    `        (${t}.store ${get('Z')} (${v}.extract_lane 0 ${get('value')}))`,
    `        (local.set $Z (i32.add ${get('Z')} (i32.const ${bytes})))`,
    `        (local.set $j (i32.sub ${get('j')} (i32.const 1)))`,
    '        (br $singles)))',
    `    (local.set $b (i32.add ${get('b')} (i32.const ${bytes})))`,
    `    (local.set $rows (i32.sub ${get('rows')} (i32.const 1)))`,
    '    (br $rows)))',
  ];
  return fn.render(`broadcast_column${suffix(lanes)}`, '(param $b i32) (param $Z i32) (param $rows i32) (param $cols i32)', '', body);
}

/**
 * Sums `count` values from `pointer` into the f64 local $sum, in double whatever
 * the lanes (as the reference sums in JavaScript numbers): four values per pass
 * into two f64x2 accumulators, then the last ones one by one. `term` maps an
 * accumulator and an f64x2 of values to the new accumulator; `scalar` the same for
 * one f64.
 */
function sumLoop(
  fn: Fn,
  lanes: Lanes,
  pointer: string,
  count: string,
  term: (acc: string, v: string) => string,
  scalar: (sum: string, x: string) => string,
): string[] {
  fn.local('acc0');
  fn.local('acc1');
  fn.local('sum', 'f64');
  const acc = (i: number, v: string) => `(local.set $acc${i} ${term(get(`acc${i}`), v)})`;
  const p = get(pointer);
  const pass =
    lanes.t === 'f64'
      ? [acc(0, `(v128.load ${p})`), acc(1, `(v128.load offset=16 ${p})`), `(local.set $${pointer} (i32.add ${p} (i32.const 32)))`]
      : [
          `(local.set $${fn.local('quad')} (v128.load ${p}))`,
          acc(0, `(f64x2.promote_low_f32x4 ${get('quad')})`),
          acc(1, `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 ${get('quad')} ${get('quad')}))`),
          `(local.set $${pointer} (i32.add ${p} (i32.const 16)))`,
        ];
  const one = lanes.t === 'f64' ? `(f64.load ${p})` : `(f64.promote_f32 (f32.load ${p}))`;
  return [
    '(local.set $acc0 (v128.const i64x2 0 0))',
    '(local.set $acc1 (v128.const i64x2 0 0))',
    '(block $passes_done',
    '  (loop $passes',
    `    (br_if $passes_done (i32.lt_s ${get(count)} (i32.const 4)))`,
    ...pass.map((s) => `    ${s}`),
    `    (local.set $${count} (i32.sub ${get(count)} (i32.const 4)))`,
    '    (br $passes)))',
    '(local.set $acc0 (f64x2.add (local.get $acc0) (local.get $acc1)))',
    '(local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))',
    '(block $singles_done',
    '  (loop $singles',
    `    (br_if $singles_done (i32.le_s ${get(count)} (i32.const 0)))`,
    `    (local.set $sum ${scalar(get('sum'), one)})`,
    `    (local.set $${pointer} (i32.add ${p} (i32.const ${lanes.bytes})))`,
    `    (local.set $${count} (i32.sub ${get(count)} (i32.const 1)))`,
    '    (br $singles)))',
  ];
}

function sumRows(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  fn.local('j', 'i32');
  const sum = sumLoop(fn, lanes, 'A', 'j', (acc, v) => `(f64x2.add ${acc} ${v})`, (s, x) => `(f64.add ${s} ${x})`);
  const total = `(f64.mul ${get('alpha')} ${get('sum')})`;
  const body = [
    '(block $rows_done',
    '  (loop $rows',
    `    (br_if $rows_done (i32.le_s ${get('rows')} (i32.const 0)))`,
    `    (local.set $j ${get('cols')})`,
    ...sum.map((s) => `    ${s}`),
    `    (${lanes.t}.store ${get('out')} ${lanes.t === 'f64' ? total : `(f32.demote_f64 ${total})`})`,
    `    (local.set $out (i32.add ${get('out')} (i32.const ${lanes.bytes})))`,
    `    (local.set $rows (i32.sub ${get('rows')} (i32.const 1)))`,
    '    (br $rows)))',
  ];
  return fn.render(
    `sum_rows${suffix(lanes)}`,
    '(param $A i32) (param $out i32) (param $rows i32) (param $cols i32) (param $alpha f64)',
    '',
    body,
  );
}

function sumSquares(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  const f = ops('f64x2', variant);
  // Squares of floats are exact in double; the relaxed variant may fuse them into the sum.
  const sum = sumLoop(fn, lanes, 'x', 'n', (acc, v) => f.madd(v, v, acc), (s, x) => `(f64.add ${s} (f64.mul ${x} ${x}))`);
  return fn.render(`sum_squares${suffix(lanes)}`, '(param $x i32) (param $n i32)', 'f64', [...sum, get('sum')]);
}

function maxAbs(variant: Variant, lanes: Lanes): string {
  const fn = new Fn(variant);
  const { t, v, width, bytes } = lanes;
  for (const name of ['acc0', 'acc1', 'nan', 'a0', 'a1']) fn.local(name);
  fn.local('max', t);
  // pmax is one instruction where max is several (it ignores a NaN on its right
  // instead of returning it), so NaNs are noted apart and win at the end.
  const take = (i: number) => [
    `(local.set $a${i} (${v}.abs (v128.load offset=${16 * i} ${get('x')})))`,
    `(local.set $acc${i} (${v}.pmax ${get(`acc${i}`)} ${get(`a${i}`)}))`,
    `(local.set $nan (v128.or ${get('nan')} (${v}.ne ${get(`a${i}`)} ${get(`a${i}`)})))`,
  ];
  const loop = (label: string, count: number, stmts: string[]) => [
    `(block $${label}_done`,
    `  (loop $${label}`,
    `    (br_if $${label}_done (i32.lt_s ${get('n')} (i32.const ${count})))`,
    ...stmts.map((st) => `    ${st}`),
    `    (local.set $x (i32.add ${get('x')} (i32.const ${(16 * count) / width})))`,
    `    (local.set $n (i32.sub ${get('n')} (i32.const ${count})))`,
    `    (br $${label})))`,
  ];
  const lanesMax = Array.from({ length: width - 1 }, (_, i) => i + 1).reduce(
    (m, i) => `(${t}.max ${m} (${v}.extract_lane ${i} ${get('acc0')}))`,
    `(${v}.extract_lane 0 ${get('acc0')})`,
  );
  const nan = t === 'f64' ? '(f64.const nan)' : '(f32.const nan)';
  const body = [
    '(local.set $acc0 (v128.const i64x2 0 0))',
    '(local.set $acc1 (v128.const i64x2 0 0))',
    '(local.set $nan (v128.const i64x2 0 0))',
    ...loop('pairs', 2 * width, [...take(0), ...take(1)]),
    ...loop('vectors', width, take(0)),
    `(local.set $acc0 (${v}.pmax ${get('acc0')} ${get('acc1')}))`,
    `(local.set $max ${lanesMax})`,
    '(block $singles_done',
    '  (loop $singles',
    `    (br_if $singles_done (i32.le_s ${get('n')} (i32.const 0)))`,
    `    (local.set $max (${t}.max ${get('max')} (${t}.abs (${t}.load ${get('x')}))))`, // max: NaN sticks
    `    (local.set $x (i32.add ${get('x')} (i32.const ${bytes})))`,
    `    (local.set $n (i32.sub ${get('n')} (i32.const 1)))`,
    '    (br $singles)))',
    `(if (v128.any_true ${get('nan')}) (then (local.set $max ${nan})))`,
    t === 'f64' ? get('max') : `(f64.promote_f32 ${get('max')})`,
  ];
  return fn.render(`max_abs${suffix(lanes)}`, '(param $x i32) (param $n i32)', 'f64', body);
}

export function elementwiseFunctions(variant: Variant): string {
  const functions: string[] = [];
  for (const lanes of [F64, F32]) {
    const is64 = lanes.t === 'f64';
    functions.push(
      unary(variant, lanes, 'tanh', is64 ? TANH_64 : [{ g: tanh32 }]),
      unary(variant, lanes, 'sigmoid', [{ g: is64 ? sigmoid64 : sigmoid32 }]),
      unary(variant, lanes, 'exp', [{ g: is64 ? exp64 : exp32 }]),
      relu(variant, lanes),
      reluBackward(variant, lanes),
      activationBackward(variant, lanes, 'tanh_backward', (f, one, dA, a) => f.mul(dA, f.sub(one, f.mul(a, a)))),
      activationBackward(variant, lanes, 'sigmoid_backward', (f, one, dA, a) => f.mul(f.mul(dA, a), f.sub(one, a))),
      broadcastColumn(variant, lanes),
      sumRows(variant, lanes),
      sumSquares(variant, lanes),
      axpy(variant, lanes),
      multiply(variant, lanes),
      subtract(variant, lanes),
      maxAbs(variant, lanes),
    );
  }
  return functions.join('\n');
}
