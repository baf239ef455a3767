// NdArray → Matrix: the course's layouts (X as (n_x, m), Y as (1, m)), scaling,
// and what happens to non-finite values and bad labels.
import { describe, expect, it } from 'vitest';
import {
  dropNonFinite,
  forEachColumnMajor,
  ndarray,
  scaler,
  toDataset,
  toExamplesMatrix,
  toLabels,
  transposeInPlace,
  type NdArray,
} from '../../src-core/io/ndarray.js';
import { Matrix } from '../../src-core/matrix.js';

const f64 = (shape: number[], values?: number[]): NdArray =>
  ndarray('float64', shape, new Float64Array(values ?? Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i)));

describe('toExamplesMatrix', () => {
  it('keeps a 2-D (n_x, m) array with examples axis -1 or 1', () => {
    for (const examplesAxis of [-1, 1] as const) {
      const X = toExamplesMatrix(f64([2, 3]), { examplesAxis, what: 'X' });
      expect(X.toRows()).toEqual([[0, 1, 2], [3, 4, 5]]);
    }
  });
  it('transposes a 2-D (m, n_x) array with examples axis 0', () => {
    const X = toExamplesMatrix(f64([3, 2]), { examplesAxis: 0, what: 'X' });
    expect(X.toRows()).toEqual([[0, 2, 4], [1, 3, 5]]);
  });
  it("flattens N-d arrays per example in C order, like NumPy's X.reshape(m, -1).T", () => {
    // (m=2, 2, 2, 3): example j is values j*12 … j*12+11, in C order.
    const X = toExamplesMatrix(f64([2, 2, 2, 3]), { examplesAxis: 0, what: 'X' });
    expect(X.shapeText).toBe('(12, 2)');
    for (let f = 0; f < 12; f++) expect([X.get(f, 0), X.get(f, 1)]).toEqual([f, 12 + f]);
  });
  it('takes examples on the last axis of an N-d array with -1: X.reshape(-1, m)', () => {
    const X = toExamplesMatrix(f64([2, 3, 4]), { examplesAxis: -1, what: 'X' });
    expect(X.shapeText).toBe('(6, 4)');
    expect(Array.from(X.data)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });
  it('makes a 1-D array a single feature, (1, m)', () => {
    expect(toExamplesMatrix(f64([4]), { examplesAxis: 0, what: 'X' }).shapeText).toBe('(1, 4)');
  });
  it('refuses a 0-D array and axis 1 on N-d arrays', () => {
    expect(() => toExamplesMatrix(f64([]), { examplesAxis: 0, what: 'X (x.npy)' })).toThrow(
      'X (x.npy): a single value (0-D array) cannot be a data matrix',
    );
    expect(() => toExamplesMatrix(f64([2, 3, 4]), { examplesAxis: 1, what: 'X' })).toThrow(
      'X: examples axis 1 applies to 2-D arrays only; this one has shape (2, 3, 4) (use 0 or -1)',
    );
  });
  it('converts integer dtypes and rounds to float32 once, after scaling in float64', () => {
    const a = ndarray('uint8', [1, 3], new Uint8Array([0, 7, 255]));
    const X = toExamplesMatrix(a, { examplesAxis: -1, scale: 1 / 255, precision: 'float32', what: 'X' });
    expect(X.data).toBeInstanceOf(Float32Array);
    expect(Array.from(X.data)).toEqual([0, Math.fround(7 / 255), 1]);
  });
  it('rejects NaN and Infinity naming the first in example order, with the element of N-d arrays', () => {
    expect(() => toExamplesMatrix(f64([3, 2], [0, 1, 2, NaN, 4, Infinity]), { examplesAxis: 0, what: 'X (X.npy)' })).toThrow(
      "X (X.npy): example 1, feature 1 is NaN; data must be finite numbers (non_finite: 'drop' leaves such examples out)",
    );
    const v = Array.from({ length: 24 }, (_, i) => (i === 17 ? -Infinity : i));
    expect(() => toExamplesMatrix(f64([2, 3, 4], v), { examplesAxis: 0, what: 'X' })).toThrow(
      'X: example 1, feature 5 (element [1, 1] of example 1) is -Infinity;',
    );
    const kept = toExamplesMatrix(f64([2], [NaN, 1]), { examplesAxis: 0, what: 'X', nonFinite: 'keep' });
    expect(Number.isNaN(kept.data[0])).toBe(true);
  });
});

describe('scaler', () => {
  it('divides by k when the scale is exactly 1/k, as NumPy computes x / k', () => {
    const s = scaler(0.00392156862745098);
    for (let v = 0; v < 256; v++) expect(s(v)).toBe(v / 255);
  });
  it('multiplies for any other scale', () => {
    expect(scaler(0.3)(7)).toBe(7 * 0.3);
    expect(scaler(undefined)(7)).toBe(7);
    expect(() => scaler(0)).toThrow('scale must be a finite non-zero number, got 0');
  });
});

describe('toLabels', () => {
  it('accepts (1, m), (m, 1) and (m,), of ints, bools, and integral floats', () => {
    for (const shape of [[1, 3], [3, 1], [3]]) {
      expect(toLabels(f64(shape, [0, 1, 2]), 'y').toRows()).toEqual([[0, 1, 2]]);
    }
    expect(toLabels(ndarray('bool', [2], new Uint8Array([1, 0])), 'y').toRows()).toEqual([[1, 0]]);
    expect(toLabels(ndarray('int64', [2], new Float64Array([3, 0])), 'y').toRows()).toEqual([[3, 0]]);
  });
  it('names the array and index of a bad label', () => {
    const v = Array.from({ length: 20 }, (_, i) => (i === 17 ? 0.5 : 1));
    expect(() => toLabels(f64([20], v), 'y (Y.npy)')).toThrow('y (Y.npy): label at index 17 is 0.5, not an integer');
    expect(() => toLabels(f64([2], [0, NaN]), 'y')).toThrow('y: label at index 1 is NaN, not an integer');
    expect(() => toLabels(f64([2], [0, -1]), 'y')).toThrow('y: label at index 1 is -1; class labels must be 0, 1, 2, …');
    expect(() => toLabels(f64([2, 3]), 'y (Y.npy)')).toThrow(
      'y (Y.npy): labels must have shape (1, m), (m, 1) or (m,), got (2, 3)',
    );
  });
});

describe('dropNonFinite and toDataset', () => {
  it('drops the examples with NaN or Infinity from X and Y alike', () => {
    const X = Matrix.fromRows([
      [1, NaN, 3, 4],
      [5, 6, 7, Infinity],
    ]);
    const Y = Matrix.fromRows([[0, 1, 0, 1]]);
    const r = dropNonFinite(X, Y);
    expect(r.dropped).toEqual([1, 3]);
    expect(r.X.toRows()).toEqual([[1, 3], [5, 7]]);
    expect(r.Y.toRows()).toEqual([[0, 0]]);
  });
  it('toDataset rejects by default, drops with the option, and checks m', () => {
    const x = f64([3, 2], [1, 2, NaN, 4, 5, 6]);
    const y = f64([3], [0, 1, 0]);
    const base = { examplesAxis: 0 as const, xWhat: 'X (X.npy)', yWhat: 'y (y.npy)' };
    expect(() => toDataset(x, y, base)).toThrow('X (X.npy): example 1, feature 0 is NaN');
    const r = toDataset(x, y, { ...base, nonFinite: 'drop' });
    expect(r.dropped).toEqual([1]);
    expect(r.X.toRows()).toEqual([[1, 5], [2, 6]]);
    expect(r.Y.toRows()).toEqual([[0, 0]]);
    expect(() => toDataset(f64([3, 2]), f64([2], [0, 1]), base)).toThrow('X (X.npy) has 3 examples but y (y.npy) has 2 labels');
  });
});

describe('forEachColumnMajor', () => {
  it('maps every C index to its column-major position', () => {
    for (const shape of [[5], [2, 3], [3, 1, 4], [2, 3, 4, 5], [1, 1, 1], [0, 3]]) {
      const seen: [number, number][] = [];
      forEachColumnMajor(shape, (c, f) => seen.push([c, f]));
      const n = shape.reduce((a, b) => a * b, 1);
      expect(seen.length).toBe(n);
      for (const [c, f] of seen) {
        // C multi-index of c, then column-major offset of that multi-index.
        let rest = c;
        const idx = shape.map(() => 0);
        for (let k = shape.length - 1; k >= 0; k--) {
          idx[k] = rest % shape[k];
          rest = Math.floor(rest / shape[k]);
        }
        let off = 0;
        for (let k = shape.length - 1; k >= 0; k--) off = off * shape[k] + idx[k];
        expect(f).toBe(off);
      }
    }
  });
});

describe('transposeInPlace', () => {
  it('turns (rows, cols) into (cols, rows) for square, tall, wide and degenerate shapes', () => {
    const shapes = [[1, 1], [1, 7], [7, 1], [3, 3], [2, 5], [5, 2], [17, 4], [64, 129], [1000, 3], [3, 1000]];
    // Small scratches force every path: blocks of one row, whole blocks only, blocks and a tail.
    for (const scratch of [1, 7, 12, 64, 1 << 18]) {
      for (const [rows, cols] of shapes) {
        const a = Float64Array.from({ length: rows * cols }, (_, i) => i);
        transposeInPlace(a, rows, cols, scratch);
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            if (a[c * rows + r] !== r * cols + c) expect.fail(`(${rows}, ${cols}) scratch ${scratch}: wrong at (${c}, ${r})`);
          }
        }
      }
    }
    const f = Float32Array.from({ length: 12 }, (_, i) => i);
    transposeInPlace(f, 4, 3, 6);
    expect(Array.from(f)).toEqual([0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  });
});
