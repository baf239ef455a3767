// Fuzzing readSafetensors with seeded mutations of valid files: bit flips,
// truncations, insertions and deletions of bytes, rewrites of the header size,
// and edits of the header's JSON (dtypes, shapes, offsets, duplicated keys,
// metadata). Every case must return well-formed tensors or throw an ImportError:
// never hang, never throw anything else, and never allocate more for tensor data
// than the file holds (every tensor allocation goes through DTYPES[dtype].make,
// which is spied on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DTYPES, ImportError, type DType, type NdArray } from '../../src-core/io/ndarray';
import { readSafetensors, writeSafetensors } from '../../src-core/io/safetensors';
import { exportSafetensors } from '../../src-core/export/safetensors';
import { prng, randomModel } from '../fixtures/export/models';
import { byteMutation } from '../helpers/mutate';

const CASES = 5000;

let allocated = 0;
const originals = new Map<DType, (n: number) => unknown>();
beforeAll(() => {
  for (const [dtype, info] of Object.entries(DTYPES) as [DType, (typeof DTYPES)[DType]][]) {
    originals.set(dtype, info.make);
    const make = info.make;
    (info as { make: (n: number) => unknown }).make = (n: number) => {
      allocated += n * info.bytes;
      return make(n);
    };
  }
});
afterAll(() => {
  for (const [dtype, make] of originals) (DTYPES[dtype] as { make: unknown }).make = make;
});

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Valid files to start from: a model export, every dtype, metadata, empty tensors. */
function seeds(): Uint8Array[] {
  const model = exportSafetensors(randomModel({ sizes: [3, 5, 4, 2], activations: ['tanh', 'relu'], output: 'softmax', classNames: ['a', 'b'] }));
  const all: [string, NdArray][] = [
    ['f64', { dtype: 'float64', shape: [2, 2], data: Float64Array.from([1, 2, 3, 4]) }],
    ['f32', { dtype: 'float32', shape: [3], data: Float32Array.from([1, 2, 3]) }],
    ['i64', { dtype: 'int64', shape: [2], data: Float64Array.from([-1, 5]) }],
    ['u16', { dtype: 'uint16', shape: [1, 1], data: Uint16Array.from([9]) }],
    ['flag', { dtype: 'bool', shape: [2], data: Uint8Array.from([0, 1]) }],
    ['none', { dtype: 'float32', shape: [0], data: new Float32Array(0) }],
  ];
  return [model, writeSafetensors(all, { a: 'b' }), writeSafetensors([['x', all[0][1]]])];
}

/** A header's JSON and the data after it, for edits that keep the layout. */
function split(b: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(dec.decode(b.subarray(8, 8 + n))) as Record<string, unknown>, data: b.subarray(8 + n) };
}

function join(headerText: string, data: Uint8Array, sizeDelta = 0): Uint8Array {
  const json = enc.encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, json.length + sizeDelta)), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const WILD_NUMBERS = [-1, 0, 1, 2, 3, 7, 8, 1.5, 2 ** 31, 2 ** 32 + 8, 2 ** 53, 2 ** 60, 1e300, -0];
const WILD_VALUES: unknown[] = [null, true, 'F64', 'F16', 'BF16', 'I64', 'BOOL', [], {}, [1, 2, 3], 'x'.repeat(200), ...WILD_NUMBERS];

