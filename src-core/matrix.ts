/**
 * The dense matrix of the core, in the course's layout: examples are columns, so a
 * data matrix X is (n_x, m) and a weight matrix W[l] is (n[l], n[l-1]).
 *
 * Storage is row-major (C order, as NumPy's default), in a Float64Array (the
 * default) or a Float32Array. A Matrix is a thin view: it owns its typed array and
 * has no methods that compute; arithmetic lives in kernels.ts.
 *
 * A matrix may also view a region of a growable buffer (WebAssembly memory, see
 * wasm/arena.ts). Growing that memory detaches every view on it, so such a matrix
 * re-creates its view the next time `data` is read after a growth: keep the Matrix,
 * not its `data`, across anything that may allocate.
 */

export type Precision = 'float64' | 'float32';
export type FloatArray = Float64Array | Float32Array;

/** An error about the shapes of matrices, naming every shape involved. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

/**
 * Memory whose `buffer` is replaced when it grows, such as a WebAssembly memory (an
 * Arena), with a count of its growths.
 */
export interface GrowableBuffer {
  readonly buffer: ArrayBuffer;
  /** How many times the memory has grown: each growth detaches every view on it. */
  readonly generation: number;
}

export class Matrix {
  readonly rows: number;
  readonly cols: number;
  #data: FloatArray;
  readonly #length: number;
  /** Fixed by the array's type (read on every kernel call: a field, not an instanceof). */
  readonly #precision: Precision;
  /** Where the values live when the matrix views a growable buffer (else null, 0). */
  #memory: GrowableBuffer | null = null;
  #byteOffset = 0;
  /** The memory's generation when #data was made. */
  #generation = 0;

  constructor(rows: number, cols: number, data: FloatArray) {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
      throw new ShapeError(`invalid matrix shape (${rows}, ${cols})`);
    }
    if (data.length !== rows * cols) {
      throw new ShapeError(
        `a (${rows}, ${cols}) matrix needs ${rows * cols} values, got ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.#data = data;
    this.#length = data.length;
    this.#precision = data instanceof Float32Array ? 'float32' : 'float64';
  }

  /**
   * A matrix over rows·cols values of `memory` from byteOffset on (aligned to the
   * value size), which follows the memory when it grows.
   */
  static view(rows: number, cols: number, precision: Precision, memory: GrowableBuffer, byteOffset: number): Matrix {
    const m = new Matrix(rows, cols, viewOf(memory.buffer, byteOffset, rows * cols, precision));
    m.#memory = memory;
    m.#byteOffset = byteOffset;
    m.#generation = memory.generation;
    return m;
  }

  /** The values, row-major. A view on growable memory is re-created if the memory grew. */
  get data(): FloatArray {
    const memory = this.#memory;
    // The memory's count of growths, not the view's length, says whether the view is
    // detached: V8's optimized code (Node 20) was seen reading a detached view's length
    // as its old one, so a reused training thread went on with a dead view.
    if (memory === null || memory.generation === this.#generation) return this.#data;
    this.#generation = memory.generation;
    return (this.#data = viewOf(memory.buffer, this.#byteOffset, this.#length, this.#precision));
  }

  /** The growable memory this matrix views, or null for a matrix that owns its array. */
  get memory(): GrowableBuffer | null {
    return this.#memory;
  }

  /**
   * Where the values start in `memory`, in bytes (a kernel's pointer); cheaper
   * than data.byteOffset, which a call into WebAssembly would read per operand.
   */
  get byteOffset(): number {
    return this.#memory === null ? this.#data.byteOffset : this.#byteOffset;
  }

  /** A matrix of zeros. */
  static zeros(rows: number, cols: number, precision: Precision = 'float64'): Matrix {
    return new Matrix(rows, cols, allocate(rows * cols, precision));
  }

  /** A matrix holding a copy of `values`, given in row-major order. */
  static from(
    rows: number,
    cols: number,
    values: ArrayLike<number>,
    precision: Precision = 'float64',
  ): Matrix {
    if (values.length !== rows * cols) {
      throw new ShapeError(
        `a (${rows}, ${cols}) matrix needs ${rows * cols} values, got ${values.length}`,
      );
    }
    const data = allocate(rows * cols, precision);
    data.set(values);
    return new Matrix(rows, cols, data);
  }

  /** A matrix from nested arrays, one inner array per row. */
  static fromRows(rows: readonly (readonly number[])[], precision: Precision = 'float64'): Matrix {
    const cols = rows.length === 0 ? 0 : rows[0].length;
    const data = allocate(rows.length * cols, precision);
    rows.forEach((row, i) => {
      if (row.length !== cols) {
        throw new ShapeError(`row ${i} has ${row.length} values, row 0 has ${cols}`);
      }
      data.set(row, i * cols);
    });
    return new Matrix(rows.length, cols, data);
  }

  get precision(): Precision {
    return this.#precision;
  }

  get size(): number {
    return this.#length;
  }

  /** The shape as NumPy prints it, e.g. "(4, 2)". */
  get shapeText(): string {
    return `(${this.rows}, ${this.cols})`;
  }

  get(i: number, j: number): number {
    return this.data[i * this.cols + j];
  }

  set(i: number, j: number, value: number): void {
    this.data[i * this.cols + j] = value;
  }

  clone(): Matrix {
    return new Matrix(this.rows, this.cols, this.data.slice());
  }

  /** A copy in the given precision (the same object if it already is). */
  as(precision: Precision): Matrix {
    if (precision === this.precision) return this;
    return Matrix.from(this.rows, this.cols, this.data, precision);
  }

  /** Nested arrays, one per row: for JSON and tests. */
  toRows(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) {
      out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    }
    return out;
  }
}

function viewOf(buffer: ArrayBuffer, byteOffset: number, length: number, precision: Precision): FloatArray {
  return precision === 'float32' ? new Float32Array(buffer, byteOffset, length) : new Float64Array(buffer, byteOffset, length);
}

export function allocate(length: number, precision: Precision): FloatArray {
  return precision === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/** Throws a ShapeError naming `what`, the expected and the actual shape, when they differ. */
export function assertShape(m: Matrix, rows: number, cols: number, what: string): void {
  if (m.rows !== rows || m.cols !== cols) {
    throw new ShapeError(`${what}: expected shape (${rows}, ${cols}), got ${m.shapeText}`);
  }
}

/** Throws a ShapeError when two matrices that must match in shape do not. */
export function assertSameShape(a: Matrix, b: Matrix, what: string): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${what}: shapes ${a.shapeText} and ${b.shapeText} differ`);
  }
}
