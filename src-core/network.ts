/**
 * An L-layer fully-connected network in the course's notation:
 *   Z[l] = W[l]·A[l-1] + b[l],   A[l] = g[l](Z[l]),   A[0] = X (n_x, m).
 * Hidden layers use one of the activations; the last layer is an output layer
 * paired with its loss (see outputs.ts).
 *
 * The network owns its parameters (W[l], b[l]) and gradients (dW[l], db[l]).
 * Forward and backward passes work in a Workspace of per-layer buffers sized for
 * one batch size, so that the training loop allocates nothing per iteration.
 * Arrays are indexed from 0: W[0] is the course's W1.
 *
 * Kernels and memory. Every whole-matrix operation goes through `kernels`: the
 * WebAssembly SIMD kernels where the runtime validates them (the default), or
 * the plain TypeScript ones (`{ kernels: 'reference' }`, or useKernels in
 * wasm/engine.ts). With WebAssembly, the parameters, gradients and workspaces
 * are allocated in the kernels' arena, a WebAssembly memory shared by every
 * network of the process, so the kernels work on them in place. An input X that
 * is not in the arena is copied into the workspace's input buffer by forward
 * (and reused by the backward pass that follows); the trainer avoids that copy
 * per iteration by giving the network arena-resident data (`resident`).
 * Matrices in the arena follow it when it grows (see Matrix.view).
 */
import { type Activation, type ActivationName, makeActivation, DEFAULT_LEAKY_SLOPE } from './activations';
import { Matrix, type Precision, ShapeError, assertShape } from './matrix';
import { OUTPUT_LAYERS, type OutputLayer, type OutputName } from './outputs';
import { type KernelChoice, kernelsFor } from './wasm/engine';
import { type MatrixKernels, residentCopy } from './wasm/kernels';

export interface Architecture {
  /** Layer sizes [n_x, n_1, …, n_y]. */
  sizes: number[];
  /** One activation per hidden layer (sizes.length − 2 of them). */
  activations: ActivationName[];
  output: OutputName;
  leakySlope?: number;
  precision?: Precision;
}

/** Where dropout masks come from: a fresh (rows·cols) array of uniform [0, 1) draws. */
export type UniformSource = (count: number) => Float64Array;

export interface ForwardOptions {
  /** Keep probability per hidden layer (1 = no dropout). Training only. */
  keepProb?: readonly number[];
  /** Uniform draws for the dropout masks, one call per hidden layer in order. */
  uniform?: UniformSource;
  /** Fixed 0/1 masks per hidden layer instead of drawing them (for tests). */
  masks?: readonly (Matrix | null)[];
}

export interface NetworkOptions {
  /** Which kernels to use; default: the process's choice (wasm/engine.ts), normally the best available. */
  kernels?: KernelChoice;
}

/** Allocates a (rows, cols) matrix of zeros. */
export type Allocator = (rows: number, cols: number) => Matrix;

/** Per-layer buffers for one batch size m. */
export class Workspace {
  readonly m: number;
  /** Z[l] and A[l] for l = 0…L−1 (A[l] is the course's A[l+1]). */
  readonly Z: Matrix[];
  readonly A: Matrix[];
  /** dZ[l], and dA[l] before the activation's backward (written only with dropout). */
  readonly dZ: Matrix[];
  readonly dA: Matrix[];
  /** The dropout masks of the last forward pass, already divided by keep_prob (null: none). */
  readonly D: (Matrix | null)[];
  /** Storage for those masks, allocated on first use. */
  readonly maskBuffers: (Matrix | null)[];
  /** Where forward copies an input the kernels cannot use in place, and which input that was. */
  input: Matrix | null = null;
  inputFrom: Matrix | null = null;
  readonly allocate: Allocator;

  constructor(sizes: number[], m: number, precision: Precision, allocate: Allocator = (r, c) => Matrix.zeros(r, c, precision)) {
    this.m = m;
    this.allocate = allocate;
    const layers = sizes.slice(1);
    this.Z = layers.map((n) => allocate(n, m));
    this.A = layers.map((n) => allocate(n, m));
    this.dZ = layers.map((n) => allocate(n, m));
    this.dA = layers.map((n) => allocate(n, m));
    this.D = layers.map(() => null);
    this.maskBuffers = layers.map(() => null);
  }
}

