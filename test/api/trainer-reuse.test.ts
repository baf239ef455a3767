/**
 * The app's training threads live on from run to run, and the core's optimized code with
 * them. A run whose WebAssembly memory grew must then still see its matrices' new views:
 * on Node 20, optimized code read a detached view's length as its old one, so the third of
 * these runs on one thread failed with "Cannot perform Construct on a detached ArrayBuffer"
 * (and once logged a cost of 0), while alone it completed. Found by issue 5's bad-input
 * probe; Matrix.data now asks the arena's count of growths instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../../src-core/config';
import { Trainer } from '../../src-main/api/trainer';
import { RunStore } from '../../src-main/store';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'layerlab-trainer-reuse-'));
  store = RunStore.open(dir);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function parsed(input: unknown): RunConfig {
  const result = parseRunConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

/** The probe's three runs: a small CSV with class names, then two that diverge, the last a softmax on blobs. */
function configs(): RunConfig[] {
  const csv = join(dir, 'species.csv');
  const rows = ['x1,x2,species'];
  for (let i = 0; i < 40; i++) rows.push(`${((i * 37) % 100) / 100},${((i * 61) % 100) / 100},${i % 3 === 0 ? 'setosa' : 'virginica'}`);
  writeFileSync(csv, rows.join('\n') + '\n');
  const diverging = (output: 'sigmoid' | 'softmax', scale: number, optimizer: 'gd' | 'momentum') => ({
    data: output === 'softmax' ? { train: { generator: 'blobs', m: 400, noise: 1, seed: 1, classes: 3 } } : { train: { generator: 'planar', m: 400, noise: 0.2, seed: 1 } },
    model: { hidden: [20, 20], activation: 'relu', output },
    init: { method: 'normal', scale, seed: 1 },
    train: { optimizer, learning_rate: 1e6, iterations: 500, log_every: 5 },
  });
  return [
    parsed({
      data: { train: { csv: { file: csv, features: ['x1', 'x2'], label: 'species' } } },
      model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
      init: { method: 'xavier', seed: 2 },
      train: { learning_rate: 1.2, iterations: 200, log_every: 2 },
    }),
    parsed(diverging('sigmoid', 100, 'gd')),
    parsed(diverging('softmax', 1000, 'momentum')),
  ];
}

async function trainAll(list: RunConfig[]) {
  const trainer = new Trainer({ store, emit: () => {}, concurrency: 1 });
  const runs = [];
  for (const config of list) {
    const id = trainer.start(config);
    await trainer.wait(id);
    runs.push(store.getRun(id));
  }
  await trainer.close();
  return runs;
}

describe('one training thread, run after run', () => {
  it('trains each run as it would alone', async () => {
    const list = configs();
    const together = await trainAll(list);
    expect(together.map((r) => [r.status, r.error])).toEqual(together.map(() => [expect.not.stringMatching(/failed/), null]));
    const alone = await trainAll([list[2]]);
    expect(together[2].metrics.train_cost).toEqual(alone[0].metrics.train_cost);
    expect(Number.isFinite(alone[0].metrics.train_cost.value)).toBe(true);
  });
});
