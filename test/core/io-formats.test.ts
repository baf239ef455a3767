// The readers against files NumPy, SciPy and h5py wrote: every value must match
// exactly (NaN, ±Infinity and -0 included). The files and expected.json come from
// test/fixtures/io/make_io_fixtures.py.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { listHdf5, readHdf5 } from '../../src-core/io/hdf5.js';
import { listMat, readMat } from '../../src-core/io/mat.js';
import type { NdArray } from '../../src-core/io/ndarray.js';
import { readNpy, writeNpy } from '../../src-core/io/npy.js';
import { readNpz, writeNpz } from '../../src-core/io/npz.js';

const DIR = join(import.meta.dirname, '../fixtures/io');
type Expected = { dtype: string; shape: number[]; values: (number | string)[] };
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  Expected | Record<string, Expected>
>;
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, 'files', name)));

function decodeValue(v: number | string): number {
  if (typeof v === 'number') return v;
  return { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }[v] ?? Number(v);
}

/** Exact comparison; reports the first differing index. */
function expectArray(a: NdArray, e: Expected, what: string): void {
  expect(a.dtype, `${what} dtype`).toBe(e.dtype);
  expect(a.shape, `${what} shape`).toEqual(e.shape);
  expect(a.data.length, `${what} length`).toBe(e.values.length);
  for (let i = 0; i < e.values.length; i++) {
    const want = decodeValue(e.values[i]);
    if (!Object.is(a.data[i], want)) {
      expect.fail(`${what}: value ${i} is ${a.data[i]}, expected ${want}`);
    }
  }
}

const npyNames = Object.keys(EXPECTED).filter((k) => k.endsWith('.npy'));

describe('readNpy against NumPy', () => {
  it('has fixtures of every dtype, byte order, order and rank', () => {
    expect(npyNames.length).toBeGreaterThan(30);
  });
  it.each(npyNames)('%s', (name) => {
    expectArray(readNpy(file(name), name), EXPECTED[name] as Expected, name);
  });
  it('refuses an int64 beyond 2^53 instead of rounding it', () => {
    expect(() => readNpy(file('i8_too_big.npy'), 'big.npy')).toThrow(
      "big.npy: int64 value 9007199254740993 at index [1] exceeds 2^53 in magnitude and cannot be held exactly as a number",
    );
  });
});

describe('writeNpy', () => {
  it.each(npyNames)('round-trips %s byte for byte through NumPy-compatible C order', (name) => {
    const a = readNpy(file(name), name);
    const again = readNpy(writeNpy(a), 'rewritten');
    expect(again.dtype).toBe(a.dtype);
    expect(again.shape).toEqual(a.shape);
    expect(again.data).toEqual(a.data);
  });
  it('writes the header NumPy writes for a little-endian C-order array', () => {
    // Same dtype, shape and order as the NumPy-written f8_2d_c.npy: identical bytes.
    const original = file('f8_2d_c.npy');
    expect(writeNpy(readNpy(original))).toEqual(original);
    const u1 = file('u1_na_c.npy');
    expect(writeNpy(readNpy(u1))).toEqual(u1);
  });
  it('uses format 2.0 when the header does not fit 64 KiB', () => {
    const shape = Array.from({ length: 30000 }, () => 1);
    const bytes = writeNpy({ dtype: 'float64', shape, data: new Float64Array([7]) });
    expect(bytes[6]).toBe(2);
    expect(readNpy(bytes).data[0]).toBe(7);
  });
  it('rejects data that does not fit the shape', () => {
    expect(() => writeNpy({ dtype: 'float64', shape: [2, 2], data: new Float64Array(3) })).toThrow(
      'writeNpy: shape (2, 2) needs 4 values, got 3',
    );
  });
});

describe('readNpz against NumPy', () => {
  for (const name of ['stored.npz', 'compressed.npz']) {
    it(name, () => {
      const arrays = readNpz(file(name), name);
      const want = EXPECTED[name] as Record<string, Expected>;
      expect([...arrays.keys()].sort()).toEqual(Object.keys(want).sort());
      for (const [k, e] of Object.entries(want)) expectArray(arrays.get(k)!, e, `${name}:${k}`);
    });
  }
  it('writeNpz round-trips, stored and compressed', () => {
    const arrays = Object.fromEntries(readNpz(file('stored.npz')));
    for (const compress of [false, true]) {
      const back = readNpz(writeNpz(arrays, { compress }));
      for (const [k, a] of Object.entries(arrays)) expect(back.get(k)).toEqual(a);
    }
  });
});

