/**
 * The numeric kernels of the core: every matrix product and every loop over a
 * whole matrix that the network needs goes through this module, so that a faster
 * implementation (SIMD WebAssembly) can replace it without touching the rest.
 *
 * Conventions, as in BLAS: C = alpha · op(A) · op(B) + beta · C, all matrices
 * row-major. `NN` is A·B, `NT` is A·Bᵀ, `TN` is Aᵀ·B. Outputs are written into
 * caller-owned matrices so that the training loop allocates nothing.
 *
 * These plain TypeScript kernels are the reference implementation: keep them
 * simple and correct first, fast second.
 */
import * as fast from './fastmath';
import { type FloatArray, Matrix, ShapeError } from './matrix';

function checkProduct(
  what: string,
  m: number,
  k1: number,
  k2: number,
  n: number,
  A: Matrix,
  B: Matrix,
  C: Matrix,
): void {
  if (k1 !== k2 || C.rows !== m || C.cols !== n) {
    throw new ShapeError(
      `${what}: cannot multiply ${A.shapeText} by ${B.shapeText} into ${C.shapeText}`,
    );
  }
}

function prepareOutput(C: FloatArray, beta: number): void {
  if (beta === 0) C.fill(0);
  else if (beta !== 1) for (let i = 0; i < C.length; i++) C[i] *= beta;
}

/** C = alpha · A · B + beta · C, for A (m, k), B (k, n), C (m, n). */
export function gemmNN(A: Matrix, B: Matrix, C: Matrix, alpha = 1, beta = 0): void {
  const m = A.rows;
  const k = A.cols;
  const n = B.cols;
  checkProduct('gemmNN', m, k, B.rows, n, A, B, C);
  prepareOutput(C.data, beta);
  // i-k-j order: the inner loop runs along contiguous rows of B and C. Blocks of
  // four rows of C and four steps of k do 16 multiply-adds per pass for four
  // loads of B and one load and store of each of the four C entries.
  let i = 0;
  for (; i + 4 <= m; i += 4) nnFourRows(A.data, B.data, C.data, i, k, n, alpha);
  for (; i < m; i++) nnOneRow(A.data, B.data, C.data, i, k, n, alpha);
}

