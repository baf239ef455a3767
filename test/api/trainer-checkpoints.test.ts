/**
 * How many weight checkpoints a run of the app keeps for its boundary replay: at most
 * maxCheckpoints, and at most maxCheckpointBytes of them, since the API process holds them
 * all until the run ends and writes them as one JSON file (60 copies of a 9-million-weight
 * network would be 4.3 GB, past what one string can hold: the run would end `failed`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-core/config';
import { loadCheckpoints } from '../../src-main/api/checkpoints';
import { Trainer } from '../../src-main/api/trainer';
import { RunStore } from '../../src-main/store';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'layerlab-trainer-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// [2, 50, 50, 1]: (2 + 1)·50 + (50 + 1)·50 + (50 + 1)·1 = 2,751 weights, 22,008 bytes a copy.
const BYTES = 8 * 2751;
const config = () => {
  const parsed = parseRunConfig({
    data: { train: { generator: 'planar', m: 200, seed: 1 } },
    model: { hidden: [50, 50], activation: 'tanh' },
    train: { learning_rate: 0.5, iterations: 400, log_every: 4 },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
};

async function checkpointsKept(options: { maxCheckpoints?: number; maxCheckpointBytes?: number }): Promise<number[]> {
  const trainer = new Trainer({ store, emit: () => {}, concurrency: 1, ...options });
  const id = trainer.start(config());
  await trainer.wait(id);
  await trainer.close();
  expect(store.getRun(id).status).toBe('completed');
  return loadCheckpoints(dir, id).list.map((c) => c.step);
}

describe('checkpoints of a 2-D run', () => {
  it('are at most maxCheckpoints, over the whole run, the last at its end', async () => {
    const steps = await checkpointsKept({ maxCheckpoints: 60 });
    expect(steps.length).toBeGreaterThan(30);
    expect(steps.length).toBeLessThanOrEqual(60);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(400);
  });

  it('fit in maxCheckpointBytes', async () => {
    const steps = await checkpointsKept({ maxCheckpoints: 60, maxCheckpointBytes: 5 * BYTES + 100 });
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.length).toBeLessThanOrEqual(5);
    expect(steps.at(-1)).toBe(400);
  });

  it('are none when two do not fit (the final boundary comes from the final weights)', async () => {
    expect(await checkpointsKept({ maxCheckpointBytes: 2 * BYTES - 1 })).toEqual([]);
  });
});