describe('readMat against SciPy', () => {
  for (const name of ['plain.mat', 'compressed.mat']) {
    it(name, () => {
      const vars = readMat(file(name), name);
      const want = EXPECTED[name] as Record<string, Expected>;
      expect([...vars.keys()].sort()).toEqual(Object.keys(want).sort());
      for (const [k, e] of Object.entries(want)) expectArray(vars.get(k)!, e, `${name}:${k}`);
    });
  }
  it('lists the variables it skips, with the reason', () => {
    const list = listMat(file('plain.mat'), 'plain.mat');
    const byName = Object.fromEntries(list.map((v) => [v.name, v]));
    expect(byName.A).toMatchObject({ matlabClass: 'double', shape: [3, 4], dtype: 'float64', skipped: null });
    expect(byName.flag).toMatchObject({ matlabClass: 'logical', dtype: 'bool' });
    expect(byName.name).toMatchObject({ matlabClass: 'char', dtype: null, skipped: 'char arrays are not numeric matrices' });
    expect(byName.z).toMatchObject({ dtype: null, skipped: 'complex numbers are not supported' });
    expect(byName.st).toMatchObject({ matlabClass: 'struct', dtype: null });
    expect(byName.c).toMatchObject({ matlabClass: 'cell', dtype: null });
  });
});

describe('readHdf5 against h5py', () => {
  const want = EXPECTED['nested.h5'] as Record<string, Expected>;
  for (const key of Object.keys(want)) {
    it(key, async () => {
      expectArray(await readHdf5(file('nested.h5'), key, 'nested.h5'), want[key], key);
    });
  }
  it('lists every dataset, nested ones by path, with what it holds', async () => {
    const list = await listHdf5(file('nested.h5'), 'nested.h5');
    expect(list.map((d) => d.key)).toEqual([
      'flags',
      'grp/be',
      'grp/sub/labels',
      'grp/sub/packed',
      'i2be',
      'names',
      'scalar',
      'x',
    ]);
    expect(list.find((d) => d.key === 'names')).toEqual({ key: 'names', shape: [2], dtype: null, type: 'strings' });
    expect(list.find((d) => d.key === 'x')).toEqual({ key: 'x', shape: [4, 2, 3], dtype: 'uint8', type: 'uint8' });
  });
  it('accepts a key with a leading slash', async () => {
    const a = await readHdf5(file('nested.h5'), '/grp/be');
    expect(a.shape).toEqual([3, 2]);
  });
  it('names the datasets there are when the key is missing, or a group', async () => {
    await expect(readHdf5(file('nested.h5'), 'foo', 'nested.h5')).rejects.toThrow(
      "nested.h5: no dataset 'foo'; datasets are: flags, grp/be, grp/sub/labels, grp/sub/packed, i2be, names, scalar, x",
    );
    await expect(readHdf5(file('nested.h5'), 'grp', 'nested.h5')).rejects.toThrow(
      "nested.h5: 'grp' is a group, not a dataset; datasets are:",
    );
    await expect(readHdf5(file('nested.h5'), 'names', 'nested.h5')).rejects.toThrow(
      "nested.h5: dataset 'names' holds strings, not numbers",
    );
  });
});

// ---------------------------------------------------------------------------
// .mat files built byte by byte from the MAT-file Level 5 spec, for what SciPy
// does not write: big-endian files, storage types narrower than the class, and
// v7.3 headers.

const MI_INT8 = 1;
const MI_UINT8 = 2;
const MI_INT32 = 5;
const MI_UINT32 = 6;
const MI_DOUBLE = 9;
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;

function matHeader(le: boolean, text = 'MATLAB 5.0 MAT-file, built by io-formats.test.ts'): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  for (let i = 0; i < text.length; i++) h[i] = text.charCodeAt(i);
  h.fill(0, 116, 124);
  const v = new DataView(h.buffer);
  v.setUint16(124, 0x0100, le);
  v.setUint16(126, 0x4d49, le); // 'MI' written in the file's byte order
  return h;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A data element: tag (type, byte count) and data, padded to 8 bytes. */
function element(type: number, data: Uint8Array, le: boolean, pad = true): Uint8Array {
  const size = pad ? Math.ceil(data.length / 8) * 8 : data.length;
  const out = new Uint8Array(8 + size);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, le);
  v.setUint32(4, data.length, le);
  out.set(data, 8);
  return out;
}

function words(values: number[], bytes: number, write: (v: DataView, o: number, x: number) => void): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => write(v, i * bytes, x));
  return out;
}

function matrix(le: boolean, name: string, mxClass: number, dims: number[], real: Uint8Array, realType: number, flags = 0): Uint8Array {
  const fl = words([mxClass | flags, 0], 4, (v, o, x) => v.setUint32(o, x, le));
  const dm = words(dims, 4, (v, o, x) => v.setInt32(o, x, le));
  const nm = new Uint8Array([...name].map((c) => c.charCodeAt(0)));
  return element(
    MI_MATRIX,
    concat([element(MI_UINT32, fl, le), element(MI_INT32, dm, le), element(MI_INT8, nm, le), element(realType, real, le)]),
    le,
  );
}