function nnFourRows(a: FloatArray, b: FloatArray, c: FloatArray, i: number, k: number, n: number, alpha: number): void {
  const c0 = i * n;
  const c1 = c0 + n;
  const c2 = c1 + n;
  const c3 = c2 + n;
  const r0 = i * k;
  const r1 = r0 + k;
  const r2 = r1 + k;
  const r3 = r2 + k;
  let p = 0;
  for (; p + 4 <= k; p += 4) {
    const a00 = alpha * a[r0 + p], a01 = alpha * a[r0 + p + 1], a02 = alpha * a[r0 + p + 2], a03 = alpha * a[r0 + p + 3];
    const a10 = alpha * a[r1 + p], a11 = alpha * a[r1 + p + 1], a12 = alpha * a[r1 + p + 2], a13 = alpha * a[r1 + p + 3];
    const a20 = alpha * a[r2 + p], a21 = alpha * a[r2 + p + 1], a22 = alpha * a[r2 + p + 2], a23 = alpha * a[r2 + p + 3];
    const a30 = alpha * a[r3 + p], a31 = alpha * a[r3 + p + 1], a32 = alpha * a[r3 + p + 2], a33 = alpha * a[r3 + p + 3];
    const b0 = p * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let j = 0; j < n; j++) {
      const x0 = b[b0 + j];
      const x1 = b[b1 + j];
      const x2 = b[b2 + j];
      const x3 = b[b3 + j];
      c[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3;
      c[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3;
      c[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3;
      c[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3;
    }
  }
  // Two steps at a time, then one: a small k (the planar net's 2 inputs) takes a
  // single pass over C.
  for (; p + 2 <= k; p += 2) {
    const a00 = alpha * a[r0 + p], a01 = alpha * a[r0 + p + 1];
    const a10 = alpha * a[r1 + p], a11 = alpha * a[r1 + p + 1];
    const a20 = alpha * a[r2 + p], a21 = alpha * a[r2 + p + 1];
    const a30 = alpha * a[r3 + p], a31 = alpha * a[r3 + p + 1];
    const b0 = p * n;
    const b1 = b0 + n;
    for (let j = 0; j < n; j++) {
      const x0 = b[b0 + j];
      const x1 = b[b1 + j];
      c[c0 + j] += a00 * x0 + a01 * x1;
      c[c1 + j] += a10 * x0 + a11 * x1;
      c[c2 + j] += a20 * x0 + a21 * x1;
      c[c3 + j] += a30 * x0 + a31 * x1;
    }
  }
  for (; p < k; p++) {
    const a0 = alpha * a[r0 + p];
    const a1 = alpha * a[r1 + p];
    const a2 = alpha * a[r2 + p];
    const a3 = alpha * a[r3 + p];
    const bp = p * n;
    for (let j = 0; j < n; j++) {
      const x = b[bp + j];
      c[c0 + j] += a0 * x;
      c[c1 + j] += a1 * x;
      c[c2 + j] += a2 * x;
      c[c3 + j] += a3 * x;
    }
  }
}

function nnOneRow(a: FloatArray, b: FloatArray, c: FloatArray, i: number, k: number, n: number, alpha: number): void {
  const ci = i * n;
  const r = i * k;
  let p = 0;
  // Four steps of k per pass over the row of C, as in nnFourRows.
  for (; p + 4 <= k; p += 4) {
    const a0 = alpha * a[r + p];
    const a1 = alpha * a[r + p + 1];
    const a2 = alpha * a[r + p + 2];
    const a3 = alpha * a[r + p + 3];
    const b0 = p * n;
    const b1 = b0 + n;
    const b2 = b1 + n;
    const b3 = b2 + n;
    for (let j = 0; j < n; j++) c[ci + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
  }
  for (; p < k; p++) {
    const ai = alpha * a[r + p];
    const bp = p * n;
    for (let j = 0; j < n; j++) c[ci + j] += ai * b[bp + j];
  }
}

/** C = alpha · A · Bᵀ + beta · C, for A (m, k), B (n, k), C (m, n). */
export function gemmNT(A: Matrix, B: Matrix, C: Matrix, alpha = 1, beta = 0): void {
  const m = A.rows;
  const k = A.cols;
  const n = B.rows;
  checkProduct('gemmNT', m, k, B.cols, n, A, B, C);
  const a = A.data;
  const b = B.data;
  const c = C.data;
  // Each entry is a dot product of two contiguous rows. Blocks of four rows of A
  // by two rows of B keep eight sums in registers: six loads per eight
  // multiply-adds.
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    let j = 0;
    for (; j + 2 <= n; j += 2) ntFourByTwo(a, b, c, i, j, k, n, alpha, beta);
    for (; j < n; j++) for (let r = i; r < i + 4; r++) store(c, r * n + j, alpha * dot(a, r * k, b, j * k, k), beta);
  }
  for (; i < m; i++) {
    for (let j = 0; j < n; j++) store(c, i * n + j, alpha * dot(a, i * k, b, j * k, k), beta);
  }
}

function ntFourByTwo(a: FloatArray, b: FloatArray, c: FloatArray, i: number, j: number, k: number, n: number, alpha: number, beta: number): void {
  const a0 = i * k;
  const a1 = a0 + k;
  const a2 = a1 + k;
  const a3 = a2 + k;
  const b0 = j * k;
  const b1 = b0 + k;
  let s00 = 0, s10 = 0, s20 = 0, s30 = 0;
  let s01 = 0, s11 = 0, s21 = 0, s31 = 0;
  for (let p = 0; p < k; p++) {
    const x = b[b0 + p];
    const y = b[b1 + p];
    const u0 = a[a0 + p];
    const u1 = a[a1 + p];
    const u2 = a[a2 + p];
    const u3 = a[a3 + p];
    s00 += u0 * x;
    s10 += u1 * x;
    s20 += u2 * x;
    s30 += u3 * x;
    s01 += u0 * y;
    s11 += u1 * y;
    s21 += u2 * y;
    s31 += u3 * y;
  }
  const o = i * n + j;
  store(c, o, alpha * s00, beta);
  store(c, o + n, alpha * s10, beta);
  store(c, o + 2 * n, alpha * s20, beta);
  store(c, o + 3 * n, alpha * s30, beta);
  store(c, o + 1, alpha * s01, beta);
  store(c, o + n + 1, alpha * s11, beta);
  store(c, o + 2 * n + 1, alpha * s21, beta);
  store(c, o + 3 * n + 1, alpha * s31, beta);
}

function dot(a: FloatArray, ai: number, b: FloatArray, bi: number, k: number): number {
  let s = 0;
  for (let p = 0; p < k; p++) s += a[ai + p] * b[bi + p];
  return s;
}

function store(c: FloatArray, index: number, value: number, beta: number): void {
  c[index] = beta === 0 ? value : value + beta * c[index];
}

/** C = alpha · Aᵀ · B + beta · C, for A (k, m), B (k, n), C (m, n). */
export function gemmTN(A: Matrix, B: Matrix, C: Matrix, alpha = 1, beta = 0): void {
  const k = A.rows;
  const m = A.cols;
  const n = B.cols;
  checkProduct('gemmTN', m, k, B.rows, n, A, B, C);
  const a = A.data;
  const b = B.data;
  const c = C.data;
  // p-i-j order: row p of A scales row p of B into every row of C. With beta = 0
  // the first row writes C instead of a zero fill followed by an add.
  let p = 0;
  if (beta === 0 && k > 0) {
    for (let i = 0; i < m; i++) {
      const av = alpha * a[i];
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] = av * b[j];
    }
    p = 1;
  } else {
    prepareOutput(c, beta);
  }
  for (; p < k; p++) {
    const ap = p * m;
    const bp = p * n;
    for (let i = 0; i < m; i++) {
      const av = alpha * a[ap + i];
      if (av === 0) continue;
      const ci = i * n;
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
    }
  }
}

/**
 * Z[:, j] = b for every column j, for Z (n, m) and b (n, 1). The forward pass
 * writes the bias first and accumulates W·A onto it (gemmNN with beta = 1), which
 * saves a pass over Z compared with adding b afterwards.
 */
export function broadcastColumn(b: Matrix, Z: Matrix): void {
  if (b.rows !== Z.rows || b.cols !== 1) {
    throw new ShapeError(`broadcastColumn: cannot spread ${b.shapeText} over the columns of ${Z.shapeText}`);
  }
  const m = Z.cols;
  for (let i = 0; i < Z.rows; i++) Z.data.fill(b.data[i], i * m, (i + 1) * m);
}

/** out = alpha · Σ_j A[:, j], the row sums as an (n, 1) column: db = 1/m · Σ dZ. */
export function sumRows(A: Matrix, out: Matrix, alpha = 1): void {
  if (out.rows !== A.rows || out.cols !== 1) {
    throw new ShapeError(`sumRows: cannot sum the rows of ${A.shapeText} into ${out.shapeText}`);
  }
  const a = A.data;
  const m = A.cols;
  for (let i = 0; i < A.rows; i++) {
    let s = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) s += a[row + j];
    out.data[i] = alpha * s;
  }
}

/** Σ x², over the whole array: the squared Frobenius norm, for L2 regularization. */
export function sumSquares(x: FloatArray): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return s;
}

