// The corpus of broken files (test/fixtures/broken, from make_broken.py): each
// must fail with its own specific message, never a generic one or a crash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src-core/io/csv.js';
import { listHdf5, readHdf5 } from '../../src-core/io/hdf5.js';
import { readMat } from '../../src-core/io/mat.js';
import { ImportError, toDataset, toLabels } from '../../src-core/io/ndarray.js';
import { readNpy } from '../../src-core/io/npy.js';
import { readNpz } from '../../src-core/io/npz.js';

const DIR = join(import.meta.dirname, '../fixtures/broken');
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));

/** Runs the reader for the file's extension and returns its error message. */
async function failure(name: string, key = 'X'): Promise<string> {
  const b = bytes(name);
  try {
    if (name.endsWith('.npy')) readNpy(b, name);
    else if (name.endsWith('.npz')) readNpz(b, name);
    else if (name.endsWith('.h5')) await readHdf5(b, key, name);
    else if (name.endsWith('.mat')) readMat(b, name);
    else await parseCsv([b], { label: 'y', name });
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    return (e as Error).message;
  }
  throw new Error(`${name} was read without an error`);
}

const SUPPORTED = '(supported: u1 i1 u2 i2 u4 i4 u8 i8 f4 f8 b1)';
const CASES: [string, string][] = [
  // .npy
  ['npy_truncated_header.npy', 'npy_truncated_header.npy: truncated header: it declares 118 bytes but only 30 follow'],
  ['npy_truncated_data.npy', 'npy_truncated_data.npy: truncated data: shape (10,) of float64 needs 80 bytes, but the file has 40 bytes of data'],
  ['npy_extra_data.npy', 'npy_extra_data.npy: data size mismatch: shape (10,) of float64 needs 80 bytes, but the file has 88 bytes of data'],
  ['npy_huge_shape.npy', 'npy_huge_shape.npy: truncated data: shape (1000000, 1000000) of float64 needs 8000000000000 bytes, but the file has 8 bytes of data'],
  ['npy_wrong_magic.npy', 'npy_wrong_magic.npy: not a .npy file: it does not start with the magic \\x93NUMPY (it starts with bytes 93 4e 55 4d 50 58)'],
  ['npy_text.npy', 'npy_text.npy: not a .npy file: it does not start with the magic \\x93NUMPY (it starts with bytes 78 31 2c 78 32 0a)'],
  ['npy_version_9.npy', 'npy_version_9.npy: .npy format version 9.0 is not supported (1.0, 2.0 and 3.0 are)'],
  ['npy_object.npy', `npy_object.npy: dtype '|O' (object arrays) is not supported ${SUPPORTED}`],
  ['npy_complex.npy', `npy_complex.npy: dtype '<c16' (complex numbers) is not supported ${SUPPORTED}`],
  ['npy_unicode.npy', `npy_unicode.npy: dtype '<U3' (Unicode strings) is not supported ${SUPPORTED}`],
  ['npy_float16.npy', `npy_float16.npy: dtype '<f2' (a float size other than 4 or 8 bytes) is not supported ${SUPPORTED}`],
  ['npy_structured.npy', "npy_structured.npy: dtype [('x', '<f8'), ('y', '<i4')] (structured arrays) is not supported"],
  ['npy_header_not_dict.npy', 'npy_header_not_dict.npy: header is not a Python dict literal: [1, 2, 3]'],
  ['npy_header_garbage.npy', "npy_header_garbage.npy: header is not a Python dict literal: unexpected end at character 54: {'descr': '<f8', 'fortran_order': False, 'shape': (3,"],
  ['npy_header_no_shape.npy', "npy_header_no_shape.npy: header has no 'shape': {'descr': '<f8', 'fortran_order': False, }"],
  ['npy_negative_shape.npy', "npy_negative_shape.npy: header's 'shape' must be a tuple of non-negative integers"],
  ['npy_int64_overflow.npy', 'npy_int64_overflow.npy: int64 value 4611686018427387904 at index [1] exceeds 2^53 in magnitude and cannot be held exactly as a number'],
  // .npz
  ['npz_not_npz.npz', "npz_not_npz.npz: member 'readme.txt' is not a .npy file; an .npz archive holds only .npy files, so this zip is not an .npz"],
  ['npz_not_zip.npz', 'npz_not_zip.npz: not an .npz file (not a zip archive)'],
  ['npz_bad_member.npz', 'npz_bad_member.npz: x.npy: not a .npy file'],
  ['npz_truncated.npz', 'npz_truncated.npz: not a readable zip archive: invalid zip data'],
  ['npz_empty.npz', 'npz_empty.npz: the archive holds no arrays'],
  // HDF5 (key 'X')
  ['h5_without_key.h5', "h5_without_key.h5: no dataset 'X'; datasets are: list_classes, train_set_x, train_set_y"],
  ['h5_not_hdf5.h5', 'h5_not_hdf5.h5: not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, …)'],
  ['h5_truncated.h5', 'h5_truncated.h5: HDF5 cannot open it (damaged or truncated?)'],
  ['h5_lzf.h5', "h5_lzf.h5: dataset 'X' is compressed with 'lzf' (filter id 32000), which this HDF5 reader lacks; save it with gzip or no compression"],
  // MATLAB
  ['mat_v73.mat', 'mat_v73.mat is a MATLAB v7.3 file; load it as HDF5'],
  ['mat_not_mat.mat', "mat_not_mat.mat: not a MATLAB v5 .mat file (no 'MATLAB 5.0 MAT-file' header; MATLAB v4 files are not supported)"],
  ['mat_truncated.mat', 'mat_truncated.mat: truncated: the element at offset 128 declares 400 bytes, only 40 follow'],
  // CSV (label column 'y')
  ['csv_empty.csv', 'csv_empty.csv is empty'],
  ['csv_ragged.csv', 'csv_ragged.csv line 17: 3 fields, expected 4'],
  ['csv_not_number.csv', "csv_not_number.csv line 17, column 'x2': 'abc' is not a number"],
  ['csv_nan.csv', "csv_nan.csv line 3, column 'x2': NaN is not a finite number (non_finite: 'drop' leaves such rows out)"],
  ['csv_inf.csv', "csv_inf.csv line 4, column 'x1': -Infinity is not a finite number (non_finite: 'drop' leaves such rows out)"],
  ['csv_missing.csv', "csv_missing.csv line 2, column 'x2': missing value (non_finite: 'drop' leaves such rows out)"],
  ['csv_unclosed_quote.csv', 'csv_unclosed_quote.csv line 3: a quoted field is never closed'],
];