export class Network {
  readonly sizes: number[];
  readonly activations: Activation[];
  readonly output: OutputLayer;
  readonly precision: Precision;
  /** W[l] (n[l+1], n[l]) and b[l] (n[l+1], 1). */
  readonly W: Matrix[];
  readonly b: Matrix[];
  readonly dW: Matrix[];
  readonly db: Matrix[];
  /** The kernels every operation of this network goes through. */
  readonly kernels: MatrixKernels;
  /** The leaky relu's slope (unused by the other activations). */
  readonly leakySlope: number;
  private workspaces = new Map<number, Workspace>();
  /**
   * An input declared constant (packInput), its copy packed for the first layer's
   * product W1·X, and Xᵀ packed for the first layer's dW1 = dZ1·Xᵀ (either may be null).
   */
  private packed: { input: Matrix; copy: Matrix | null; copyT: Matrix | null } | null = null;

  constructor(arch: Architecture, options: NetworkOptions = {}) {
    const { sizes, activations, output } = arch;
    if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new ShapeError(`layer sizes must be at least two positive integers, got [${sizes.join(', ')}]`);
    }
    if (activations.length !== sizes.length - 2) {
      throw new ShapeError(
        `${sizes.length - 2} hidden layers need as many activations, got ${activations.length}`,
      );
    }
    this.sizes = [...sizes];
    this.precision = arch.precision ?? 'float64';
    this.leakySlope = arch.leakySlope ?? DEFAULT_LEAKY_SLOPE;
    this.activations = activations.map((a) => makeActivation(a, this.leakySlope));
    this.output = OUTPUT_LAYERS[output];
    this.kernels = kernelsFor(options.kernels);
    const shapes = sizes.slice(1).map((n, l) => [n, sizes[l]] as const);
    this.W = shapes.map(([n, nPrev]) => this.allocate(n, nPrev));
    this.b = shapes.map(([n]) => this.allocate(n, 1));
    this.dW = shapes.map(([n, nPrev]) => this.allocate(n, nPrev));
    this.db = shapes.map(([n]) => this.allocate(n, 1));
  }

  /**
   * A (rows, cols) matrix of zeros where this network's kernels work on it in
   * place: in their arena, or an ordinary one for the TypeScript kernels (or
   * when the arena cannot grow).
   */
  allocate(rows: number, cols: number, precision: Precision = this.precision): Matrix {
    return this.kernels.arena?.matrix(rows, cols, precision) ?? Matrix.zeros(rows, cols, precision);
  }

  /**
   * M, or a copy of it in this network's precision that its kernels use in
   * place: for data used on every iteration (the trainer's X and Y).
   */
  resident(M: Matrix): Matrix {
    return residentCopy(this.kernels, M, this.precision);
  }

  /**
   * Declares that X, an input this network's kernels use in place (see resident),
   * will not change until the next call: forward passes over X then read a copy of
   * it packed once for the first layer's product, where the kernels would pack X on
   * every pass (the deep net's W1·X: 1.2 of 6 ms in float64), and backward passes
   * read Xᵀ packed once for dW1 = dZ1·Xᵀ, which then runs as the same packed product
   * instead of as dot products along X's rows (the deep net: 5.1 → 4.5 ms in
   * float64). null forgets it. The trainer does this for full-batch data, for the
   * length of a run.
   */
  packInput(X: Matrix | null): void {
    // Nothing else holds the packed copies: their memory is reused at once.
    if (this.packed?.copy) this.kernels.arena?.dispose(this.packed.copy);
    if (this.packed?.copyT) this.kernels.arena?.dispose(this.packed.copyT);
    this.packed = null;
    if (!X || X.rows !== this.inputSize) return;
    const copy = this.kernels.packB(X, this.sizes[1]);
    const copyT = this.kernels.packBT(X, this.sizes[1]);
    if (copy || copyT) this.packed = { input: X, copy, copyT };
  }

  /** Number of layers with parameters (the course's L). */
  get depth(): number {
    return this.W.length;
  }

  get inputSize(): number {
    return this.sizes[0];
  }

  get outputSize(): number {
    return this.sizes[this.sizes.length - 1];
  }

  get architecture(): Architecture {
    return {
      sizes: [...this.sizes],
      activations: this.activations.map((a) => a.name),
      output: this.output.name,
      precision: this.precision,
    };
  }

  /** The parameters in the course's order: W1, b1, W2, b2, … */
  parameters(): { name: string; value: Matrix; grad: Matrix }[] {
    return this.W.flatMap((W, l) => [
      { name: `W${l + 1}`, value: W, grad: this.dW[l] },
      { name: `b${l + 1}`, value: this.b[l], grad: this.db[l] },
    ]);
  }

  /** Total number of trainable values. */
  get parameterCount(): number {
    return this.parameters().reduce((s, p) => s + p.value.size, 0);
  }

  /** Sets W[l] and b[l] from arrays of the right shapes (copies; converts precision). */
  setParameters(W: Matrix[], b: Matrix[]): void {
    if (W.length !== this.depth || b.length !== this.depth) {
      throw new ShapeError(`the network has ${this.depth} layers, got ${W.length} weights and ${b.length} biases`);
    }
    W.forEach((w, l) => {
      assertShape(w, this.W[l].rows, this.W[l].cols, `W${l + 1}`);
      this.W[l].data.set(w.data);
    });
    b.forEach((bl, l) => {
      assertShape(bl, this.b[l].rows, 1, `b${l + 1}`);
      this.b[l].data.set(bl.data);
    });
  }

  /** The workspace for batch size m, created on first use. */
  workspace(m: number): Workspace {
    let ws = this.workspaces.get(m);
    if (!ws) {
      // Mini-batch training needs two sizes (full and last batch) plus the
      // evaluation sets; more than a handful means a caller varies m freely.
      // Evicted workspaces return their memory when collected (wasm/arena.ts).
      if (this.workspaces.size >= 8) this.workspaces.clear();
      ws = new Workspace(this.sizes, m, this.precision, (r, c) => this.allocate(r, c));
      this.workspaces.set(m, ws);
    }
    return ws;
  }

  /** Forward pass over X (n_x, m); returns A[L] (n_y, m), a buffer of the workspace. */
  forward(X: Matrix, options: ForwardOptions = {}): Matrix {
    assertShape(X, this.inputSize, X.cols, 'X');
    const ws = this.workspace(X.cols);
    const k = this.kernels;
    let Aprev = this.input(ws, X, true);
    for (let l = 0; l < this.depth; l++) {
      const Z = ws.Z[l];
      const A = ws.A[l];
      // Z = W·A_prev + b: one kernel (the bias is the product's first addend).
      k.dense(this.W[l], Aprev, this.b[l], Z, l === 0 && this.packed?.input === Aprev ? this.packed.copy : null);
      if (l === this.depth - 1) {
        k.outputForward(this.output, Z, A);
      } else {
        k.activationForward(this.activations[l], Z, A, this.leakySlope);
        ws.D[l] = this.dropout(l, A, options);
      }
      Aprev = A;
    }
    return ws.A[this.depth - 1];
  }

  /**
   * X where the kernels can use it: X itself when it is in their memory (or the
   * kernels are the TypeScript ones), else the workspace's copy of it, made by
   * forward and reused by the backward pass after it.
   */
  private input(ws: Workspace, X: Matrix, fresh: boolean): Matrix {
    const arena = this.kernels.arena;
    if (!arena || (X.memory === arena && X.precision === this.precision)) return X;
    if (!fresh && ws.inputFrom === X && ws.input) return ws.input;
    ws.input ??= this.allocate(X.rows, X.cols);
    if (ws.input.memory === null) return X; // the arena could not grow: the kernels fall back
    ws.input.data.set(X.data);
    ws.inputFrom = X;
    return ws.input;
  }

  /** Applies inverted dropout to hidden activation A of layer l; returns the scaled mask. */
  private dropout(l: number, A: Matrix, options: ForwardOptions): Matrix | null {
    const keep = options.keepProb?.[l] ?? 1;
    const fixed = options.masks?.[l] ?? null;
    if (keep >= 1 && !fixed) return null;
    const ws = this.workspace(A.cols);
    const D = (ws.maskBuffers[l] ??= this.allocate(A.rows, A.cols));
    const d = D.data;
    if (fixed) {
      assertShape(fixed, A.rows, A.cols, `dropout mask ${l + 1}`);
      for (let i = 0; i < d.length; i++) d[i] = fixed.data[i] / keep;
    } else {
      if (!options.uniform) throw new Error('dropout needs a source of random numbers');
      const u = options.uniform(d.length);
      // The course: D = rand(...) < keep_prob; A = A * D; A = A / keep_prob.
      for (let i = 0; i < d.length; i++) d[i] = u[i] < keep ? 1 / keep : 0;
    }
    this.kernels.multiply(A, D, A);
    return D;
  }

  /**
   * The cost of the last forward pass against targets Y: the mean loss plus the
   * L2 term λ/(2m)·Σ‖W‖². Call after forward(X) with the same m.
   */
  cost(Y: Matrix, l2 = 0): number {
    return this.lossSum(Y) / Y.cols + this.l2Term(l2, Y.cols);
  }

  /** Σ over examples of the loss of the last forward pass. */
  lossSum(Y: Matrix): number {
    const ws = this.workspace(Y.cols);
    const L = this.depth - 1;
    assertShape(Y, this.outputSize, ws.m, 'Y');
    return this.output.lossSum(ws.Z[L], ws.A[L], Y);
  }

  /**
   * Whether the cost of the last forward pass (over m examples) is certainly
   * finite, without computing it. For sigmoid and softmax outputs each example's
   * loss is at most about 2·max|z| + log k, so outputs below 1e150 in magnitude
   * bound the sum far below overflow for any m the config allows; NaN fails the
   * test. A linear output's loss has no logarithms, so it is simply computed.
   */
  costCertainlyFinite(m: number, l2 = 0): boolean {
    if (this.output.name === 'linear') return false;
    // max |z| is NaN if any z is.
    if (!(this.kernels.maxAbs(this.workspace(m).Z[this.depth - 1]) < 1e150)) return false;
    return l2 === 0 || Number.isFinite(this.l2Term(l2, m));
  }

  /** λ/(2m)·Σ_l ‖W[l]‖²_F. */
  l2Term(l2: number, m: number): number {
    if (l2 === 0) return 0;
    let s = 0;
    for (const W of this.W) s += this.kernels.sumSquares(W);
    return (l2 / (2 * m)) * s;
  }

  /**
   * Backward pass after forward(X): fills dW[l] and db[l] with the gradients of
   * cost(Y, l2). dA[0] (the gradient with respect to X) is never computed.
   */
  backward(X: Matrix, Y: Matrix, l2 = 0): void {
    const m = X.cols;
    const ws = this.workspace(m);
    const L = this.depth - 1;
    const k = this.kernels;
    assertShape(Y, this.outputSize, m, 'Y');
    k.outputBackward(this.output, ws.A[L], Y, ws.dZ[L]);
    for (let l = L; l >= 0; l--) {
      const dZ = ws.dZ[l];
      const Aprev = l === 0 ? this.input(ws, X, false) : ws.A[l - 1];
      // dW = 1/m · dZ·A_prevᵀ + λ/m · W;  db = 1/m · Σ dZ
      k.gemmNT(dZ, Aprev, this.dW[l], 1 / m, 0, l === 0 && this.packed?.input === Aprev ? this.packed.copyT : null);
      if (l2 !== 0) k.axpy(l2 / m, this.W[l], this.dW[l]);
      k.sumRows(dZ, this.db[l], 1 / m);
      if (l === 0) break;
      // dA_prev = Wᵀ·dZ, then through dropout and the activation: in one kernel
      // without dropout (dA_prev is then never stored).
      const g = this.activations[l - 1];
      const D = ws.D[l - 1];
      if (!D) {
        k.backwardProduct(this.W[l], dZ, g, ws.Z[l - 1], ws.A[l - 1], ws.dZ[l - 1], this.leakySlope);
        continue;
      }
      const dA = ws.dA[l - 1];
      k.gemmTN(this.W[l], dZ, dA);
      k.multiply(dA, D, dA);
      k.activationBackward(g, dA, ws.Z[l - 1], ws.A[l - 1], ws.dZ[l - 1], this.leakySlope);
    }
  }

  /** Output probabilities (or values) for X (n_x, m), as a new matrix, without dropout. */
  predict(X: Matrix, batchSize = 4096): Matrix {
    assertShape(X, this.inputSize, X.cols, 'X');
    const out = Matrix.zeros(this.outputSize, X.cols, this.precision);
    for (let start = 0; start < X.cols; start += batchSize) {
      const end = Math.min(X.cols, start + batchSize);
      const A = this.forward(sliceColumns(X, start, end));
      copyColumns(A, out, start);
    }
    return out;
  }
}

