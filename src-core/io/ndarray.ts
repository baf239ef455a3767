/**
 * NdArray: what every importer in this folder returns, before it becomes a Matrix.
 *
 * An NdArray is an n-dimensional array in C order (row-major, NumPy's default),
 * with the element type it had in the file. Readers convert byte order and
 * Fortran/column-major order on the way in, so consumers see one layout only.
 *
 * In memory each dtype has one typed array:
 *
 * | dtype            | data          | note                                        |
 * | ---------------- | ------------- | ------------------------------------------- |
 * | uint8, bool      | Uint8Array    | bool holds 0 or 1                           |
 * | int8 … uint32    | the same-named typed array                                  |
 * | int64, uint64    | Float64Array  | exact integers; a value beyond ±2^53 is an error when reading |
 * | float32, float64 | Float32Array, Float64Array                                  |
 *
 * The helpers below turn NdArrays into the course's matrices: X as (n_x, m) with
 * examples as columns, Y as (1, m).
 */

import { Matrix, allocate, type FloatArray, type Precision } from '../matrix.js';

export type DType =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64'
  | 'bool';

export type NdData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

export interface NdArray {
  dtype: DType;
  /** NumPy's shape; [] for a 0-D array (one value). */
  shape: number[];
  /** The values in C order; see the table above for the typed array of each dtype. */
  data: NdData;
}

/** An error about the contents of a file being imported; the message names the file. */
export class ImportError extends Error {
  override name = 'ImportError';
}

interface DTypeInfo {
  /** Bytes per element, in files and in memory. */
  readonly bytes: number;
  readonly kind: 'int' | 'uint' | 'float' | 'bool';
  make(length: number): NdData;
}

/** Facts about each dtype: its size in bytes, its kind, and how to allocate its data. */
export const DTYPES: Readonly<Record<DType, DTypeInfo>> = {
  uint8: { bytes: 1, kind: 'uint', make: (n) => new Uint8Array(n) },
  int8: { bytes: 1, kind: 'int', make: (n) => new Int8Array(n) },
  int16: { bytes: 2, kind: 'int', make: (n) => new Int16Array(n) },
  uint16: { bytes: 2, kind: 'uint', make: (n) => new Uint16Array(n) },
  int32: { bytes: 4, kind: 'int', make: (n) => new Int32Array(n) },
  uint32: { bytes: 4, kind: 'uint', make: (n) => new Uint32Array(n) },
  int64: { bytes: 8, kind: 'int', make: (n) => new Float64Array(n) },
  uint64: { bytes: 8, kind: 'uint', make: (n) => new Float64Array(n) },
  float32: { bytes: 4, kind: 'float', make: (n) => new Float32Array(n) },
  float64: { bytes: 8, kind: 'float', make: (n) => new Float64Array(n) },
  bool: { bytes: 1, kind: 'bool', make: (n) => new Uint8Array(n) },
};

/** The number of elements of an array of this shape (1 for a 0-D array). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as NumPy prints it: "()", "(5,)", "(3, 4)". */
export function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** An NdArray, checked: the data's typed array and length must fit dtype and shape. */
export function ndarray(dtype: DType, shape: readonly number[], data: NdData): NdArray {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ImportError(`invalid shape ${shapeText(shape)}`);
    }
  }
  const expected = DTYPES[dtype].make(0);
  if (expected.constructor !== data.constructor) {
    throw new ImportError(`a ${dtype} array holds its data in a ${expected.constructor.name}, got a ${data.constructor.name}`);
  }
  if (data.length !== sizeOf(shape)) {
    throw new ImportError(`shape ${shapeText(shape)} needs ${sizeOf(shape)} values, got ${data.length}`);
  }
  return { dtype, shape: [...shape], data };
}

/** A Matrix as a 2-D float NdArray (sharing its data), e.g. for writeNpy. */
export function fromMatrix(m: Matrix): NdArray {
  return { dtype: m.precision, shape: [m.rows, m.cols], data: m.data };
}

/**
 * For column-major (Fortran, MATLAB) data: calls visit(cIndex, fIndex) for every
 * element, in C order, where fIndex is where that element sits in column-major
 * storage. Readers use it to convert while decoding, without a second buffer.
 */