describe('broken files fail with their own message', () => {
  it.each(CASES)('%s', async (name, message) => {
    expect(await failure(name)).toContain(message);
  });
});

describe('awkward but valid files', () => {
  it('listHdf5 flags a dataset it cannot decode instead of offering it', async () => {
    const [x] = await listHdf5(bytes('h5_lzf.h5'), 'h5_lzf.h5');
    expect(x).toMatchObject({ key: 'X', shape: [10, 10], dtype: null });
    expect(x.type).toBe(
      "float64, unreadable: it is compressed with 'lzf' (filter id 32000), which this HDF5 reader lacks; save it with gzip or no compression",
    );
  });
  it('CSV with a BOM and CRLF line ends', async () => {
    const r = await parseCsv([bytes('csv_bom_crlf.csv')], { label: 'y', name: 'csv_bom_crlf.csv' });
    expect(r.featureNames).toEqual(['x1', 'x2']);
    expect(r.X.toRows()).toEqual([[1.5, 3], [2e-3, 4]]);
    expect(r.classNames).toEqual(['cat', 'dog']);
  });
});

describe('NaN and Inf in data: rejected by default, dropped with the option', () => {
  const y = readNpy(bytes('y_ok.npy'), 'y_ok.npy');
  const base = { examplesAxis: 0 as const, xWhat: 'X (x_nan.npy)', yWhat: 'y (y_ok.npy)' };
  it('rejects, naming example and feature', () => {
    expect(() => toDataset(readNpy(bytes('x_nan.npy')), y, base)).toThrow(
      "X (x_nan.npy): example 2, feature 1 is NaN; data must be finite numbers (non_finite: 'drop' leaves such examples out)",
    );
    expect(() => toDataset(readNpy(bytes('x_inf.npy')), y, { ...base, xWhat: 'X (x_inf.npy)' })).toThrow(
      'X (x_inf.npy): example 1, feature 0 is Infinity;',
    );
  });
  it('drops those examples from X and Y', () => {
    const r = toDataset(readNpy(bytes('x_nan.npy')), y, { ...base, nonFinite: 'drop' });
    expect(r.dropped).toEqual([2]);
    expect(r.X.toRows()).toEqual([[0, 3, 9], [1, 4, 10], [2, 5, 11]]);
    expect(r.Y.toRows()).toEqual([[0, 1, 0]]);
  });
  it('CSV: rejects by default and drops with the option', async () => {
    await expect(parseCsv([bytes('csv_nan.csv')], { label: 'y', name: 'csv_nan.csv' })).rejects.toThrow('line 3');
    const r = await parseCsv([bytes('csv_inf.csv')], { label: 'y', name: 'csv_inf.csv', nonFinite: 'drop' });
    expect(r.dropped).toEqual([4]);
    expect(r.X.toRows()).toEqual([[1, 3, 7], [2, 4, 8]]);
  });
  it('labels that are not class indices', () => {
    expect(() => toLabels(readNpy(bytes('y_half.npy')), 'y (Y.npy)')).toThrow(
      'y (Y.npy): label at index 17 is 0.5, not an integer',
    );
    expect(() => toLabels(readNpy(bytes('y_2d.npy')), 'y (y_2d.npy)')).toThrow(
      'y (y_2d.npy): labels must have shape (1, m), (m, 1) or (m,), got (2, 3)',
    );
  });
});
