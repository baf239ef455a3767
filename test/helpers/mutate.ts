/** Byte-level mutations shared by the file-reader fuzz tests. */

/**
 * Mutation `which` (0–3) of `b`: bit flips, a truncation, bytes inserted, bytes
 * deleted. `int(n)` draws an integer below n from the test's seeded generator,
 * in the same order for every caller, so each test's cases stay reproducible.
 */
export function byteMutation(b: Uint8Array, which: 0 | 1 | 2 | 3, int: (n: number) => number): { bytes: Uint8Array; kind: string } {
  switch (which) {
    case 0: {
      const flips = 1 + int(8);
      for (let i = 0; i < flips; i++) b[int(b.length)] ^= 1 << int(8);
      return { bytes: b, kind: `${flips} bit flips` };
    }
    case 1: {
      const at = int(b.length);
      return { bytes: b.subarray(0, at), kind: `truncated to ${at}` };
    }
    case 2: {
      const at = int(b.length + 1);
      const extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b.subarray(0, at));
      out.set(extra, at);
      out.set(b.subarray(at), at + extra.length);
      return { bytes: out, kind: `${extra.length} bytes inserted at ${at}` };
    }
    case 3: {
      const at = int(b.length);
      const count = 1 + int(16);
      const out = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + count)]);
      return { bytes: out, kind: `${count} bytes deleted at ${at}` };
    }
  }
}