/** y += alpha · x, elementwise. */
export function axpy(alpha: number, x: FloatArray, y: FloatArray): void {
  if (x.length !== y.length) {
    throw new ShapeError(`axpy: lengths ${x.length} and ${y.length} differ`);
  }
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

/** out = x ⊙ y, elementwise (out may alias x or y). */
export function multiply(x: FloatArray, y: FloatArray, out: FloatArray): void {
  if (x.length !== y.length || out.length !== x.length) {
    throw new ShapeError(`multiply: lengths ${x.length}, ${y.length} and ${out.length} differ`);
  }
  for (let i = 0; i < x.length; i++) out[i] = x[i] * y[i];
}

/** Whether every value is finite (no NaN, no ±Infinity). */
export function allFinite(x: FloatArray): boolean {
  for (let i = 0; i < x.length; i++) {
    // x - x is NaN exactly when x is NaN or infinite.
    if (x[i] - x[i] !== 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Activation functions and their derivatives, over whole arrays. Backward forms
// compute dZ = dA ⊙ g'(Z), using whichever of Z or A gives g' most cheaply.
// exp and tanh come from fastmath.ts: inlinable, within 2–3 ulp of Math's.

/** A = 1 / (1 + e^(−Z)). */
export function sigmoidForward(Z: FloatArray, A: FloatArray): void {
  for (let i = 0; i < Z.length; i++) A[i] = 1 / (1 + fast.exp(-Z[i]));
}

/** dZ = dA ⊙ A ⊙ (1 − A). */
export function sigmoidBackward(dA: FloatArray, A: FloatArray, dZ: FloatArray): void {
  for (let i = 0; i < A.length; i++) {
    const a = A[i];
    dZ[i] = dA[i] * a * (1 - a);
  }
}

/** A = tanh(Z). */
export function tanhForward(Z: FloatArray, A: FloatArray): void {
  for (let i = 0; i < Z.length; i++) A[i] = fast.tanh(Z[i]);
}

/** dZ = dA ⊙ (1 − A²). */
export function tanhBackward(dA: FloatArray, A: FloatArray, dZ: FloatArray): void {
  for (let i = 0; i < A.length; i++) {
    const a = A[i];
    dZ[i] = dA[i] * (1 - a * a);
  }
}

/** A = max(slope · Z, Z): relu for slope 0, leaky relu otherwise. */
export function reluForward(Z: FloatArray, A: FloatArray, slope = 0): void {
  for (let i = 0; i < Z.length; i++) {
    const z = Z[i];
    A[i] = z > 0 ? z : slope * z;
  }
}

/** dZ = dA where Z > 0, slope · dA elsewhere (the course sets dZ[Z <= 0] = 0). */
export function reluBackward(dA: FloatArray, Z: FloatArray, dZ: FloatArray, slope = 0): void {
  for (let i = 0; i < Z.length; i++) dZ[i] = Z[i] > 0 ? dA[i] : slope * dA[i];
}

/** A = Z. */
export function copyInto(Z: FloatArray, A: FloatArray): void {
  A.set(Z);
}

/**
 * Column-wise softmax of Z (k, m) into A: each column minus its maximum, so that
 * exp never overflows.
 */
export function softmaxColumns(Z: Matrix, A: Matrix): void {
  const k = Z.rows;
  const m = Z.cols;
  const z = Z.data;
  const a = A.data;
  for (let j = 0; j < m; j++) {
    let max = -Infinity;
    for (let i = 0; i < k; i++) max = Math.max(max, z[i * m + j]);
    let sum = 0;
    for (let i = 0; i < k; i++) {
      const e = fast.exp(z[i * m + j] - max);
      a[i * m + j] = e;
      sum += e;
    }
    for (let i = 0; i < k; i++) a[i * m + j] /= sum;
  }
}
