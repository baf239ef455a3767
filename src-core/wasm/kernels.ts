/**
 * The operations a network runs on whole matrices, in two implementations
 * behind one interface:
 *
 * - REFERENCE_KERNELS: the plain TypeScript kernels of ../kernels.ts, which stay
 *   the reference (tests compare the WebAssembly ones with them);
 * - wasmKernels(arena): the WebAssembly kernels, on matrices that live in the
 *   arena's memory (pointers are their byte offsets). A call whose operands are
 *   not all in the arena in one precision goes to the reference instead, so
 *   callers never need to know where a matrix lives.
 *
 * Shapes are checked here, before any pointer reaches WebAssembly: a wrong shape
 * is a ShapeError naming every shape, as in the reference, never a write past a
 * matrix.
 *
 * Every kernel must give a value the same result whatever its neighbours in the
 * array (vector lanes, tails), or a batch's results would depend on how it is
 * split; test/core/wasm-network.test.ts checks that through the network.
 */
import type { Activation } from '../activations';
import * as ref from '../kernels';
import { type GrowableBuffer, type Matrix, ShapeError } from '../matrix';
import type { OptimizerName, OptimizerSettings } from '../optimizers';
import type { OutputLayer } from '../outputs';
import type { Arena, PrecisionExports } from './arena';

export interface MatrixKernels {
  /** 'reference', or the WebAssembly variant. */
  readonly name: string;
  /** Where matrices for these kernels are allocated; null: ordinary arrays. */
  readonly arena: Arena | null;
  /** C = alpha · A · B + beta · C. */
  gemmNN(A: Matrix, B: Matrix, C: Matrix, alpha?: number, beta?: number): void;
  /**
   * C = alpha · A · Bᵀ + beta · C. `packed`: Bᵀ's copy from packBT, read instead of
   * B (null: none).
   */
  gemmNT(A: Matrix, B: Matrix, C: Matrix, alpha?: number, beta?: number, packed?: Matrix | null): void;
  /** C = alpha · Aᵀ · B + beta · C. */
  gemmTN(A: Matrix, B: Matrix, C: Matrix, alpha?: number, beta?: number): void;
  /**
   * Z = W·A + b, b (rows of W, 1) added to every column: a dense layer's forward
   * product. `packed`: A's copy from packB, read instead of A (null: none).
   */
  dense(W: Matrix, A: Matrix, b: Matrix, Z: Matrix, packed?: Matrix | null): void;
  /**
   * B (K, N) packed once, as the product with an (rows, K) matrix packs it on every
   * call, for dense to read instead; null where these kernels would not use it
   * (they read B in place for that shape, or they are the TypeScript ones).
   */
  packB(B: Matrix, rows: number): Matrix | null;
  /**
   * Bᵀ packed once, B (N, K), for gemmNT(A (rows, K), B) to read instead: the
   * product then runs as the NN one on packed blocks (a first layer's dW = dZ·Xᵀ,
   * like W·X). null where these kernels would not use it.
   */
  packBT(B: Matrix, rows: number): Matrix | null;
  /** Z[:, j] = b for every column j. */
  broadcastColumn(b: Matrix, Z: Matrix): void;
  /** out = alpha · Σ_j A[:, j]. */
  sumRows(A: Matrix, out: Matrix, alpha?: number): void;
  /** Σ x². */
  sumSquares(x: Matrix): number;
  /** max |x|; NaN if any value is NaN. */
  maxAbs(x: Matrix): number;
  /** y += alpha · x. */
  axpy(alpha: number, x: Matrix, y: Matrix): void;
  /** out = x ⊙ y. */
  multiply(x: Matrix, y: Matrix, out: Matrix): void;
  /** A = g(Z) for a hidden layer; `slope` is the leaky relu's. */
  activationForward(g: Activation, Z: Matrix, A: Matrix, slope: number): void;
  /** dZ = dA ⊙ g'(Z), from Z or A as g needs. */
  activationBackward(g: Activation, dA: Matrix, Z: Matrix, A: Matrix, dZ: Matrix, slope: number): void;
  /**
   * out = (Wᵀ·dZ) ⊙ g'(Z): a hidden layer's dZ from the next layer's, the dA product
   * with the activation's derivative applied as it is stored (no dropout between).
   */
  backwardProduct(W: Matrix, dZ: Matrix, g: Activation, Z: Matrix, A: Matrix, out: Matrix, slope: number): void;
  /** A = output activation of Z. */
  outputForward(output: OutputLayer, Z: Matrix, A: Matrix): void;
  /** dZ = the output layer's ∂loss/∂Z (A − Y for sigmoid and softmax), as output.backward computes it. */
  outputBackward(output: OutputLayer, A: Matrix, Y: Matrix, dZ: Matrix): void;
  /**
   * One update of every parameter by the named optimizer, bit for bit as
   * OPTIMIZERS[name].step computes it, from params and grads into out with the
   * float64 moving averages v and s (as many as the optimizer keeps). Returns
   * false, having done nothing, when these kernels cannot run it on these
   * matrices; the caller then runs the optimizer's own step.
   */
  optimizerStep(name: OptimizerName, params: Matrix[], grads: Matrix[], out: Matrix[], v: Matrix[], s: Matrix[], lr: number, t: number, settings: OptimizerSettings): boolean;
}

