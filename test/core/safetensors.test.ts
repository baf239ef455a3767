// The safetensors reader and writer against the format's rules: byte for byte
// against the reference implementation's own test vectors (the Rust crate's
// tensor.rs tests), the layout rules checked on our files, round trips of every
// dtype, and one clear error per broken rule.
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../src-core/io/ndarray';
import { ImportError } from '../../src-core/io/ndarray';
import { MAX_HEADER_BYTES, readSafetensors, writeSafetensors } from '../../src-core/io/safetensors';

const enc = new TextEncoder();

/** A file from a header object (or its text) and a data buffer, laid out as the spec says. */
function file(header: unknown, data: Uint8Array | number = 0, pad = 0): Uint8Array {
  const json = enc.encode((typeof header === 'string' ? header : JSON.stringify(header)) + ' '.repeat(pad));
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (values: number[], shape: number[]): NdArray => ({ dtype: 'float32', shape, data: Float32Array.from(values) });

describe('writeSafetensors: byte for byte as the reference implementation', () => {
  it('writes the reference test_serialization file', () => {
    const out = writeSafetensors([['attn.0', f32([0, 1, 2, 3, 4, 5], [1, 2, 3])]]);
    // tensor.rs test_serialization: a 64-byte header, then six little-endian f32.
    expect(Array.from(out)).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50,
      34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101,
      116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
      160, 64,
    ]);
  });

  it('pads the header with spaces to align the data to 8 bytes (test_serialization_forced_alignement)', () => {
    const out = writeSafetensors([['attn0', f32([0, 1, 2, 3, 4, 5], [1, 1, 2, 3])]]);
    expect(Array.from(out.subarray(0, 8))).toEqual([72, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(out.subarray(8, 80))).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
    expect(Array.from(out.subarray(80))).toEqual([0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64]);
  });

  it('writes the reference empty files, with and without metadata (test_empty)', () => {
    expect(Array.from(writeSafetensors([]))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const out = writeSafetensors([], { framework: 'pt' });
    expect(Array.from(out)).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114, 97, 109, 101,
      119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ]);
    expect(readSafetensors(out).metadata).toEqual({ framework: 'pt' });
  });
});

