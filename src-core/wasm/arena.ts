/**
 * An arena: one WebAssembly memory, an instance of the kernel module on it, and
 * an allocator that hands out matrices living in that memory. Kernels run only on
 * matrices of the same arena (pointers are byte offsets into its memory), so the
 * network, its workspaces, the trainer's buffers and the training data share one.
 *
 * Memory growth. Growing a WebAssembly memory replaces its ArrayBuffer and
 * detaches every typed array on the old one. Matrices allocated here re-create
 * their view when `data` is next read (see Matrix.view), so code that keeps a
 * Matrix needs nothing. Code that keeps typed arrays across calls that may
 * allocate (the trainer's optimizer buffers) checks `generation`, which counts
 * growths, and re-reads them. To keep growth out of the training loop, the
 * trainer allocates everything it needs before its first step, and the arena
 * grows by at least half its size at a time.
 *
 * Freeing: a matrix's region returns to the free list when the matrix is garbage
 * collected (FinalizationRegistry), so evicted workspaces and finished networks
 * give their memory back without an explicit dispose; the trainer disposes its
 * large per-run copies (of X, and X packed) as soon as the run ends. WebAssembly memory never
 * shrinks; the arena keeps its high-water mark.
 */
import { type GrowableBuffer, Matrix, type Precision } from '../matrix';

type Gemm = (A: number, B: number, C: number, M: number, N: number, K: number, alpha: number, beta: number) => void;

/**
 * The kernel module's exports for one precision (suffix _f64 or _f32): byte-offset
 * pointers, element counts; scalars and results are f64 in both precisions.
 */
export interface PrecisionExports {
  gemm_nn: Gemm;
  gemm_nt: Gemm;
  gemm_tn: Gemm;
  /**
   * C = alpha·A·B + bias·1ᵀ (A (M, K), B (K, N), bias (M, 1)): a dense layer's Z =
   * W·A_prev + b. P: B as pack_b_all packed it, read instead of packing B (0: none).
   */
  gemm_nn_bias(A: number, B: number, C: number, M: number, N: number, K: number, alpha: number, bias: number, P: number): void;
  /**
   * C = (Aᵀ·B) ⊙ g'(G) (A (K, M), B (K, N), G (M, N)): a layer's dZ = (Wᵀ·dZ_next) ⊙ g'.
   * act: 1 tanh, 2 sigmoid (G = A), 3 relu with `slope` for z ≤ 0 (G = Z).
   */
  gemm_tn_grad(A: number, B: number, C: number, M: number, N: number, K: number, G: number, act: number, slope: number): void;
  /** Bytes that pack_b_all needs for a (K, N) matrix. */
  packed_b_size(N: number, K: number): number;
  /** Packs all of B (K, N) into P as gemm_nn packs it block by block. */
  pack_b_all(B: number, P: number, N: number, K: number): void;
  /** Packs all of Xᵀ (K, N), for X (N, K), into P the same way (packed_b_size(N, K) bytes). */
  pack_bt_all(X: number, P: number, N: number, K: number): void;
  /**
   * C = alpha·A·Bᵀ + beta·C (A (M, K), B (N, K)) read from P, Bᵀ as pack_bt_all packed
   * it: the NN product on packed blocks. Where gemm_nn would not pack B for that
   * shape (packs_b), or P = 0, it is gemm_nt on B.
   */
  gemm_nt_packed(A: number, B: number, C: number, M: number, N: number, K: number, alpha: number, beta: number, P: number): void;
  tanh(z: number, a: number, n: number): void;
  sigmoid(z: number, a: number, n: number): void;
  exp(x: number, y: number, n: number): void;
  relu(z: number, a: number, n: number, slope: number): void;
  tanh_backward(dA: number, A: number, dZ: number, n: number): void;
  sigmoid_backward(dA: number, A: number, dZ: number, n: number): void;
  relu_backward(dA: number, Z: number, dZ: number, n: number, slope: number): void;
  broadcast_column(b: number, Z: number, rows: number, cols: number): void;
  sum_rows(A: number, out: number, rows: number, cols: number, alpha: number): void;
  sum_squares(x: number, n: number): number;
  axpy(alpha: number, x: number, y: number, n: number): void;
  multiply(x: number, y: number, out: number, n: number): void;
  subtract(x: number, y: number, out: number, n: number): void;
  max_abs(x: number, n: number): number;
  /** Register-only multiply-add rounds, for measuring the peak (bench/core.bench.ts). */
  peak(rounds: number): number;
  // The optimizer updates of src-core/optimizers.ts (w, g, out in this precision; v, s float64).
  gd(w: number, g: number, out: number, n: number, lr: number): void;
  momentum(w: number, g: number, out: number, v: number, n: number, lr: number, beta: number): void;
  rmsprop(w: number, g: number, out: number, s: number, n: number, lr: number, beta2: number, epsilon: number): void;
  adam(w: number, g: number, out: number, v: number, s: number, n: number, lr: number, beta1: number, beta2: number, epsilon: number, c1: number, c2: number): void;
}

