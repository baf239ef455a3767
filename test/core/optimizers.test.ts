import { describe, it } from 'vitest';
import { DEFAULT_OPTIMIZER_SETTINGS, OPTIMIZERS, type OptimizerName } from '../../src-core/optimizers';
import { learningRateAt } from '../../src-core/schedules';
import { expect } from 'vitest';
import { expectClose, loadFixture, type FixtureMatrix } from '../helpers/fixtures';

const fx = loadFixture<{
  optimizers: { lr: number; W0: FixtureMatrix; b0: FixtureMatrix; grads: FixtureMatrix[][] } & Record<OptimizerName, FixtureMatrix[][]>;
}>('core/core_fixtures.json').optimizers;

describe('optimizer updates against NumPy', () => {
  for (const name of ['gd', 'momentum', 'rmsprop', 'adam'] as const) {
    it(`${name}: three updates`, () => {
      const opt = OPTIMIZERS[name];
      const params = [Float64Array.from(fx.W0.data), Float64Array.from(fx.b0.data)];
      const state = opt.createState(params.map((p) => p.length));
      fx.grads.forEach((g, t) => {
        const grads = g.map((m) => Float64Array.from(m.data));
        opt.step(params, grads, params, state, fx.lr, t + 1, DEFAULT_OPTIMIZER_SETTINGS);
        expectClose(params[0], fx[name][t][0].data, 1e-14, `${name} W after step ${t + 1}`);
        expectClose(params[1], fx[name][t][1].data, 1e-14, `${name} b after step ${t + 1}`);
      });
    });
  }

  it('writes into a separate output buffer without touching the input', () => {
    const w = Float64Array.from([1, 2]);
    const out = new Float64Array(2);
    OPTIMIZERS.gd.step([w], [Float64Array.from([10, 20])], [out], OPTIMIZERS.gd.createState([2]), 0.1, 1, DEFAULT_OPTIMIZER_SETTINGS);
    expect(Array.from(w)).toEqual([1, 2]);
    expect(Array.from(out)).toEqual([0, 0]);
  });
});

describe('learning-rate decay', () => {
  it('inverse time: lr0 / (1 + rate·floor(epoch / interval))', () => {
    const d = { type: 'inverse_time', rate: 1, interval: 1000 } as const;
    expect(learningRateAt(0.1, 0, d)).toBe(0.1);
    expect(learningRateAt(0.1, 999, d)).toBe(0.1);
    expect(learningRateAt(0.1, 1000, d)).toBe(0.05);
    expect(learningRateAt(0.1, 2500, d)).toBeCloseTo(0.1 / 3, 15);
  });

  it('exponential: lr0 · rate^floor(epoch / interval)', () => {
    const d = { type: 'exponential', rate: 0.5, interval: 10 } as const;
    expect(learningRateAt(1, 9, d)).toBe(1);
    expect(learningRateAt(1, 10, d)).toBe(0.5);
    expect(learningRateAt(1, 35, d)).toBe(0.125);
  });

  it('leaves the rate alone without decay', () => {
    expect(learningRateAt(0.3, 12345, null)).toBe(0.3);
  });
});