describe('writeSafetensors: the layout rules, checked on a file of every dtype', () => {
  const arrays: [string, NdArray][] = [
    ['w', { dtype: 'float64', shape: [2, 3], data: Float64Array.from([1.5, -2, 3e300, -0, Infinity, NaN]) }],
    ['b', { dtype: 'float32', shape: [3, 1], data: Float32Array.from([0.1, 0.2, 0.3]) }],
    ['i64', { dtype: 'int64', shape: [2], data: Float64Array.from([-(2 ** 53), 2 ** 53]) }],
    ['u64', { dtype: 'uint64', shape: [1], data: Float64Array.from([2 ** 53]) }],
    ['i32', { dtype: 'int32', shape: [2], data: Int32Array.from([-5, 7]) }],
    ['u32', { dtype: 'uint32', shape: [1], data: Uint32Array.from([4294967295]) }],
    ['i16', { dtype: 'int16', shape: [1], data: Int16Array.from([-300]) }],
    ['u16', { dtype: 'uint16', shape: [1], data: Uint16Array.from([65535]) }],
    ['i8', { dtype: 'int8', shape: [1], data: Int8Array.from([-128]) }],
    ['u8', { dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 128, 255]) }],
    ['flag', { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) }],
    ['scalar', { dtype: 'float64', shape: [], data: Float64Array.from([42]) }],
    ['empty', { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) }],
  ];
  const metadata: Record<string, string> = Object.fromEntries([['note', 'a "quoted", unicode ✓ note'], ['__proto__', 'x']]);
  const bytes = writeSafetensors(arrays, metadata);

  it('has an 8-byte little-endian header size, a JSON header starting with {, space padding and aligned data', () => {
    const view = new DataView(bytes.buffer);
    const n = Number(view.getBigUint64(0, true));
    expect(8 + n).toBeLessThanOrEqual(bytes.length);
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    expect(text[0]).toBe('{');
    const trimmed = text.replace(/ +$/, '');
    expect(text.length - trimmed.length).toBeLessThan(8);
    const header = JSON.parse(trimmed) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
    expect(Object.keys(header)[0]).toBe('__metadata__');
    // Offsets tile the buffer in order: from 0, contiguous, ending at the end of the file.
    let at = 0;
    for (const [name, a] of arrays) {
      const e = header[name];
      expect(e.shape).toEqual(a.shape);
      expect(e.data_offsets[0]).toBe(at);
      at = e.data_offsets[1];
    }
    expect(8 + n + at).toBe(bytes.length);
    expect(header.w.dtype).toBe('F64');
    expect(header.flag.dtype).toBe('BOOL');
    expect(header.u64.dtype).toBe('U64');
    // Little-endian values where they were put.
    const start = 8 + n;
    expect(view.getFloat64(start, true)).toBe(1.5);
    expect(view.getBigInt64(start + header.i64.data_offsets[0], true)).toBe(-(2n ** 53n));
    expect(view.getInt16(start + header.i16.data_offsets[0], true)).toBe(-300);
  });

  it('reads back every dtype, shape and value, and the metadata', () => {
    const back = readSafetensors(bytes, 'all.safetensors');
    expect([...back.tensors.keys()]).toEqual(arrays.map(([n]) => n));
    for (const [name, a] of arrays) {
      const got = back.tensors.get(name)!;
      expect(got.dtype, name).toBe(a.dtype);
      expect(got.shape, name).toEqual(a.shape);
      expect(Array.from(got.data), name).toEqual(Array.from(a.data));
      expect(got.data.constructor, name).toBe(a.data.constructor);
    }
    expect(Object.is(back.tensors.get('w')!.data[3], -0)).toBe(true);
    expect(back.metadata).toEqual(metadata);
    expect(Object.hasOwn(back.metadata!, '__proto__')).toBe(true);
  });

  it('reads a file whose data does not start at an aligned address', () => {
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = readSafetensors(shifted.subarray(3));
    expect(Array.from(back.tensors.get('w')!.data.subarray(0, 2))).toEqual([1.5, -2]);
  });

  it('reads tensors listed in any order in the header, by their offsets', () => {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setFloat32(0, 1, true);
    new DataView(data.buffer).setFloat64(4, 2, true);
    const back = readSafetensors(file({ b: { dtype: 'F64', shape: [1], data_offsets: [4, 12] }, a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data));
    expect([...back.tensors.keys()]).toEqual(['a', 'b']);
    expect(back.tensors.get('b')!.data[0]).toBe(2);
    expect(back.metadata).toBeNull();
  });

  it('refuses to write what the format cannot hold', () => {
    expect(() => writeSafetensors([['__metadata__', f32([1], [1])]])).toThrow("invalid tensor name '__metadata__'");
    expect(() => writeSafetensors([['a', f32([1], [1])], ['a', f32([1], [1])]])).toThrow("tensor 'a' given twice");
    expect(() => writeSafetensors([['a', f32([1, 2], [3])]])).toThrow('a has shape (3,) but 2 values');
  });
});