/** The kernel module's exports, as the module names them. */
export type KernelExports = {
  readonly heap_base: WebAssembly.Global;
  /** Whether gemm_nn packs B for an (M, K)·(K, N) product (else it reads B in place). */
  packs_b(M: number, N: number, K: number): number;
} & {
  [K in keyof PrecisionExports as `${K}_f64` | `${K}_f32`]: PrecisionExports[K];
};

const PRECISION_EXPORTS: (keyof PrecisionExports)[] = [
  'gemm_nn', 'gemm_nt', 'gemm_tn', 'gemm_nn_bias', 'gemm_tn_grad', 'packed_b_size', 'pack_b_all', 'pack_bt_all', 'gemm_nt_packed', 'tanh', 'sigmoid', 'exp', 'relu', 'tanh_backward', 'sigmoid_backward',
  'relu_backward', 'broadcast_column', 'sum_rows', 'sum_squares', 'axpy', 'multiply', 'subtract', 'max_abs', 'peak',
  'gd', 'momentum', 'rmsprop', 'adam',
];

const PAGE = 65536;
/** Memory32: at most 4 GiB. */
const MAX_PAGES = 65536;
/** Every region starts on a cache line. */
const ALIGN = 64;

export class Arena implements GrowableBuffer {
  readonly memory: WebAssembly.Memory;
  readonly exports: KernelExports;
  /** The exports of each precision, without their suffix. */
  readonly f64: PrecisionExports;
  readonly f32: PrecisionExports;
  /** How many times the memory has grown (each growth detaches all views). */
  generation = 0;
  /** Free regions [start, end), sorted by start and never adjacent. */
  private readonly free: { start: number; end: number }[] = [];
  private inUse = 0;
  private readonly registry = new FinalizationRegistry<{ start: number; bytes: number }>((r) => this.release(r.start, r.bytes));

  constructor(module: WebAssembly.Module, initialBytes = 4 << 20) {
    this.memory = new WebAssembly.Memory({ initial: Math.ceil(initialBytes / PAGE), maximum: MAX_PAGES });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.exports = instance.exports as unknown as KernelExports;
    this.f64 = this.precisionExports('f64');
    this.f32 = this.precisionExports('f32');
    const heapBase = this.exports.heap_base.value as number;
    const end = this.memory.buffer.byteLength;
    if (heapBase < end) this.free.push({ start: heapBase, end });
  }

  private precisionExports(suffix: 'f64' | 'f32'): PrecisionExports {
    const all = this.exports as unknown as Record<string, unknown>;
    const table: Record<string, unknown> = {};
    for (const name of PRECISION_EXPORTS) {
      const fn = all[`${name}_${suffix}`];
      if (typeof fn !== 'function') throw new Error(`the kernel module has no ${name}_${suffix}`);
      table[name] = fn;
    }
    return table as unknown as PrecisionExports;
  }

