// Fuzzing the binary readers with seeded mutations of valid files: bit flips,
// truncations, insertions, deletions and edits of the .npy header's fields. Every
// case must return a well-formed array or throw an ImportError with a message:
// never hang, never throw anything else, and never allocate more than the file
// holds (every data allocation goes through DTYPES[dtype].make, which is spied on).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMat } from '../../src-core/io/mat.js';
import { DTYPES, ImportError, type DType, type NdArray } from '../../src-core/io/ndarray.js';
import { readNpy } from '../../src-core/io/npy.js';
import { readNpz } from '../../src-core/io/npz.js';
import { byteMutation } from '../helpers/mutate';

const FIXTURES = join(import.meta.dirname, '../fixtures/io/files');
const load = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** mulberry32: a tiny seeded PRNG, so every run mutates the same way. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Spy on every data allocation: the largest one of the current case, in bytes.
let largestAllocation = 0;
const originals = new Map<DType, (n: number) => unknown>();
beforeAll(() => {
  for (const [dtype, info] of Object.entries(DTYPES) as [DType, (typeof DTYPES)[DType]][]) {
    originals.set(dtype, info.make);
    const make = info.make;
    (info as { make: (n: number) => unknown }).make = (n: number) => {
      largestAllocation = Math.max(largestAllocation, n * info.bytes);
      return make(n);
    };
  }
});
afterAll(() => {
  for (const [dtype, make] of originals) (DTYPES[dtype] as { make: unknown }).make = make;
});

const enc = new TextEncoder();

/** One random mutation of `src`; `kind` names it for failure messages. */
function mutate(src: Uint8Array, rand: () => number): { bytes: Uint8Array; kind: string } {
  const int = (n: number): number => Math.floor(rand() * n);
  const b = src.slice();
  const which = int(7);
  if (which < 4) return byteMutation(b, which as 0 | 1 | 2 | 3, int);
  switch (which) {
    case 4: {
      // Header field edits: rewrite the text between the braces.
      const end = b.indexOf(0x7d); // '}'
      if (end < 0) return { bytes: b, kind: 'unchanged' };
      let header = String.fromCharCode(...b.subarray(0, end + 1)); // byte for byte, magic included
      const edits: [RegExp, () => string][] = [
        [/\(([\d, ]*)\)/, () => `(${Array.from({ length: int(6) }, () => String(int(3) === 0 ? int(2 ** 31) : int(40))).join(', ')}${int(2) ? ',' : ''})`],
        [/'[<>|=][a-zA-Z]\d*'/, () => `'${'<>|=x'[int(5)]}${'fiubcOUSVM?'[int(11)]}${int(17)}'`],
        [/False|True/, () => ['True', 'False', 'None', '0', "'x'"][int(5)]],
        [/'shape'|'descr'|'fortran_order'/, () => ["'shap'", "'descr'", "'shape'", '42', "''"][int(5)]],
        [/,\s*}/, () => ['}', ', ((((((((((((((((((((}', ", 'extra': [1, {'a': (2,)}], }", ''][int(4)]],
      ];
      const [re, make] = edits[int(edits.length)];
      const before = header.length;
      header = header.replace(re, make);
      const out = new Uint8Array([...Array.from(header, (c) => c.charCodeAt(0) & 0xff), ...b.subarray(end + 1)]);
      // Mostly keep the header length field true, so that edits reach the field checks.
      if (out[6] === 1 && int(4) > 0) {
        const v = new DataView(out.buffer);
        v.setUint16(8, (v.getUint16(8, true) + header.length - before) & 0xffff, true);
      }
      return { bytes: out, kind: `header edit: ${header.slice(10)}` };
    }
    case 5: {
      // The header length field, the version bytes.
      const v = new DataView(b.buffer);
      if (b.length >= 10 && int(2)) v.setUint16(8, int(65536), true);
      else if (b.length >= 8) b[6 + int(2)] = int(5);
      return { bytes: b, kind: 'length/version edit' };
    }
    default: {
      // Replace the whole header with random printable text of the same length.
      const text = Array.from({ length: Math.max(0, Math.min(b.length, 128) - 10) }, () =>
        String.fromCharCode(32 + int(95)),
      ).join('');
      b.set(enc.encode(text).subarray(0, Math.max(0, b.length - 10)), 10);
      return { bytes: b, kind: 'random header' };
    }
  }
}

function check(
  read: (b: Uint8Array) => NdArray[],
  seeds: Uint8Array[],
  cases: number,
  seed: number,
): { ok: number; failed: number; slowest: number; spied: number } {
  const rand = prng(seed);
  let spied = 0;
  let ok = 0;
  let failed = 0;
  let slowest = 0;
  for (let c = 0; c < cases; c++) {
    const { bytes, kind } = mutate(seeds[c % seeds.length], rand);
    largestAllocation = 0;
    const t0 = performance.now();
    let arrays: NdArray[] | null = null;
    try {
      arrays = read(bytes);
    } catch (e) {
      if (!(e instanceof ImportError) || !e.message) {
        expect.fail(`case ${c} (${kind}) threw ${String(e)} (${(e as Error)?.constructor?.name}), not an ImportError`);
      }
    }
    slowest = Math.max(slowest, performance.now() - t0);
    if (largestAllocation > 0) spied++;
    if (largestAllocation > bytes.length + 64) {
      expect.fail(`case ${c} (${kind}): allocated ${largestAllocation} bytes for a ${bytes.length}-byte file`);
    }
    if (arrays) {
      ok++;
      for (const a of arrays) {
        expect(a.data.length, `case ${c} (${kind})`).toBe(a.shape.reduce((x, y) => x * y, 1));
      }
    } else {
      failed++;
    }
  }
  return { ok, failed, slowest, spied };
}

describe('fuzz', () => {
  it('readNpy: 5000 mutations of valid files', () => {
    const names = ['f8_2d_c.npy', 'f8_3d_f.npy', 'i2_be_3d_f.npy', 'u1_3d_f.npy', 'b1_2d_f.npy', 'i8_le_3d_f.npy', 'f4_v2.npy', 'f8_v3.npy', 'u8_be_c.npy', 'f8_0d_c.npy'];
    const t0 = performance.now();
    const r = check((b) => [readNpy(b, 'fuzz.npy')], names.map(load), 5000, 20240501);
    const ms = performance.now() - t0;
    console.log(`io-fuzz readNpy: 5000 cases in ${ms.toFixed(0)} ms; ${r.ok} read, ${r.failed} rejected; slowest ${r.slowest.toFixed(1)} ms`);
    expect(r.ok).toBeGreaterThan(100); // the mutations leave some files valid
    expect(r.failed).toBeGreaterThan(1000);
    expect(r.slowest).toBeLessThan(500);
    expect(r.spied).toBeGreaterThanOrEqual(r.ok); // the spy sees the allocations
  });

  it('readNpz and readMat: 1000 mutations each', () => {
    const t0 = performance.now();
    const npz = check((b) => [...readNpz(b, 'fuzz.npz').values()], [load('stored.npz'), load('compressed.npz')], 1000, 7);
    const mat = check((b) => [...readMat(b, 'fuzz.mat').values()], [load('plain.mat'), load('compressed.mat')], 1000, 11);
    console.log(
      `io-fuzz readNpz: ${npz.ok} read, ${npz.failed} rejected; readMat: ${mat.ok} read, ${mat.failed} rejected; ` +
        `${(performance.now() - t0).toFixed(0)} ms`,
    );
    expect(npz.failed).toBeGreaterThan(100);
    expect(mat.failed).toBeGreaterThan(100);
  });
});
