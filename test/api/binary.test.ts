/** Base64 of binary arrays (src-api/binary.ts), against Node's own Buffer as the reference. */
import { describe, expect, it } from 'vitest';
import { base64ToBytes, base64ToFloat32, bytesToBase64, float32ToBase64 } from '../../src-api/binary';

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

  it('refuses what is not base64, saying where', () => {
    expect(() => base64ToBytes('abc')).toThrow('base64 length 3 is not a multiple of 4');
    expect(() => base64ToBytes('ab$d')).toThrow('invalid base64 character at 2');
    expect(() => base64ToBytes('ab d')).toThrow('invalid base64 character at 2');
    expect(() => base64ToBytes('a=bc')).toThrow('invalid base64 character at 1');
    expect(() => base64ToFloat32('AAA=')).toThrow('2 bytes are not whole float32 values');
  });
});
