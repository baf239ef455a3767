/** Base64 of binary arrays (src-api/binary.ts), against Node's own Buffer as the reference. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64ToBytes, base64ToFloat32, base64ToFloat64, bytesToBase64, float32ToBase64, float64ToBase64 } from '../../src-api/binary';

describe('base64', () => {
  it('encodes and decodes as Buffer does, every length and byte', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
      const text = bytesToBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString('base64'));
      expect(base64ToBytes(text)).toEqual(bytes);
    }
    const all = Uint8Array.from({ length: 256 * 3 }, (_, i) => i & 255);
    expect(bytesToBase64(all)).toBe(Buffer.from(all).toString('base64'));
  });

  it('carries float32 values exactly, offsets included', () => {
    const values = new Float32Array([0, -0, 1.5, Math.PI, 1e-38, 3.4e38, Infinity, NaN]);
    const back = base64ToFloat32(float32ToBase64(values));
    expect(Array.from(back)).toEqual(Array.from(values));
    const sub = new Float32Array(values.buffer, 4, 3);
    expect(Array.from(base64ToFloat32(float32ToBase64(sub)))).toEqual([-0, 1.5, Math.fround(Math.PI)]);
  });

  it('carries float64 values exactly, NaN and offsets included, as Buffer encodes them', () => {
    const values = new Float64Array([0.1 + 0.2, -0, 5e-324, NaN, Infinity, 1795767645102, -1 / 3]);
    const text = float64ToBase64(values);
    expect(text).toBe(Buffer.from(values.buffer).toString('base64'));
    expect(Object.is(base64ToFloat64(text)[1], -0)).toBe(true);
    expect([...base64ToFloat64(text)]).toEqual([...values]);
    const window = new Float64Array(values.buffer, 16, 3);
    expect([...base64ToFloat64(float64ToBase64(window))]).toEqual([5e-324, NaN, Infinity]);
    expect(() => base64ToFloat64('AAAA')).toThrow('3 bytes are not whole float64 values');
  });

  it('refuses what is not base64, saying where', () => {
    expect(() => base64ToBytes('abc')).toThrow('base64 length 3 is not a multiple of 4');
    expect(() => base64ToBytes('ab$d')).toThrow('invalid base64 character at 2');
    expect(() => base64ToBytes('ab d')).toThrow('invalid base64 character at 2');
    expect(() => base64ToBytes('a=bc')).toThrow('invalid base64 character at 1');
    expect(() => base64ToFloat32('AAA=')).toThrow('2 bytes are not whole float32 values');
  });

  describe('on a platform without a fast base64 of its own, or with a lenient one', () => {
    type Binary = typeof import('../../src-api/binary');
    const saved = { buffer: globalThis.Buffer, fromBase64: (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64 };
    afterEach(() => {
      globalThis.Buffer = saved.buffer;
      (Uint8Array as unknown as { fromBase64?: unknown }).fromBase64 = saved.fromBase64;
      vi.resetModules();
    });
    /** The module loaded afresh while `setup` has changed the platform. */
    async function load(setup: () => void): Promise<Binary> {
      vi.resetModules();
      setup();
      try {
        return await import('../../src-api/binary');
      } finally {
        globalThis.Buffer = saved.buffer;
      }
    }

    it('encodes as Buffer does with its own loop (no Buffer, no toBase64)', async () => {
      const plain = await load(() => {
        // @ts-expect-error: a platform without Buffer, as the renderer before toBase64
        delete globalThis.Buffer;
      });
      for (let n = 0; n < 40; n++) {
        const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 13) & 255);
        expect(plain.bytesToBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }
      const grid = new Float32Array(40_000).map((_, i) => Math.sin(i) * 0.5 + 0.5);
      expect(plain.float32ToBase64(grid)).toBe(Buffer.from(grid.buffer).toString('base64'));
    });

    it('uses a native decoder that skips what is not base64, but still refuses that text', async () => {
      let used = 0;
      const lenient = await load(() => {
        // Like Uint8Array.fromBase64: whitespace skipped. Buffer also skips other characters.
        (Uint8Array as unknown as { fromBase64: (t: string) => Uint8Array }).fromBase64 = (t) => (used++, new Uint8Array(Buffer.from(t, 'base64')));
      });
      const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 31) & 255);
      expect(lenient.base64ToBytes(Buffer.from(bytes).toString('base64'))).toEqual(bytes);
      expect(used).toBe(1);
      expect(() => lenient.base64ToBytes('ab d')).toThrow('invalid base64 character at 2');
      expect(() => lenient.base64ToBytes('AB\nCDEFG')).toThrow('invalid base64 character at 2');
      expect(() => lenient.base64ToBytes('ab$d')).toThrow('invalid base64 character at 2');
    });
  });
});
