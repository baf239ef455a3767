// The importers on the course's real datasets in ../shared/datasets, compared with
// what NumPy, h5py and SciPy make of them (test/fixtures/io/dataset-refs.json,
// from make_dataset_refs.py: checksums and sampled values, not the data).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHdf5 } from '../../src-core/io/hdf5.js';
import { readMat } from '../../src-core/io/mat.js';
import { toDataset, toExamplesMatrix, toLabels } from '../../src-core/io/ndarray.js';
import type { FloatArray, Matrix } from '../../src-core/matrix.js';

const DATASETS = join(import.meta.dirname, '../../../shared/datasets');
const present = existsSync(DATASETS);
if (!present) {
  console.warn(`io-datasets: skipped, ${DATASETS} is absent (it comes with ../shared beside the checkout)`);
}
const REFS = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/io/dataset-refs.json'), 'utf8'));
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DATASETS, name)));

function sha256(a: FloatArray): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

function expectSamples(X: Matrix, samples: [number, number, number][]): void {
  for (const [i, j, v] of samples) {
    if (X.get(i, j) !== v) expect.fail(`(${i}, ${j}) is ${X.get(i, j)}, NumPy has ${v}`);
  }
}

describe.skipIf(!present)('the course datasets (../shared/datasets)', () => {
  for (const name of ['train_catvnoncat.h5', 'test_catvnoncat.h5']) {
    const ref = REFS[name];
    it(`${name}: X equals NumPy's x.reshape(m, -1).T / 255 bit for bit`, async () => {
      const bytes = load(name);
      const x = await readHdf5(bytes, ref.x_key, name);
      expect(x.dtype).toBe(ref.x_dtype);
      expect(x.shape).toEqual(ref.x_shape);
      // The config's scale, as JSON gives it: 1/255 to 17 digits.
      const X = toExamplesMatrix(x, { examplesAxis: 0, scale: 0.00392156862745098, what: `X (${name})` });
      expect([X.rows, X.cols]).toEqual(ref.X_shape);
      expectSamples(X, ref.X_samples);
      expect(sha256(X.data)).toBe(ref.X_sha256);

      const X32 = toExamplesMatrix(x, { examplesAxis: 0, scale: 1 / 255, precision: 'float32', what: 'X' });
      expect(sha256(X32.data)).toBe(ref.X_float32_sha256);
    });

    it(`${name}: multiplying by 1/255 would not be bit-identical (why scale divides)`, async () => {
      const x = await readHdf5(load(name), ref.x_key, name);
      const X = toExamplesMatrix(x, { examplesAxis: 0, scale: 1 / 255, what: 'X' });
      let mismatches = 0;
      const m = x.shape[0];
      const n = X.rows;
      for (let j = 0; j < m; j++) {
        for (let i = 0; i < n; i++) if (x.data[j * n + i] * (1 / 255) !== X.data[i * m + j]) mismatches++;
      }
      expect(mismatches).toBe(ref.multiply_mismatches);
    });

    it(`${name}: Y is (1, m) from the int64 labels`, async () => {
      const bytes = load(name);
      const y = await readHdf5(bytes, ref.y_key, name);
      expect(y.dtype).toBe(ref.y_dtype);
      const Y = toLabels(y, `y (${name})`);
      expect([Y.rows, Y.cols]).toEqual(ref.Y_shape);
      expect(sha256(Y.data)).toBe(ref.Y_sha256);
      expect(Array.from(Y.data).reduce((s, v) => s + v, 0)).toBe(ref.Y_sum);
    });
  }

  it('train_catvnoncat.h5: X and Y together', async () => {
    const bytes = load('train_catvnoncat.h5');
    const x = await readHdf5(bytes, 'train_set_x', 'train_catvnoncat.h5');
    const y = await readHdf5(bytes, 'train_set_y', 'train_catvnoncat.h5');
    const { X, Y, dropped } = toDataset(x, y, { examplesAxis: 0, scale: 1 / 255, xWhat: 'X', yWhat: 'Y' });
    expect(X.shapeText).toBe('(12288, 209)');
    expect(Y.shapeText).toBe('(1, 209)');
    expect(dropped).toEqual([]);
  });

  it('a missing key names the datasets there are', async () => {
    await expect(readHdf5(load('train_catvnoncat.h5'), 'foo', 'train_catvnoncat.h5')).rejects.toThrow(
      "train_catvnoncat.h5: no dataset 'foo'; datasets are: list_classes, train_set_x, train_set_y",
    );
  });

  it("data.mat: X, y, Xval, yval equal SciPy's loadmat", () => {
    const vars = readMat(load('data.mat'), 'data.mat');
    const ref = REFS['data.mat'];
    for (const k of ['X', 'y', 'Xval', 'yval']) {
      const a = vars.get(k)!;
      // MATLAB's class is double for all four; SciPy returns y as the uint8 it is stored as.
      expect(a.dtype, k).toBe('float64');
      expect(a.shape, k).toEqual(ref[k].shape);
      expect(sha256(a.data as Float64Array), k).toBe(ref[k].sha256);
      for (const [i, j, v] of ref[k].samples) expect(a.data[i * a.shape[1] + j]).toBe(v);
    }
    // The course's layout: X (n_x, m) from rows-as-examples, y as (1, m).
    const X = toExamplesMatrix(vars.get('X')!, { examplesAxis: 0, what: 'X (data.mat)' });
    const Y = toLabels(vars.get('y')!, 'y (data.mat)');
    expect([X.shapeText, Y.shapeText]).toEqual(['(2, 211)', '(1, 211)']);
  });
});