function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const a = Math.abs(x[i]);
    if (!(a <= m)) m = a; // NaN sticks
  }
  return m;
}

export const REFERENCE_KERNELS: MatrixKernels = {
  name: 'reference',
  arena: null,
  gemmNN: ref.gemmNN,
  gemmNT: ref.gemmNT,
  gemmTN: ref.gemmTN,
  dense(W, A, b, Z) {
    ref.broadcastColumn(b, Z);
    ref.gemmNN(W, A, Z, 1, 1);
  },
  packB: () => null,
  packBT: () => null,
  broadcastColumn: ref.broadcastColumn,
  sumRows: ref.sumRows,
  sumSquares: (x) => ref.sumSquares(x.data),
  maxAbs: (x) => maxAbs(x.data),
  axpy: (alpha, x, y) => ref.axpy(alpha, x.data, y.data),
  multiply: (x, y, out) => ref.multiply(x.data, y.data, out.data),
  activationForward: (g, Z, A) => g.forward(Z.data, A.data),
  activationBackward: (g, dA, Z, A, dZ) => g.backward(dA.data, Z.data, A.data, dZ.data),
  outputForward: (output, Z, A) => output.forward(Z, A),
  outputBackward: (output, A, Y, dZ) => output.backward(A, Y, dZ),
  backwardProduct(W, dZ, g, Z, A, out) {
    ref.gemmTN(W, dZ, out);
    g.backward(out.data, Z.data, A.data, out.data);
  },
  optimizerStep: () => false,
};

function product(what: string, m: number, k1: number, k2: number, n: number, A: Matrix, B: Matrix, C: Matrix): void {
  if (k1 !== k2 || C.rows !== m || C.cols !== n) {
    throw new ShapeError(`${what}: cannot multiply ${A.shapeText} by ${B.shapeText} into ${C.shapeText}`);
  }
}

function sameSize(what: string, ...ms: Matrix[]): void {
  if (ms.some((m) => m.size !== ms[0].size)) {
    throw new ShapeError(`${what}: sizes ${ms.map((m) => m.shapeText).join(', ')} differ`);
  }
}

/** gemm_tn_grad's codes for the derivatives it applies (from A for tanh and sigmoid, from Z for the relus). */
const ACT: Partial<Record<Activation['name'], 1 | 2 | 3>> = { tanh: 1, sigmoid: 2, relu: 3, leaky_relu: 3 };

