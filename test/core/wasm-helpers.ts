/**
 * Test helpers for the WebAssembly kernels: a variant instantiated straight from
 * src-core/wasm/kernels-binary.ts on a memory of its own, and typed arrays copied
 * in and out of it. Independent of the production loader (src-core/wasm/module.ts)
 * on purpose, so that the kernels are tested by themselves.
 */
import { setFlagsFromString } from 'node:v8';
import { BASELINE_WASM_BASE64, RELAXED_WASM_BASE64 } from '../../src-core/wasm/kernels-binary';

export type VariantName = 'baseline' | 'relaxed';
export const VARIANTS: VariantName[] = ['baseline', 'relaxed'];

type FloatArray = Float64Array | Float32Array;
type Exports = Record<string, (...args: number[]) => number>;

const PAGE = 65536;

function bytesOf(variant: VariantName): Uint8Array {
  return new Uint8Array(Buffer.from(variant === 'baseline' ? BASELINE_WASM_BASE64 : RELAXED_WASM_BASE64, 'base64'));
}

/**
 * Whether this runtime compiles `bytes`. Node 20's V8 validates relaxed SIMD only
 * with --experimental-wasm-relaxed-simd (Node 22 ships it); the flag is a V8 flag
 * that can be set at run time, so the test process sets it for itself rather than
 * asking `npm test` for a command-line option.
 */
function compiles(bytes: Uint8Array, variant: VariantName): boolean {
  if (WebAssembly.validate(bytes)) return true;
  if (variant === 'relaxed') {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    return WebAssembly.validate(bytes);
  }
  return false;
}

/** One instance, and a bump allocator over its memory. */
export class Kernels {
  readonly exports: Exports;
  private readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number;

  private constructor(readonly variant: VariantName, instance: WebAssembly.Instance, memory: WebAssembly.Memory) {
    this.exports = instance.exports as unknown as Exports;
    this.memory = memory;
    // Above whatever the module keeps for itself (its scratch area, if it declares one).
    const heapBase = instance.exports.heap_base;
    this.base = heapBase instanceof WebAssembly.Global ? Number(heapBase.value) : 0;
    this.top = this.base;
  }

  static load(variant: VariantName): Kernels {
    const bytes = bytesOf(variant);
    if (!compiles(bytes, variant)) throw new Error(`this runtime does not compile the ${variant} kernels`);
    const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return new Kernels(variant, instance, memory);
  }

  /** Forgets every allocation. */
  reset(): void {
    this.top = this.base;
  }

  /**
   * Reserves room for `count` values of `bytes` each and returns its byte address:
   * `misalign` bytes past a 16-byte boundary, so that tests can place arrays badly.
   */
  alloc(count: number, bytes: 4 | 8, misalign = 0): number {
    const at = Math.ceil(this.top / 16) * 16 + misalign;
    this.top = at + count * bytes;
    const needed = Math.ceil(this.top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return at;
  }

  /** Copies `values` into fresh memory and returns their address. */
  put(values: FloatArray, misalign = 0): number {
    const at = this.alloc(values.length, values.BYTES_PER_ELEMENT as 4 | 8, misalign);
    new Uint8Array(this.memory.buffer, at, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return at;
  }

  /** A copy of `count` float64 values at `at`. */
  f64(at: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer.slice(at, at + count * 8));
  }

  /** A copy of `count` float32 values at `at`. */
  f32(at: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer.slice(at, at + count * 4));
  }

  /** Raw bytes, to check that a kernel wrote nothing outside its output. */
  bytes(at: number, count: number): Uint8Array {
    return new Uint8Array(this.memory.buffer.slice(at, at + count));
  }
}
