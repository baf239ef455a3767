/**
 * exp and tanh in plain arithmetic, for the activation kernels. V8's Math.exp and
 * Math.tanh are calls into C++ that the JIT cannot inline; these are a few
 * multiply-adds and two table loads, three to five times faster in a loop, and
 * within 2 ulp of Math.exp and 3 ulp of Math.tanh over the whole range
 * (test/core/fastmath.test.ts checks millions of points, the edges included).
 *
 * exp(x) = 2^(k/64) · e^r with k = round(64·x/ln2) and |r| ≤ ln2/128: the first
 * factor is a table entry times a power of two, the second a degree-5 Taylor
 * polynomial (its truncation error, r⁶/720 < 4e-17, is below half an ulp).
 */

const N = 64;
/** 2^(j/64), j = 0…63. */
const POW2_FRACTION = Float64Array.from({ length: N }, (_, j) => Math.pow(2, j / N));
/** 2^e for e = −1075…1025, indexed by e + 1075. */
const POW2_INTEGER = Float64Array.from({ length: 2101 }, (_, i) => Math.pow(2, i - 1075));
const N_OVER_LN2 = N / Math.LN2;
// ln2 split as fdlibm does: LN2_HI has 32 significant bits, so k·LN2_HI/64 is
// exact for every k that reaches here, and LN2_HI + LN2_LO is ln2 to ~1e-26.
const LN2_HI_N = 6.93147180369123816490e-1 / N;
const LN2_LO_N = 1.90821492927058770002e-10 / N;
/** Adding and subtracting 1.5·2^52 rounds to an integer in plain arithmetic. */
const ROUND = 6755399441055744;
/** Beyond these, exp overflows to Infinity or underflows to 0. */
const EXP_MAX = 709.782712893384;
const EXP_MIN = -745.1332191019412;

/** e^x, within 2 ulp of Math.exp. */
export function exp(x: number): number {
  if (x > EXP_MAX) return Infinity;
  if (x < EXP_MIN) return 0;
  const kd = x * N_OVER_LN2 + ROUND - ROUND; // NaN stays NaN and flows through
  const r = x - kd * LN2_HI_N - kd * LN2_LO_N;
  const k = kd | 0;
  const p = 1 + (r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120)))));
  // Table entry times polynomial first (a number in [1, 2)), then the power of
  // two: one rounding, even where the result is subnormal. 2^1024 is not a
  // double, so the top of the range takes its last factor of two apart.
  const e = k >> 6;
  const mantissa = POW2_FRACTION[k & (N - 1)] * p;
  return e > 1023 ? mantissa * 2 * POW2_INTEGER[e + 1074] : mantissa * POW2_INTEGER[e + 1075];
}

// tanh near 0 is a rational function (Cephes' coefficients, relative error about
// 2.5e-16 for |x| < 0.625); beyond, 1 − 2/(e^(2|x|) + 1), which has no cancellation there.
const P0 = -9.64399179425052238628e-1;
const P1 = -9.92877231001918586564e1;
const P2 = -1.61468768441708447952e3;
const Q0 = 1.12811678491632931402e2;
const Q1 = 2.23548839060100448583e3;
const Q2 = 4.84406305325125486048e3;

/** tanh(x), within 3 ulp of Math.tanh. */
export function tanh(x: number): number {
  const z = Math.abs(x);
  if (z === 0) return x; // keeps the sign of −0
  if (z < 0.625) {
    const s = x * x;
    return x + x * s * ((P0 * s + P1) * s + P2) / (((s + Q0) * s + Q1) * s + Q2);
  }
  const t = 1 - 2 / (exp(2 * z) + 1);
  return x < 0 ? -t : t;
}