export function forEachColumnMajor(
  shape: readonly number[],
  visit: (cIndex: number, fIndex: number) => void,
): void {
  const n = sizeOf(shape);
  const nd = shape.length;
  if (n === 0) return;
  if (nd <= 1) {
    for (let i = 0; i < n; i++) visit(i, i);
    return;
  }
  // Column-major stride of axis k is the product of the axes before it.
  const fStride = new Array<number>(nd);
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fStride[k] = s;
    s *= shape[k];
  }
  const index = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const lastLen = shape[last];
  const lastStride = fStride[last];
  let f = 0;
  let c = 0;
  while (c < n) {
    for (let j = 0; j < lastLen; j++) visit(c++, f + j * lastStride);
    // Carry into the axes before the last one.
    let k = last - 1;
    while (k >= 0) {
      index[k]++;
      f += fStride[k];
      if (index[k] < shape[k]) break;
      f -= fStride[k] * shape[k];
      index[k] = 0;
      k--;
    }
  }
}

/**
 * Transposes a (rows, cols) row-major matrix into (cols, rows), in its own
 * storage: for matrices too big to hold twice (parseCsv's values). Needs a
 * scratch of about `scratchValues` values (2 MiB by default) beyond the data.
 *
 * In three linear passes rather than element-by-element cycle following, whose
 * random access is several times slower on big matrices:
 *  1. each block of B rows, (B, cols), is transposed through the scratch into
 *     (cols, B): `cols` segments of B values, one per column;
 *  2. those segments, a (blocks, cols) grid, are transposed by following the
 *     permutation's cycles segment by segment, which gathers each column's
 *     segments in order;
 *  3. the rows left over after the last whole block are saved to the scratch,
 *     columns are moved apart (last first) to make room, and the rows written in.
 */
export function transposeInPlace(a: FloatArray, rows: number, cols: number, scratchValues = 1 << 18): void {
  const n = rows * cols;
  if (a.length !== n) throw new RangeError(`transposeInPlace: ${a.length} values for (${rows}, ${cols})`);
  if (rows <= 1 || cols <= 1) return; // the same sequence either way
  const make = (len: number): FloatArray => (a instanceof Float32Array ? new Float32Array(len) : new Float64Array(len));
  const B = Math.max(1, Math.min(rows, Math.floor(scratchValues / cols)));
  const blocks = Math.floor(rows / B);
  const whole = blocks * B; // rows in whole blocks
  const scratch = make(B * cols);

  // 1. Each (B, cols) block to (cols, B).
  if (B > 1) {
    for (let k = 0; k < blocks; k++) {
      const base = k * B * cols;
      scratch.set(a.subarray(base, base + B * cols));
      for (let c = 0; c < cols; c++) {
        const out = base + c * B;
        for (let r = 0; r < B; r++) a[out + r] = scratch[r * cols + c];
      }
    }
  }

  // 2. The (blocks, cols) grid of B-value segments to (cols, blocks).
  const segs = blocks * cols;
  if (blocks > 1) {
    const visited = new Uint8Array((segs + 7) >> 3);
    let carry = make(B);
    let held = make(B);
    for (let start = 1; start < segs - 1; start++) {
      if (visited[start >> 3] & (1 << (start & 7))) continue;
      carry.set(a.subarray(start * B, start * B + B));
      let p = start;
      do {
        const k = Math.floor(p / cols);
        const dest = (p - k * cols) * blocks + k;
        held.set(a.subarray(dest * B, dest * B + B));
        a.set(carry, dest * B);
        [carry, held] = [held, carry];
        visited[dest >> 3] |= 1 << (dest & 7);
        p = dest;
      } while (p !== start);
    }
  }

  // 3. The rows after the whole blocks.
  const tail = rows - whole;
  if (tail > 0) {
    const rest = a.subarray(whole * cols);
    scratch.set(rest);
    for (let c = cols - 1; c >= 1; c--) a.copyWithin(c * rows, c * whole, c * whole + whole);
    for (let c = 0; c < cols; c++) {
      const out = c * rows + whole;
      for (let r = 0; r < tail; r++) a[out + r] = scratch[r * cols + c];
    }
  }
}

// ---------------------------------------------------------------------------
// Scaling

/**
 * A function that scales one value the way NumPy's course code does.
 *
 * The course writes `X / 255`, and NumPy computes `uint8 / 255` as a float64
 * division. Multiplying by 1/255 instead differs in the last bit for 24 of the 256
 * byte values, so when `scale` is exactly 1/k for an integer k we divide by k;
 * any other scale multiplies. Either way the result is the float64 NumPy gets.
 */