describe('readSafetensors: one clear error per broken rule', () => {
  const t = (extra: object = {}) => ({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8], ...extra } });
  const cases: [string, Uint8Array, string][] = [
    ['empty file', new Uint8Array(0), 'x.st: the file is empty'],
    ['shorter than the size field', new Uint8Array(5), 'fewer than the 8 of the header size'],
    ['header larger than the file', file(t(), 8).subarray(0, 30), 'but the file has 22 after the size: truncated'],
    ['header size with the high bits set', Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0x80, 123, 125]), 'the header size says about 9.22e+18 bytes'],
    ['header over the 100 MB limit', (() => { const b = new Uint8Array(8); new DataView(b.buffer).setUint32(0, MAX_HEADER_BYTES + 1, true); return b; })(), 'truncated'],
    ['header not starting with {', file(' {}'), "must start with '{', not ' '"],
    ['header not UTF-8', (() => { const b = file('{"a":"xx"}'); b[14] = 0xff; return b; })(), 'not valid UTF-8'],
    ['header not JSON', file('{"t": }'), 'not valid JSON'],
    ['header a list', file('{}').fill(0x5b, 8, 9), "must start with '{'"],
    ['duplicate tensor', file('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1), "the key 't' twice"],
    ['duplicate field', file('{"t":{"dtype":"U8","dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1), "the key 'dtype' twice in one object"],
    ['escaped duplicate', file('{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0074":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2), "the key 't' twice"],
    ['deep nesting', file(`{"t":${'['.repeat(20)}${']'.repeat(20)}}`), 'nests deeper than 8'],
    ['metadata not strings', file({ __metadata__: { a: 1 } }), '"__metadata__" value \'a\' must be a string, got a number'],
    ['metadata a list', file({ __metadata__: ['a'] }), '"__metadata__" must be an object of strings'],
    ['tensor not an object', file({ t: 5 }), "tensor 't' must be an object"],
    ['unknown field', file(t({ offsets: [0, 8] }), 8), "tensor 't' has unknown field 'offsets'"],
    ['unknown dtype', file(t({ dtype: 'Q7' }), 8), "dtype 'Q7' is not a safetensors dtype"],
    ['half precision', file(t({ dtype: 'F16', data_offsets: [0, 4] }), 4), "dtype 'F16' (half precision) is not supported; convert it to F32 or F64"],
    ['shape not a list', file(t({ shape: 2 }), 8), 'has no shape list'],
    ['negative dimension', file(t({ shape: [-2] }), 8), 'shape entries must be integers ≥ 0, got -2'],
    ['fractional dimension', file(t({ shape: [1.5] }), 8), 'got 1.5'],
    ['offsets not a pair', file(t({ data_offsets: [0] }), 8), 'data_offsets must be a list [begin, end]'],
    ['offsets reversed', file(t({ data_offsets: [8, 0] }), 8), 'end before they begin'],
    ['offsets too big', file(t({ data_offsets: [0, 2 ** 60] }), 8), 'data_offsets must be integers ≥ 0, got 1152921504606847000'],
    ['shape and size disagree', file(t({ shape: [3] }), 8), 'shape (3,) of F32 needs 12 bytes, but data_offsets [0, 8] hold 8'],
    ['huge shape', file(t({ shape: [2 ** 40, 2 ** 40] }), 8), 'needs about 4.84e+24 bytes'],
    ['data past the end', file(t(), 4), 'beyond the data buffer of 4 bytes: truncated file'],
    ['extra bytes', file(t(), 12), 'the tensors use 8 bytes of data, but the file has 12 after the header: extra bytes at the end'],
    [
      'overlap',
      file({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, 4),
      "tensor 'b' has data_offsets [2, 4] overlapping the tensor before it, which ends at 4",
    ],
    ['a hole', file({ a: { dtype: 'U8', shape: [2], data_offsets: [2, 4] } }, 4), "tensor 'a' starts at 2, leaving bytes 0…1 of the data buffer unused"],
    ['bool not 0 or 1', file({ a: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, Uint8Array.from([1, 7])), "tensor 'a' is BOOL but holds the byte 7 at index 1"],
    [
      'int64 beyond 2^53',
      file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Uint8Array.from([1, 0, 0, 0, 0, 0, 0x20, 0])),
      'I64 value at index 0 exceeds 2^53'.replace('I64', 'int64'),
    ],
  ];
  it.each(cases)('%s', (_what, bytes, message) => {
    let error: unknown;
    try {
      readSafetensors(bytes, 'x.st');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ImportError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message.startsWith('x.st')).toBe(true);
  });
});
