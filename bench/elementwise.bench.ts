/**
 * The elementwise WebAssembly kernels (scripts/wasm/elementwise.ts) against the
 * TypeScript ones, side by side in the same run: nanoseconds of CPU time per value
 * for tanh, sigmoid and exp, float64 and float32, over 1600 values (the planar
 * net's hidden layer, 4 × 400). Each side runs in turn, round after round, and the
 * best round of each counts (the least disturbed on a shared machine).
 *
 * tanh_f64 takes a fast path for |z| ≥ 1, so it runs on three draws: small
 * (|z| < 0.4, a fresh net: the general path), large (|z| ≥ 1, most of a trained
 * one) and mixed (uniform on [−3, 3]: vectors that need both). The TypeScript side is
 * src-core/kernels.ts (fastmath's exp and tanh, inlined by the JIT) and a plain
 * Math.tanh / Math.exp loop.
 *
 * Environment: LAYERLAB_BENCH_REPEATS (default 5) rounds.
 */
import { setFlagsFromString } from 'node:v8';
import * as kernels from '../src-core/kernels';
import { BASELINE_WASM_BASE64, RELAXED_WASM_BASE64 } from '../src-core/wasm/kernels-binary';

const REPEATS = Number(process.env.LAYERLAB_BENCH_REPEATS ?? 5);
const N = 1600;
/** Calls per timed round: about 10 ms of work each. */
const CALLS = 2000;

type Exports = Record<string, (...args: number[]) => number>;

interface Instance {
  exports: Exports;
  /** Copies values in, returns [input, output] byte addresses. */
  place(values: Float64Array | Float32Array): [number, number];
}

function instantiate(base64: string): Instance | null {
  const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 16, maximum: 65536 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const heapBase = instance.exports.heap_base;
  let top = heapBase instanceof WebAssembly.Global ? Number(heapBase.value) : 0;
  return {
    exports: instance.exports as unknown as Exports,
    place(values) {
      const input = top;
      const output = top + values.byteLength;
      top = output + values.byteLength;
      new Uint8Array(memory.buffer, input, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return [input, output];
    },
  };
}

/** The relaxed variant needs --experimental-wasm-relaxed-simd on Node 20; a V8 flag can be set at run time. */
function relaxedInstance(): Instance | null {
  const bytes = new Uint8Array(Buffer.from(RELAXED_WASM_BASE64, 'base64'));
  if (!WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
  return instantiate(RELAXED_WASM_BASE64);
}

interface Side {
  name: string;
  run: () => void;
}

/** Best ns per value of each side, the sides taking turns round by round. */
function race(sides: Side[]): number[] {
  for (const side of sides) for (let i = 0; i < CALLS / 4; i++) side.run();
  const best = sides.map(() => Infinity);
  for (let round = 0; round < REPEATS; round++) {
    sides.forEach((side, s) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) side.run();
      const c = process.cpuUsage(c0);
      best[s] = Math.min(best[s], ((c.user + c.system) * 1000) / (CALLS * N));
    });
  }
  return best;
}

function draw(kind: string, seed: number): number[] {
  let s = seed;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  return Array.from({ length: N }, () => {
    const u = next();
    if (kind === 'small') return (u - 0.5) * 0.78;
    if (kind === 'large') return (next() < 0.5 ? -1 : 1) * (1 + 9 * u);
    return (u - 0.5) * 6; // mixed
  });
}

export async function run(): Promise<void> {
  const wasm: [string, Instance | null][] = [
    ['wasm', instantiate(BASELINE_WASM_BASE64)],
    ['wasm relaxed', relaxedInstance()],
  ];
  const usable = wasm.filter((w): w is [string, Instance] => w[1] !== null);
  for (const [name, inst] of wasm) if (!inst) console.log(`  (${name}: this runtime does not compile it)`);

  const cases: { fn: 'tanh' | 'sigmoid' | 'exp'; kind: string }[] = [
    { fn: 'tanh', kind: 'small' },
    { fn: 'tanh', kind: 'large' },
    { fn: 'tanh', kind: 'mixed' },
    { fn: 'sigmoid', kind: 'mixed' },
    { fn: 'exp', kind: 'mixed' },
  ];
  const reference = {
    tanh: { kernel: kernels.tanhForward, math: Math.tanh, mathName: 'Math.tanh' },
    sigmoid: { kernel: kernels.sigmoidForward, math: (x: number) => 1 / (1 + Math.exp(-x)), mathName: '1/(1+Math.exp(−x))' },
    // exp has no kernel in kernels.ts; softmax and sigmoid inline fastmath's.
    exp: { kernel: null, math: Math.exp, mathName: 'Math.exp' },
  };
  console.log(`ns per value (CPU time, best of ${REPEATS} alternating rounds of ${CALLS} calls on ${N} values); speed-up against kernels.ts`);
  for (const precision of ['float64', 'float32'] as const) {
    for (const { fn, kind } of cases) {
      const values = draw(kind, 7);
      const make = (n: number) => (precision === 'float64' ? new Float64Array(n) : new Float32Array(n));
      const z = make(N);
      z.set(values);
      const a = make(N);
      const ref = reference[fn];
      const kernel = ref.kernel;
      const sides: Side[] = usable.map(([name, inst]) => {
        const [input, output] = inst.place(z);
        const f = inst.exports[`${fn}_${precision === 'float64' ? 'f64' : 'f32'}`];
        return { name, run: () => f(input, output, N) };
      });
      if (kernel) sides.push({ name: 'kernels.ts', run: () => kernel(z, a) });
      const math = ref.math;
      sides.push({
        name: ref.mathName,
        run: () => {
          for (let i = 0; i < N; i++) a[i] = math(z[i]);
        },
      });
      const best = race(sides);
      const baseline = kernel ? best[sides.findIndex((s) => s.name === 'kernels.ts')] : best[best.length - 1];
      const cells = sides.map((s, i) => `${s.name} ${best[i].toFixed(2)}${s.name.startsWith('wasm') ? ` (${(baseline / best[i]).toFixed(1)}×)` : ''}`);
      console.log(`  ${fn} ${precision} ${kind}: ${cells.join('  |  ')}`);
    }
  }
}