export function scaler(scale: number | undefined): (v: number) => number {
  if (scale === undefined || scale === 1) return (v) => v;
  if (!Number.isFinite(scale) || scale === 0) {
    throw new ImportError(`scale must be a finite non-zero number, got ${scale}`);
  }
  const k = Math.round(1 / scale);
  if (k !== 0 && 1 / k === scale) return (v) => v / k;
  return (v) => v * scale;
}

// ---------------------------------------------------------------------------
// X: the data matrix

export type NonFinitePolicy = 'error' | 'drop';

export interface ExamplesOptions {
  /**
   * Where the examples are. -1 or 1: a 2-D array is already (n_x, m). 0: rows are
   * examples, (m, n_x), and it is transposed. Arrays of 3 or more dimensions have
   * examples on axis 0 and each example is flattened in C order, exactly like
   * NumPy's `X.reshape(m, -1).T` (with -1 they have examples on the last axis
   * instead: `X.reshape(-1, m)`). A 1-D array is a single feature, (1, m).
   */
  examplesAxis: -1 | 0 | 1;
  /** Multiply every value by this (1/255 for pixels); see `scaler`. */
  scale?: number;
  precision?: Precision;
  /** Names the array in messages, e.g. "X (train.h5: train_set_x)". */
  what: string;
  /**
   * NaN or ±Infinity in X: 'error' (the default) throws, naming the first one;
   * 'keep' leaves them for dropNonFinite to remove together with their labels.
   */
  nonFinite?: 'error' | 'keep';
}

/**
 * X as the course's (n_x, m) matrix, examples as columns. See ExamplesOptions for
 * how each shape maps.
 */
export function toExamplesMatrix(a: NdArray, opts: ExamplesOptions): Matrix {
  const { what } = opts;
  const shape = a.shape;
  const nd = shape.length;
  const axis = opts.examplesAxis;
  if (axis !== -1 && axis !== 0 && axis !== 1) {
    throw new ImportError(`${what}: examples axis must be -1, 0 or 1, got ${String(axis)}`);
  }
  if (nd === 0) {
    throw new ImportError(`${what}: a single value (0-D array) cannot be a data matrix`);
  }
  let rows: number;
  let cols: number;
  let transpose: boolean;
  if (nd === 1) {
    [rows, cols, transpose] = [1, shape[0], false];
  } else if (axis === 0) {
    // (m, rest...) → (prod(rest), m): the transpose of the C-order (m, n_x) view.
    const m = shape[0];
    [rows, cols, transpose] = [sizeOf(shape.slice(1)), m, true];
  } else if (nd === 2 || axis === -1) {
    const m = shape[nd - 1];
    [rows, cols, transpose] = [sizeOf(shape.slice(0, nd - 1)), m, false];
  } else {
    throw new ImportError(
      `${what}: examples axis 1 applies to 2-D arrays only; this one has shape ${shapeText(shape)} (use 0 or -1)`,
    );
  }

  const src = a.data;
  const scale = scaler(opts.scale);
  const out = allocate(rows * cols, opts.precision ?? 'float64');
  if (!transpose) {
    for (let i = 0; i < out.length; i++) out[i] = scale(src[i]);
  } else {
    // src is (cols, rows) in C order; out is (rows, cols). Blocked for the cache.
    const B = 64;
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(j0 + B, cols);
      for (let i0 = 0; i0 < rows; i0 += B) {
        const i1 = Math.min(i0 + B, rows);
        for (let j = j0; j < j1; j++) {
          const base = j * rows;
          for (let i = i0; i < i1; i++) out[i * cols + j] = scale(src[base + i]);
        }
      }
    }
  }
  const X = new Matrix(rows, cols, out);
  if ((opts.nonFinite ?? 'error') === 'error') {
    const bad = findNonFinite(X);
    if (bad) {
      let where = '';
      if (nd >= 3 && axis === 0) {
        where = ` (element [${unravel(bad.feature, shape.slice(1)).join(', ')}] of example ${bad.example})`;
      }
      throw new ImportError(
        `${what}: example ${bad.example}, feature ${bad.feature}${where} is ${bad.value}; ` +
          `data must be finite numbers (non_finite: 'drop' leaves such examples out)`,
      );
    }
  }
  return X;
}

/** The C-order multi-index of flat index i in an array of this shape. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

export interface NonFiniteValue {
  /** The column of X. */
  example: number;
  /** The row of X. */
  feature: number;
  value: number;
}