describe('readMat on hand-built files', () => {
  // [[1, 2, 3], [4, 5, 6]] is stored column-major: 1 4 2 5 3 6.
  const colMajor = [1, 4, 2, 5, 3, 6];

  for (const le of [true, false]) {
    it(`reads a ${le ? 'little' : 'big'}-endian double matrix, column-major to row-major`, () => {
      const real = words(colMajor, 8, (v, o, x) => v.setFloat64(o, x, le));
      const bytes = concat([matHeader(le), matrix(le, 'Xtrain', 6, [2, 3], real, MI_DOUBLE)]);
      const a = readMat(bytes, 'h.mat').get('Xtrain')!;
      expect(a).toEqual({ dtype: 'float64', shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) });
    });
  }

  it('reads a double stored as uint8 (as MATLAB saves integer-valued doubles) as float64', () => {
    const bytes = concat([matHeader(true), matrix(true, 'y', 6, [3, 1], new Uint8Array([0, 1, 1]), MI_UINT8)]);
    expect(readMat(bytes).get('y')).toEqual({ dtype: 'float64', shape: [3, 1], data: new Float64Array([0, 1, 1]) });
  });

  it('reads a compressed variable, and a big-endian int32 class', () => {
    const le = false;
    const real = words(colMajor, 4, (v, o, x) => v.setInt32(o, -x, le));
    const inner = matrix(le, 'k', 12, [2, 3], real, MI_INT32);
    const bytes = concat([matHeader(le), element(MI_COMPRESSED, zlibSync(inner), le, false)]);
    expect(readMat(bytes).get('k')).toEqual({ dtype: 'int32', shape: [2, 3], data: new Int32Array([-1, -2, -3, -4, -5, -6]) });
  });

  it('skips opaque objects (MATLAB strings) and the unnamed subsystem data', () => {
    const le = true;
    const fl = words([17, 0], 4, (v, o, x) => v.setUint32(o, x, le));
    const txt = (t: string): Uint8Array => new TextEncoder().encode(t);
    const opaque = element(
      MI_MATRIX,
      concat([element(MI_UINT32, fl, le), element(MI_INT8, txt('s'), le), element(MI_INT8, txt('MCOS'), le), element(MI_INT8, txt('string'), le), element(MI_UINT32, new Uint8Array(8), le)]),
      le,
    );
    const real = words([1, 2], 8, (v, o, x) => v.setFloat64(o, x, le));
    const bytes = concat([
      matHeader(le),
      opaque,
      matrix(le, 'X', 6, [1, 2], real, MI_DOUBLE),
      matrix(le, '', 9, [1, 8], new Uint8Array(8), MI_UINT8),
    ]);
    expect([...readMat(bytes).keys()]).toEqual(['X']);
    expect(listMat(bytes)).toEqual([
      { name: 's', matlabClass: 'opaque object (string)', shape: [], dtype: null, skipped: 'opaque objects are not numeric matrices' },
      { name: 'X', matlabClass: 'double', shape: [1, 2], dtype: 'float64', skipped: null },
    ]);
  });

  it('says that a v7.3 file is HDF5', () => {
    const bytes = concat([matHeader(true, 'MATLAB 7.3 MAT-file, Platform: GLNXA64, HDF5 schema 1.00 .'), new Uint8Array(600)]);
    expect(() => readMat(bytes, 'big.mat')).toThrow('big.mat is a MATLAB v7.3 file; load it as HDF5');
  });

  it('rejects data that does not fit the dimensions, before allocating', () => {
    const bytes = concat([matHeader(true), matrix(true, 'X', 6, [100000, 100000], new Uint8Array(16), MI_DOUBLE)]);
    expect(() => readMat(bytes, 'h.mat')).toThrow(
      "h.mat: variable 'X': shape (100000, 100000) needs 10000000000 values of float64 (80000000000 bytes), the data element has 16 bytes",
    );
  });

  it('rejects truncated files and files that are not .mat', () => {
    const ok = concat([matHeader(true), matrix(true, 'X', 6, [1, 1], new Uint8Array(8), MI_DOUBLE)]);
    expect(() => readMat(ok.subarray(0, ok.length - 4), 'h.mat')).toThrow(/^h\.mat: truncated: the element at offset 128 declares/);
    expect(() => readMat(new Uint8Array(200), 'h.mat')).toThrow("h.mat: not a MATLAB v5 .mat file");
    expect(() => readMat(matHeader(true), 'empty.mat')).toThrow('empty.mat: no numeric matrices; it holds no variables');
  });
});