/** Columns start…end−1 of X as a new matrix. */
export function sliceColumns(X: Matrix, start: number, end: number): Matrix {
  if (start === 0 && end === X.cols) return X;
  const out = Matrix.zeros(X.rows, end - start, X.precision);
  for (let i = 0; i < X.rows; i++) {
    out.data.set(X.data.subarray(i * X.cols + start, i * X.cols + end), i * (end - start));
  }
  return out;
}

/** Columns of X picked by index, as a new matrix (for mini-batches). */
export function gatherColumns(X: Matrix, indices: ArrayLike<number>, out?: Matrix): Matrix {
  const n = indices.length;
  const target = out ?? Matrix.zeros(X.rows, n, X.precision);
  assertShape(target, X.rows, n, 'gatherColumns output');
  const x = X.data;
  const t = target.data;
  for (let i = 0; i < X.rows; i++) {
    const src = i * X.cols;
    const dst = i * n;
    for (let j = 0; j < n; j++) t[dst + j] = x[src + indices[j]];
  }
  return target;
}

function copyColumns(src: Matrix, dst: Matrix, start: number): void {
  for (let i = 0; i < src.rows; i++) {
    dst.data.set(src.data.subarray(i * src.cols, (i + 1) * src.cols), i * dst.cols + start);
  }
}