  /** The memory's current buffer (replaced by each growth). */
  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  /** Bytes currently allocated to live matrices. */
  get bytesInUse(): number {
    return this.inUse;
  }

  /** The memory's size in bytes. */
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A (rows, cols) matrix of zeros in this arena, or null when the memory cannot
   * grow enough (the caller then uses an ordinary matrix and the plain kernels).
   */
  matrix(rows: number, cols: number, precision: Precision): Matrix | null {
    const bytes = rows * cols * (precision === 'float32' ? 4 : 8);
    const start = this.allocate(bytes);
    if (start === null) return null;
    const m = Matrix.view(rows, cols, precision, this, start);
    // Regions are reused: clear what a previous owner left.
    m.data.fill(0);
    // The matrix is its own unregister token (held weakly), for dispose.
    this.registry.register(m, { start, bytes: roundUp(bytes) }, m);
    return m;
  }

  /**
   * Returns m's region to the free list now rather than when m is collected, so
   * that the next allocation reuses memory already touched (on a VM, first touching
   * fresh pages can cost more than the work done in them). m must not be used after.
   * Does nothing for a matrix that is not this arena's or was disposed already.
   */
  dispose(m: Matrix): void {
    if (m.memory !== this || !this.registry.unregister(m)) return;
    this.release(m.byteOffset, roundUp(m.size * (m.precision === 'float32' ? 4 : 8)));
  }

  /** A copy of M in this arena (in its own precision unless one is given), or null. */
  copy(M: Matrix, precision: Precision = M.precision): Matrix | null {
    const m = this.matrix(M.rows, M.cols, precision);
    m?.data.set(M.data);
    return m;
  }

  /**
   * Makes sure `bytes` more can be allocated without growing later (in one
   * region), growing now if needed. Call before taking typed arrays to keep.
   */
  reserve(bytes: number): boolean {
    const need = roundUp(bytes);
    if (this.free.some((r) => r.end - r.start >= need)) return true;
    return this.grow(need);
  }

  private allocate(bytes: number): number | null {
    const need = roundUp(bytes);
    let index = this.free.findIndex((r) => r.end - r.start >= need);
    if (index < 0) {
      if (!this.grow(need)) return null;
      index = this.free.findIndex((r) => r.end - r.start >= need);
    }
    const region = this.free[index];
    const start = region.start;
    region.start += need;
    if (region.start === region.end) this.free.splice(index, 1);
    this.inUse += need;
    return start;
  }

  /** Grows so that the last free region holds `need` bytes; at least by half the memory. */
  private grow(need: number): boolean {
    const end = this.memory.buffer.byteLength;
    const last = this.free.at(-1);
    const tail = last && last.end === end ? end - last.start : 0;
    const pages = this.memory.buffer.byteLength / PAGE;
    const wanted = Math.max(Math.ceil((need - tail) / PAGE), Math.ceil(pages / 2));
    const delta = Math.min(wanted, MAX_PAGES - pages);
    if (delta * PAGE < need - tail) return false;
    try {
      this.memory.grow(delta);
    } catch {
      return false;
    }
    this.generation++;
    const newEnd = this.memory.buffer.byteLength;
    if (last && last.end === end) last.end = newEnd;
    else this.free.push({ start: end, end: newEnd });
    return true;
  }

  private release(start: number, bytes: number): void {
    this.inUse -= bytes;
    const end = start + bytes;
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    const before = this.free[i - 1];
    const after = this.free[i];
    if (before && before.end === start) {
      before.end = end;
      if (after && after.start === end) {
        before.end = after.end;
        this.free.splice(i, 1);
      }
    } else if (after && after.start === end) {
      after.start = start;
    } else {
      this.free.splice(i, 0, { start, end });
    }
  }
}

function roundUp(bytes: number): number {
  return Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
}
