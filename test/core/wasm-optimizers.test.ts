/**
 * The WebAssembly optimizer updates give what src-core/optimizers.ts gives, bit
 * for bit: float64 and float32 parameters, odd sizes, several steps (Adam's bias
 * correction changes with t), output into a separate buffer or in place.
 */
import { describe, expect, it } from 'vitest';
import { Matrix, type Precision } from '../../src-core/matrix';
import { DEFAULT_OPTIMIZER_SETTINGS, OPTIMIZERS, type OptimizerName } from '../../src-core/optimizers';
import { REFERENCE_KERNELS } from '../../src-core/wasm/kernels';
import { kernelsFor } from '../../src-core/wasm/engine';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const NAMES: OptimizerName[] = ['gd', 'momentum', 'rmsprop', 'adam'];
const settings = { ...DEFAULT_OPTIMIZER_SETTINGS, beta: 0.85, beta1: 0.8, beta2: 0.97, epsilon: 1e-7 };

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('WebAssembly optimizer updates against optimizers.ts', () => {
  const k = kernelsFor();
  const arena = k.arena!;

  for (const precision of ['float64', 'float32'] as Precision[]) {
    for (const name of NAMES) {
      for (const inPlace of [false, true]) {
        it(`${name}, ${precision}, ${inPlace ? 'in place' : 'into a second buffer'}: the same bits over 4 steps`, () => {
          const next = lcg(NAMES.indexOf(name) * 10 + (inPlace ? 1 : 0));
          const sizes = [1, 2, 3, 7, 64, 129];
          const fill = (m: Matrix, scale: number) => m.data.forEach((_, i) => (m.data[i] = scale * next()));
          const params = sizes.map((n) => arena.matrix(n, 1, precision)!);
          const grads = sizes.map((n) => arena.matrix(n, 1, precision)!);
          const out = inPlace ? params : sizes.map((n) => arena.matrix(n, 1, precision)!);
          params.forEach((m) => fill(m, 1));
          // The reference on ordinary arrays, from the same values.
          const refParams = params.map((m) => m.data.slice());
          const refOut = inPlace ? refParams : sizes.map((n) => (precision === 'float32' ? new Float32Array(n) : new Float64Array(n)));
          const homes = new Map<Float64Array, Matrix>();
          const state = OPTIMIZERS[name].createState(sizes, (n) => {
            const m = arena.matrix(n, 1, 'float64')!;
            homes.set(m.data as Float64Array, m);
            return m.data as Float64Array;
          });
          const refState = OPTIMIZERS[name].createState(sizes);
          for (let t = 1; t <= 4; t++) {
            grads.forEach((m) => fill(m, 0.5));
            const v = state.v.map((a) => homes.get(a)!);
            const s = state.s.map((a) => homes.get(a)!);
            expect(k.optimizerStep(name, params, grads, out, v, s, 0.05, t, settings)).toBe(true);
            OPTIMIZERS[name].step(refParams, grads.map((g) => g.data.slice()), refOut, refState, 0.05, t, settings);
            out.forEach((m, l) => sameBits(m.data, refOut[l], `step ${t} out ${l}`));
            state.v.forEach((a, l) => sameBits(a, refState.v[l], `step ${t} v ${l}`));
            state.s.forEach((a, l) => sameBits(a, refState.s[l], `step ${t} s ${l}`));
            if (!inPlace) {
              out.forEach((m, l) => params[l].data.set(m.data));
              refOut.forEach((a, l) => refParams[l].set(a));
            }
          }
        });
      }
    }
  }

  it('declines matrices outside its memory, and the reference kernels always decline', () => {
    const p = [Matrix.zeros(3, 1)];
    expect(k.optimizerStep('gd', p, p, p, [], [], 0.1, 1, settings)).toBe(false);
    const q = [arena.matrix(3, 1, 'float64')!];
    expect(REFERENCE_KERNELS.optimizerStep('gd', q, q, q, [], [], 0.1, 1, settings)).toBe(false);
  });
});