/** One random mutation of `src`; `kind` names it for failure messages. */
function mutate(src: Uint8Array, rand: () => number): { bytes: Uint8Array; kind: string } {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const b = src.slice();
  const which = int(9);
  if (which < 4) return byteMutation(b, which as 0 | 1 | 2 | 3, int);
  switch (which) {
    case 4: {
      // The header size: small changes, huge values, the high word.
      const view = new DataView(b.buffer);
      const n = Number(view.getBigUint64(0, true));
      const value = pick([n + 1, n - 1, n + 8, n - 8, 0, 1, 2 ** 32 - 1, 100_000_001, b.length, b.length - 8]);
      view.setBigUint64(0, BigInt(Math.max(0, value)), true);
      if (rand() < 0.2) view.setUint32(4, int(2 ** 32), true);
      return { bytes: b, kind: `header size set to ${value}` };
    }
    case 5:
    case 6: {
      // A field of one tensor set to something else.
      const { header, data } = split(src);
      const names = Object.keys(header).filter((k) => k !== '__metadata__');
      const name = pick(names);
      const entry = header[name] as Record<string, unknown>;
      const field = pick(['dtype', 'shape', 'data_offsets', 'shape', 'data_offsets', 'extra']);
      let value: unknown;
      if (field === 'shape') value = Array.from({ length: int(4) }, () => pick(WILD_NUMBERS));
      else if (field === 'data_offsets') value = rand() < 0.7 ? [pick(WILD_NUMBERS), pick(WILD_NUMBERS)] : pick(WILD_VALUES);
      else value = pick(WILD_VALUES);
      if (rand() < 0.1) delete entry[field];
      else entry[field] = value;
      return { bytes: join(JSON.stringify(header), data), kind: `${name}.${field} = ${JSON.stringify(value)?.slice(0, 60)}` };
    }
    case 7: {
      // Structure: duplicated keys, metadata values, nesting, padding.
      const { header, data } = split(src);
      const text = JSON.stringify(header);
      const choice = int(5);
      if (choice === 0) {
        const name = pick(Object.keys(header));
        return { bytes: join(`${text.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(header[name])}}`, data), kind: `duplicate key ${name}` };
      }
      if (choice === 1) {
        header.__metadata__ = { k: pick(WILD_VALUES) };
        return { bytes: join(JSON.stringify(header), data), kind: 'metadata value' };
      }
      if (choice === 2) {
        const depth = 1 + int(40);
        return { bytes: join(`${text.slice(0, -1)},"deep":${'['.repeat(depth)}${']'.repeat(depth)}}`, data), kind: `nesting ${depth}` };
      }
      if (choice === 3) return { bytes: join(text + ' '.repeat(int(20)), data, int(3) - 1), kind: 'padding and size off by one' };
      return { bytes: join(pick(['[]', '"x"', '1', 'null', '{', '{"a":}', ' {}', '{}\u0000']), data), kind: 'not an object' };
    }
    default: {
      // Data bytes: every value allowed in floats, but BOOL and 64-bit integers are checked.
      const { header, data } = split(src);
      const d = data.slice();
      for (let i = 0; i < 1 + int(4) && d.length; i++) d[int(d.length)] = int(256);
      return { bytes: join(JSON.stringify(header), d), kind: 'data bytes' };
    }
  }
}

describe('readSafetensors fuzz', () => {
  it(`survives ${CASES} seeded mutations: a result or an ImportError, bounded allocation and time`, () => {
    const rand = prng(20240611);
    const start = performance.now();
    let errors = 0;
    let ok = 0;
    let slowest = 0;
    const files = seeds();
    for (let c = 0; c < CASES; c++) {
      const src = files[c % files.length];
      const { bytes, kind } = mutate(src, rand);
      allocated = 0;
      const t0 = performance.now();
      try {
        const result = readSafetensors(bytes, 'fuzz.safetensors');
        ok++;
        for (const [name, a] of result.tensors) {
          let n = 1;
          for (const d of a.shape) n *= d;
          expect(a.data.length, `case ${c} (${kind}): ${name}`).toBe(n);
        }
      } catch (error) {
        if (!(error instanceof ImportError)) throw new Error(`case ${c} (${kind}) threw ${String(error)}`);
        expect((error as Error).message.startsWith('fuzz.safetensors'), `case ${c} (${kind})`).toBe(true);
        errors++;
      }
      const took = performance.now() - t0;
      slowest = Math.max(slowest, took);
      expect(allocated, `case ${c} (${kind}): allocated ${allocated} bytes from a ${bytes.length}-byte file`).toBeLessThanOrEqual(bytes.length);
    }
    const seconds = (performance.now() - start) / 1000;
    console.log(`safetensors fuzz: ${CASES} cases, ${ok} read, ${errors} clear errors, ${seconds.toFixed(2)} s, slowest ${slowest.toFixed(1)} ms`);
    expect(ok).toBeGreaterThan(50);
    expect(errors).toBeGreaterThan(CASES / 2);
    expect(slowest).toBeLessThan(1000);
  });
});
