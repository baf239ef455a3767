/**
 * The welcome screen's ready experiments: each is a valid run config and a valid grid sweep
 * under the public contracts (docs/config.md, docs/sweep.md), with the course's settings,
 * and the form's "Sweep this" text for it lists the same values.
 */
import { describe, expect, it } from 'vitest';
import { parseRunConfig, parseSweepSpec } from '../../src-api';
import { EXAMPLES, exampleSpec, formSweeps, trialCount } from '../../src-renderer/lib/examples';

const byId = (id: string) => EXAMPLES.find((e) => e.id === id)!;

describe('welcome examples', () => {
  it.each(EXAMPLES.map((e) => [e.id, e] as const))('%s is a valid config and sweep', (_id, example) => {
    const config = parseRunConfig(example.config);
    expect(config.ok ? [] : config.issues).toEqual([]);
    const spec = parseSweepSpec(exampleSpec(example));
    expect(spec.ok ? [] : spec.issues).toEqual([]);
    if (spec.ok) expect(spec.plan.trials.length).toBe(trialCount(example));
  });

  it('sweeps the course\'s hidden-layer sizes on the planar flower', () => {
    const e = byId('planar-hidden');
    expect(e.parameters['model.hidden']).toEqual([[1], [2], [3], [4], [5], [20], [50]]);
    expect(e.config).toMatchObject({
      data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' } },
      model: { activation: 'tanh', output: 'sigmoid' },
      init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
      train: { optimizer: 'gd', learning_rate: 1.2, iterations: 10000 },
    });
    expect(formSweeps(e)).toEqual({ 'model.hidden[0]': '1, 2, 3, 4, 5, 20, 50' });
  });

  it('compares zeros, random × 10 and He on circles with [2, 10, 5, 1] ReLU', () => {
    const e = byId('circles-init');
    expect(e.parameters).toEqual({ 'init.method': ['zeros', 'normal', 'he'] });
    expect(e.config).toMatchObject({ model: { hidden: [10, 5], activation: 'relu' }, init: { scale: 10, seed: 3 }, train: { learning_rate: 0.01, iterations: 15000 } });
    const spec = parseSweepSpec(exampleSpec(e));
    if (!spec.ok) throw new Error('invalid');
    // The trial with "normal" draws W · 10; the others ignore the scale.
    expect(spec.plan.trials.map((t) => [t.config.init.method, t.config.init.scale])).toEqual([
      ['zeros', 10],
      ['normal', 10],
      ['he', 10],
    ]);
    expect(formSweeps(e)).toEqual({ 'init.method': 'zeros, normal, he' });
  });

  it('compares GD, momentum and Adam on moons with mini-batches of 64', () => {
    const e = byId('moons-optimizers');
    expect(e.parameters).toEqual({ 'train.optimizer': ['gd', 'momentum', 'adam'] });
    expect(e.config).toMatchObject({
      data: { train: { generator: 'moons', m: 300, noise: 0.2 } },
      model: { hidden: [5, 2], activation: 'relu' },
      train: { learning_rate: 0.0007, epochs: 5000, batch_size: 64, beta: 0.9 },
    });
    expect(formSweeps(e)).toEqual({ 'train.optimizer': 'gd, momentum, adam' });
  });
});
