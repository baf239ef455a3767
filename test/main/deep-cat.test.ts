/**
 * The course's 4-layer cat classifier on the real data, from examples/deep-cat.json:
 * the first costs against the course's NumPy code (test/fixtures/core/
 * make_deep_cat_fixture.py). Skipped when ../shared/datasets is absent, as in a
 * user's fresh clone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src-core/config';
import { prepareExperiment, runExperiment } from '../../src-core/experiment';
import { filesRelativeTo } from '../../src-main/data/files';
import { readConfigFile } from '../../src-main/runner/config-file';
import { expectClose, loadFixture } from '../helpers/fixtures';

const root = path.resolve(import.meta.dirname, '..', '..');
const datasets = path.resolve(root, '..', 'shared', 'datasets');
const present = existsSync(path.join(datasets, 'train_catvnoncat.h5'));
if (!present) console.warn(`deep-cat: skipped, ${datasets} is absent (it comes with ../shared beside the checkout)`);

describe.skipIf(!present)('the deep cat net on ../shared/datasets', () => {
  it('matches the course NumPy costs, train and test, for the first iterations', async () => {
    const fx = loadFixture<{ iterations: number; costs: number[]; test_costs: number[] }>('core/deep_cat.json');
    const { config, baseDir } = await readConfigFile(path.join(root, 'examples', 'deep-cat.json'));
    const t = config.train;
    if (t.epochs !== undefined) throw new Error('deep-cat.json trains in iterations');
    const short: RunConfig = { ...config, train: { ...t, iterations: fx.iterations, log_every: 1 } };
    const prepared = await prepareExperiment(short, filesRelativeTo(baseDir));
    expect(prepared.data.X.shapeText).toBe('(12288, 209)');
    expect(prepared.data.Xtest!.shapeText).toBe('(12288, 50)');
    const result = await runExperiment(prepared);
    expectClose(result.history.map((h) => h.cost), fx.costs, 1e-12, 'train costs');
    expectClose(result.history.map((h) => h.test_cost!), fx.test_costs, 1e-12, 'test costs');
    // The course notebook prints "Cost after iteration 0: 0.771749".
    expect(result.history[0].cost.toFixed(6)).toBe('0.771749');
  });
});