/** The kernels of one arena, falling back to the reference for matrices outside it. */
export function wasmKernels(arena: Arena, name: string): MatrixKernels {
  const memory: GrowableBuffer = arena;
  /**
   * The exports for these operands, or null when they are not all in the arena
   * in one precision. (Fixed parameters, not a rest array: this runs on every
   * call, and the planar net makes twenty calls in a few microseconds.)
   */
  const on = (a: Matrix, b: Matrix = a, c: Matrix = a, d: Matrix = a): PrecisionExports | null => {
    const p = a.precision;
    if (a.memory !== memory || b.memory !== memory || c.memory !== memory || d.memory !== memory) return null;
    if (b.precision !== p || c.precision !== p || d.precision !== p) return null;
    return p === 'float32' ? arena.f32 : arena.f64;
  };
  /** B, or Bᵀ, packed once as the (K, N) right operand of an NN product; null where it does not pay. */
  const packOnce = (B: Matrix, rows: number, N: number, K: number, pack: 'pack_b_all' | 'pack_bt_all'): Matrix | null => {
    const x = on(B);
    if (!x || !arena.exports.packs_b(rows, N, K)) return null;
    const P = arena.matrix(1, Math.ceil(x.packed_b_size(N, K) / B.data.BYTES_PER_ELEMENT), B.precision);
    if (!P || P.memory !== memory) return null;
    x[pack](at(B), at(P), N, K);
    return P;
  };
  /** Whether a moving average (if the optimizer keeps one) fits parameter `like`. */
  const fits = (state: Matrix | undefined, like: Matrix) =>
    state === undefined || (state.memory === memory && state.precision === 'float64' && state.size === like.size);
  const at = (m: Matrix) => m.byteOffset;
  /** Whether a packed copy of B (N columns of the product, K its depth) can be read: in the arena, in B's precision, and holding all of its packed blocks. */
  const fitsPacked = (x: PrecisionExports, packed: Matrix, B: Matrix, N: number, K: number) =>
    packed.memory === memory && packed.precision === B.precision && packed.size * packed.data.BYTES_PER_ELEMENT >= x.packed_b_size(N, K);

  return {
    name,
    arena,
    gemmNN(A, B, C, alpha = 1, beta = 0) {
      product('gemmNN', A.rows, A.cols, B.rows, B.cols, A, B, C);
      const x = on(A, B, C);
      if (x) x.gemm_nn(at(A), at(B), at(C), A.rows, B.cols, A.cols, alpha, beta);
      else ref.gemmNN(A, B, C, alpha, beta);
    },
    gemmNT(A, B, C, alpha = 1, beta = 0, packed = null) {
      product('gemmNT', A.rows, A.cols, B.cols, B.rows, A, B, C);
      const x = on(A, B, C);
      if (!x) ref.gemmNT(A, B, C, alpha, beta);
      else if (packed && fitsPacked(x, packed, B, B.rows, B.cols)) x.gemm_nt_packed(at(A), at(B), at(C), A.rows, B.rows, A.cols, alpha, beta, at(packed));
      else x.gemm_nt(at(A), at(B), at(C), A.rows, B.rows, A.cols, alpha, beta);
    },
    gemmTN(A, B, C, alpha = 1, beta = 0) {
      product('gemmTN', A.cols, A.rows, B.rows, B.cols, A, B, C);
      const x = on(A, B, C);
      if (x) x.gemm_tn(at(A), at(B), at(C), A.cols, B.cols, A.rows, alpha, beta);
      else ref.gemmTN(A, B, C, alpha, beta);
    },
    dense(W, A, b, Z, packed = null) {
      product('dense', W.rows, W.cols, A.rows, A.cols, W, A, Z);
      if (b.rows !== W.rows || b.cols !== 1) throw new ShapeError(`dense: a bias ${b.shapeText} for ${W.rows} rows`);
      const x = on(W, A, Z, b);
      const P = x && packed && fitsPacked(x, packed, A, A.cols, A.rows) ? at(packed) : 0;
      if (x) x.gemm_nn_bias(at(W), at(A), at(Z), W.rows, A.cols, W.cols, 1, at(b), P);
      else {
        ref.broadcastColumn(b, Z);
        ref.gemmNN(W, A, Z, 1, 1);
      }
    },
    packB(B, rows) {
      return packOnce(B, rows, B.cols, B.rows, 'pack_b_all');
    },
    packBT(B, rows) {
      // Bᵀ is (K, N) = (B.cols, B.rows).
      return packOnce(B, rows, B.rows, B.cols, 'pack_bt_all');
    },
    broadcastColumn(b, Z) {
      const x = b.rows === Z.rows && b.cols === 1 ? on(b, Z) : null;
      if (x) x.broadcast_column(at(b), at(Z), Z.rows, Z.cols);
      else ref.broadcastColumn(b, Z);
    },
    sumRows(A, out, alpha = 1) {
      const x = out.rows === A.rows && out.cols === 1 ? on(A, out) : null;
      if (x) x.sum_rows(at(A), at(out), A.rows, A.cols, alpha);
      else ref.sumRows(A, out, alpha);
    },
    sumSquares(v) {
      const x = on(v);
      return x ? x.sum_squares(at(v), v.size) : ref.sumSquares(v.data);
    },
    maxAbs(v) {
      const x = on(v);
      return x ? x.max_abs(at(v), v.size) : maxAbs(v.data);
    },
    axpy(alpha, v, y) {
      sameSize('axpy', v, y);
      const x = on(v, y);
      if (x) x.axpy(alpha, at(v), at(y), v.size);
      else ref.axpy(alpha, v.data, y.data);
    },
    multiply(u, v, out) {
      sameSize('multiply', u, v, out);
      const x = on(u, v, out);
      if (x) x.multiply(at(u), at(v), at(out), u.size);
      else ref.multiply(u.data, v.data, out.data);
    },
    activationForward(g, Z, A, slope) {
      sameSize(`${g.name} forward`, Z, A);
      const x = on(Z, A);
      if (!x) return g.forward(Z.data, A.data);
      const n = Z.size;
      switch (g.name) {
        case 'tanh':
          return x.tanh(at(Z), at(A), n);
        case 'sigmoid':
          return x.sigmoid(at(Z), at(A), n);
        case 'relu':
          return x.relu(at(Z), at(A), n, 0);
        case 'leaky_relu':
          return x.relu(at(Z), at(A), n, slope);
        default:
          return g.forward(Z.data, A.data);
      }
    },
    activationBackward(g, dA, Z, A, dZ, slope) {
      sameSize(`${g.name} backward`, dA, Z, A, dZ);
      const x = on(dA, Z, A, dZ);
      if (!x) return g.backward(dA.data, Z.data, A.data, dZ.data);
      const n = dA.size;
      switch (g.name) {
        case 'tanh':
          return x.tanh_backward(at(dA), at(A), at(dZ), n);
        case 'sigmoid':
          return x.sigmoid_backward(at(dA), at(A), at(dZ), n);
        case 'relu':
          return x.relu_backward(at(dA), at(Z), at(dZ), n, 0);
        case 'leaky_relu':
          return x.relu_backward(at(dA), at(Z), at(dZ), n, slope);
        default:
          return g.backward(dA.data, Z.data, A.data, dZ.data);
      }
    },
    outputForward(output, Z, A) {
      const x = output.name === 'sigmoid' && Z.size === A.size ? on(Z, A) : null;
      if (x) x.sigmoid(at(Z), at(A), Z.size);
      else output.forward(Z, A);
    },
    backwardProduct(W, dZ, g, Z, A, out, slope) {
      product('backwardProduct', W.cols, W.rows, dZ.rows, dZ.cols, W, dZ, out);
      sameSize(`${g.name} backward`, Z, A, out);
      const act = ACT[g.name];
      const G = act === 3 ? Z : A;
      const x = act === undefined ? null : on(W, dZ, out, G);
      if (x) x.gemm_tn_grad(at(W), at(dZ), at(out), W.cols, dZ.cols, W.rows, at(G), act!, g.name === 'leaky_relu' ? slope : 0);
      else {
        this.gemmTN(W, dZ, out);
        this.activationBackward(g, out, Z, A, out, slope);
      }
    },
    outputBackward(output, A, Y, dZ) {
      // sigmoid and softmax with cross-entropy: dZ = A − Y (outputs.ts).
      const x = (output.name === 'sigmoid' || output.name === 'softmax') && A.size === Y.size && A.size === dZ.size ? on(A, Y, dZ) : null;
      if (x) x.subtract(at(A), at(Y), at(dZ), A.size);
      else output.backward(A, Y, dZ);
    },
    optimizerStep(name, params, grads, out, v, s, lr, t, settings) {
      for (let l = 0; l < params.length; l++) {
        const p = params[l];
        if (!on(p, grads[l], out[l]) || grads[l].size !== p.size || out[l].size !== p.size) return false;
        if (!fits(v[l], p) || !fits(s[l], p)) return false;
      }
      const { beta, beta1, beta2, epsilon } = settings;
      // As optimizers.ts computes them.
      const c1 = 1 - Math.pow(beta1, t);
      const c2 = 1 - Math.pow(beta2, t);
      for (let l = 0; l < params.length; l++) {
        const p = params[l];
        const x = on(p)!;
        const w = at(p);
        const g = at(grads[l]);
        const o = at(out[l]);
        if (name === 'gd') x.gd(w, g, o, p.size, lr);
        else if (name === 'momentum') x.momentum(w, g, o, at(v[l]), p.size, lr, beta);
        else if (name === 'rmsprop') x.rmsprop(w, g, o, at(s[l]), p.size, lr, beta2, epsilon);
        else x.adam(w, g, o, at(v[l]), at(s[l]), p.size, lr, beta1, beta2, epsilon, c1, c2);
      }
      return true;
    },
  };
}

/** A copy of M that `kernels` can run on: M itself when it already is one. */
export function residentCopy(kernels: MatrixKernels, M: Matrix, precision = M.precision): Matrix {
  const arena = kernels.arena;
  if (!arena || (M.memory === arena && M.precision === precision)) return M;
  return arena.copy(M, precision) ?? M;
}
