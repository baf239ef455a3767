/**
 * Generated data is drawn once per source and handed out as copies (experiment.ts,
 * `drawn`): a trial process trains trial after trial on the same generated data.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import * as datasets from '../../src-core/datasets';
import { type ExperimentFiles, loadSource } from '../../src-core/experiment';
import type { GeneratorSource } from '../../src-core/config';

vi.mock('../../src-core/datasets', async (actual) => {
  const real = await actual<typeof datasets>();
  return { ...real, generateDataset: vi.fn(real.generateDataset) };
});

const draws = vi.mocked(datasets.generateDataset);
const noFiles: ExperimentFiles = {
  loadData: () => Promise.reject(new Error('generated data reads no file')),
};
const planar = (seed: number, m = 400): GeneratorSource => ({ generator: 'planar', m, noise: 0.2, seed, rng: 'numpy' });

describe('generated data', () => {
  beforeEach(() => {
    draws.mockClear();
  });

  it('is drawn once for the same source, and every caller gets its own copy', async () => {
    const first = await loadSource(planar(101), 'train', noFiles);
    const second = await loadSource(planar(101), 'train', noFiles);
    expect(draws).toHaveBeenCalledTimes(1);
    // What the generator itself draws (its real output, not the copy's).
    const real = (await vi.importActual<typeof datasets>('../../src-core/datasets')).generateDataset('planar', { m: 400, noise: 0.2, seed: 101, rng: 'numpy' });
    for (const d of [first, second]) {
      expect(Array.from(d.X.data)).toEqual(Array.from(real.X.data));
      expect(Array.from(d.Y.data)).toEqual(Array.from(real.Y.data));
    }
    expect(second.X.data).not.toBe(first.X.data);
    first.X.data.fill(7);
    first.Y.data.fill(0);
    const third = await loadSource(planar(101), 'train', noFiles);
    expect(Array.from(third.X.data)).toEqual(Array.from(real.X.data));
    expect(Array.from(third.Y.data)).toEqual(Array.from(real.Y.data));
    expect(draws).toHaveBeenCalledTimes(1);
  });

  it('is drawn again when anything it is drawn from changes', async () => {
    const a = await loadSource(planar(102), 'train', noFiles);
    const b = await loadSource(planar(103), 'train', noFiles);
    await loadSource({ ...planar(103), noise: 0.3 }, 'train', noFiles);
    await loadSource({ ...planar(103), rng: 'default' }, 'train', noFiles);
    await loadSource(planar(103, 399), 'train', noFiles);
    await loadSource({ generator: 'blobs', m: 400, noise: 1, seed: 103, rng: 'numpy', classes: 3 }, 'train', noFiles);
    await loadSource({ generator: 'blobs', m: 400, noise: 1, seed: 103, rng: 'numpy', classes: 4 }, 'train', noFiles);
    expect(draws).toHaveBeenCalledTimes(7);
    expect(Array.from(a.X.data)).not.toEqual(Array.from(b.X.data));
  });

  it('keeps a training set and a test set apart, so that a run with both draws neither again', async () => {
    for (let run = 0; run < 3; run++) {
      await loadSource(planar(104), 'train', noFiles);
      await loadSource(planar(105), 'test', noFiles);
    }
    expect(draws).toHaveBeenCalledTimes(2);
  });

  it('is not kept when it is large', async () => {
    // 2 × 400,000 inputs and 400,000 labels: over the million numbers a process keeps.
    const big = planar(106, 400_000);
    await loadSource(big, 'train', noFiles);
    await loadSource(big, 'train', noFiles);
    expect(draws).toHaveBeenCalledTimes(2);
  });
});
