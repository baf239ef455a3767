/**
 * The scale-out path, locally: `layerlab sweep --plan` writes the trials and the job
 * scripts, the planned trials run as plain parallel processes (run-local.sh, as an array
 * job would run them), and `layerlab import` merges the results, idempotently.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseRunConfig } from '../../src-core/config';
import { main } from '../../src-main/cli/main';
import { RunStore } from '../../src-main/store';
import { smallBase, tempDir } from '../fixtures/sweep/helpers';

const BIN = fileURLToPath(new URL('../../bin/layerlab.mjs', import.meta.url));
const run = promisify(execFile);

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(...a.join(' ').split('\n')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(...a.join(' ').split('\n')));
});
afterEach(() => vi.restoreAllMocks());

describe('plan, run as an array job would, import', () => {
  it('round-trips a sweep through trial configs, parallel processes and import', async () => {
    const dir = tempDir('layerlab plan ');
    const spec = path.join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ name: 'Planned hidden', base: smallBase(300, 100), parameters: { 'model.hidden': [[1], [2], [3], [4]] }, concurrency: 2 }));
    const planDir = path.join(dir, 'plan');
    expect(await main(['sweep', spec, '--plan', planDir])).toBe(0);
    expect(out[0]).toBe('4 trials (grid of 4 points × 1 repeat); ranked by train_cost (minimize)');

    // One run config per index, each a valid config on its own.
    const plan = JSON.parse(readFileSync(path.join(planDir, 'plan.json'), 'utf8'));
    expect(plan).toMatchObject({ format: 'layerlab-sweep-plan', version: 1, name: 'Planned hidden', results: path.join(planDir, 'results') });
    expect(plan.trials.map((t: { file: string }) => t.file)).toEqual(['trial-0.json', 'trial-1.json', 'trial-2.json', 'trial-3.json']);
    for (let i = 0; i < 4; i++) {
      const config = parseRunConfig(JSON.parse(readFileSync(path.join(planDir, `trial-${i}.json`), 'utf8')));
      expect(config.ok && config.config.model.hidden).toEqual([i + 1]);
    }
    const slurm = readFileSync(path.join(planDir, 'slurm.sh'), 'utf8');
    expect(slurm).toContain('#SBATCH --array=0-3%2\n');
    expect(slurm).toContain(`$LAYERLAB trial "${path.join(planDir, 'trial-')}""\${SLURM_ARRAY_TASK_ID}".json --out "${path.join(planDir, 'results')}/""\${SLURM_ARRAY_TASK_ID}"\n`);
    const k8s = readFileSync(path.join(planDir, 'k8s-job.yaml'), 'utf8');
    expect(k8s).toMatch(/^ {2}completionMode: Indexed$/m);
    expect(k8s).toMatch(/^ {2}completions: 4$/m);
    expect(k8s).toMatch(/^ {2}parallelism: 2$/m);
    expect(k8s).toContain('$JOB_COMPLETION_INDEX');
    // The scripts are valid shell.
    await run('bash', ['-n', path.join(planDir, 'slurm.sh')]);
    await run('bash', ['-n', path.join(planDir, 'run-local.sh')]);

    // Run the planned trials as two parallel processes, as an array job would.
    const local = await run('bash', [path.join(planDir, 'run-local.sh')], {
      env: { ...process.env, LAYERLAB: `${process.execPath} ${BIN}`, JOBS: '2' },
    });
    expect(local.stdout).toContain('trials done; merge them into a store with: layerlab import');
    const results = path.join(planDir, 'results');
    for (let i = 0; i < 4; i++) {
      const result = JSON.parse(readFileSync(path.join(results, String(i), 'result.json'), 'utf8'));
      expect(result).toMatchObject({ format: 'layerlab-trial-result', status: 'completed', sweep: { index: i } });
      expect(existsSync(path.join(results, String(i), 'model.json'))).toBe(true);
    }

    // Import three of the four: the sweep is made, and waits for the last.
    const store = path.join(dir, 'store');
    renameSync(path.join(results, '3'), path.join(dir, 'held-back'));
    expect(await main(['import', results, '--store', store])).toBe(0);
    expect(out.at(-2)).toMatch(/^sweep (\w+) \(Planned hidden\), new: imported 3, already there 0; 1 trial without a result \(3\); interrupted$/);
    const sweepId = /^sweep (\w+)/.exec(out.at(-2)!)![1];

    renameSync(path.join(dir, 'held-back'), path.join(results, '3'));
    expect(await main(['import', results, '--store', store])).toBe(0);
    expect(out.at(-2)).toBe(`sweep ${sweepId} (Planned hidden): imported 1, already there 3; completed`);
    // Importing again adds nothing.
    expect(await main(['import', results, '--store', store])).toBe(0);
    expect(out.at(-2)).toBe(`sweep ${sweepId} (Planned hidden): imported 0, already there 4; completed`);

    const s = RunStore.open(store, { readonly: true });
    try {
      expect(s.listSweeps()).toHaveLength(1);
      expect(s.getSweep(sweepId).status).toBe('completed');
      const runs = s.listRuns({ sweepId });
      expect(runs).toHaveLength(4);
      for (const r of runs) {
        expect(r.status).toBe('completed');
        expect(s.history(r.id, 'train_cost').map((p) => p.step)).toEqual([0, 100, 200, 299]);
        expect(JSON.parse(new TextDecoder().decode(s.loadWeights(r.id)!.bytes)).format).toBe('layerlab-model');
        expect(JSON.parse(s.getRun(r.id).summary!).imported.result_id).toMatch(/^\w+$/);
      }
    } finally {
      s.close();
    }

    // The merged sweep resumes like any other: nothing is left to run.
    out.length = 0;
    expect(await main(['sweep', '--resume', sweepId, '--store', store, '--quiet'])).toBe(0);
    expect(out).toContain('4 trials already done, 0 to run');
  }, 60_000);
});

describe('layerlab trial', () => {
  it('trains a config without a store into a folder, and records a failure there too', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'one.json');
    writeFileSync(config, JSON.stringify(smallBase(200, 100)));
    const outDir = path.join(dir, 'out');
    expect(await main(['trial', config, '--out', outDir, '--quiet'])).toBe(0);
    const result = JSON.parse(readFileSync(path.join(outDir, 'result.json'), 'utf8'));
    expect(result).toMatchObject({ status: 'completed', error: null, sweep: null, history: 'history.json', weights: { file: 'model.json', format: 'layerlab-model-json' } });
    expect(JSON.parse(result.summary).final.train_cost).toBeGreaterThan(0);
    const history = JSON.parse(readFileSync(path.join(outDir, 'history.json'), 'utf8'));
    expect(history.filter((h: [string]) => h[0] === 'train_cost').map((h: [string, number]) => h[1])).toEqual([0, 100, 199]);
    expect(existsSync(path.join(dir, 'layerlab.db'))).toBe(false);

    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...smallBase(), data: { train: { x: { file: 'no.npy' }, y: { file: 'no.npy' } } } }));
    expect(await main(['trial', bad, '--out', path.join(dir, 'bad-out'), '--quiet'])).toBe(1);
    const failed = JSON.parse(readFileSync(path.join(dir, 'bad-out', 'result.json'), 'utf8'));
    expect(failed).toMatchObject({ status: 'failed', error: `data.train.x: no such file: ${path.join(dir, 'no.npy')}`, weights: null });

    // A result that is not from a plan cannot be merged into a sweep.
    expect(await main(['import', outDir, '--store', path.join(dir, 'store')])).toBe(1);
    expect(err.at(-1)).toBe(`${path.join(outDir, 'result.json')}: not from a sweep plan (its config had no plan.json beside it); skipped`);
    expect(await main(['trial', config])).toBe(2);
  });
});