/** The first NaN or ±Infinity of X in example order (then feature order), or null. */
export function findNonFinite(X: Matrix): NonFiniteValue | null {
  const d = X.data;
  let any = false;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      any = true;
      break;
    }
  }
  if (!any) return null;
  for (let j = 0; j < X.cols; j++) {
    for (let i = 0; i < X.rows; i++) {
      const v = d[i * X.cols + j];
      if (!Number.isFinite(v)) return { example: j, feature: i, value: v };
    }
  }
  return null;
}

/**
 * Drops every example (column) that has a NaN or ±Infinity in X or Y, from both.
 * Returns the new matrices and the indices of the dropped examples.
 */
export function dropNonFinite(
  X: Matrix,
  Y: Matrix,
): { X: Matrix; Y: Matrix; dropped: number[] } {
  if (X.cols !== Y.cols) {
    throw new ImportError(`X has ${X.cols} examples but Y has ${Y.cols}`);
  }
  const m = X.cols;
  const bad = new Uint8Array(m);
  for (const M of [X, Y]) {
    for (let i = 0; i < M.rows; i++) {
      const row = i * m;
      for (let j = 0; j < m; j++) if (!Number.isFinite(M.data[row + j])) bad[j] = 1;
    }
  }
  const dropped: number[] = [];
  for (let j = 0; j < m; j++) if (bad[j]) dropped.push(j);
  if (dropped.length === 0) return { X, Y, dropped };
  const keep = m - dropped.length;
  const compact = (M: Matrix): Matrix => {
    const out = allocate(M.rows * keep, M.precision);
    let o = 0;
    for (let i = 0; i < M.rows; i++) {
      const row = i * m;
      for (let j = 0; j < m; j++) if (!bad[j]) out[o++] = M.data[row + j];
    }
    return new Matrix(M.rows, keep, out);
  };
  return { X: compact(X), Y: compact(Y), dropped };
}

// ---------------------------------------------------------------------------
// Y: the labels

/**
 * Class labels as the course's (1, m) row. Accepts shapes (1, m), (m, 1) and (m,);
 * values must be non-negative integers: integer or bool dtypes, or floats equal to
 * an integer. Anything else is an error naming `what` and the first bad index.
 */
export function toLabels(a: NdArray, what: string, opts: { precision?: Precision } = {}): Matrix {
  const s = a.shape;
  const ok = s.length === 1 || (s.length === 2 && (s[0] === 1 || s[1] === 1));
  if (!ok) {
    throw new ImportError(
      `${what}: labels must have shape (1, m), (m, 1) or (m,), got ${shapeText(s)}`,
    );
  }
  const m = a.data.length;
  const out = allocate(m, opts.precision ?? 'float64');
  const src = a.data;
  for (let j = 0; j < m; j++) {
    const v = src[j];
    if (!Number.isInteger(v)) {
      throw new ImportError(`${what}: label at index ${j} is ${v}, not an integer`);
    }
    if (v < 0) {
      throw new ImportError(
        `${what}: label at index ${j} is ${v}; class labels must be 0, 1, 2, …`,
      );
    }
    out[j] = v;
  }
  return new Matrix(1, m, out);
}

// ---------------------------------------------------------------------------
// X and Y together

export interface DatasetOptions extends Omit<ExamplesOptions, 'what' | 'nonFinite'> {
  /** Names X in messages. */
  xWhat: string;
  /** Names Y in messages. */
  yWhat: string;
  /** NaN or ±Infinity in X: 'error' (default) or 'drop' those examples from X and Y. */
  nonFinite?: NonFinitePolicy;
}

/**
 * X (n_x, m) and Y (1, m) from two arrays, checked to have the same number of
 * examples, with non-finite examples rejected or dropped.
 */
export function toDataset(
  x: NdArray,
  y: NdArray,
  opts: DatasetOptions,
): { X: Matrix; Y: Matrix; dropped: number[] } {
  const policy = opts.nonFinite ?? 'error';
  if (policy !== 'error' && policy !== 'drop') {
    throw new ImportError(`nonFinite must be 'error' or 'drop', got '${String(policy)}'`);
  }
  const X = toExamplesMatrix(x, {
    ...opts,
    what: opts.xWhat,
    nonFinite: policy === 'drop' ? 'keep' : 'error',
  });
  const Y = toLabels(y, opts.yWhat, opts);
  if (X.cols !== Y.cols) {
    throw new ImportError(
      `${opts.xWhat} has ${X.cols} examples but ${opts.yWhat} has ${Y.cols} labels`,
    );
  }
  return policy === 'drop' ? dropNonFinite(X, Y) : { X, Y, dropped: [] };
}
