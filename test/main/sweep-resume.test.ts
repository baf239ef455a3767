/**
 * The driver is killed (SIGKILL) in the middle of a sweep, then `layerlab sweep --resume`:
 * every trial finished before the kill is intact, nothing finished runs twice, the trials
 * that were running are recorded as interrupted and run again, and no trial process
 * outlives its driver.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src-main/cli/main';
import { type RunSummary, RunStore } from '../../src-main/store';
import { smallBase, tempDir } from '../fixtures/sweep/helpers';

const BIN = fileURLToPath(new URL('../../bin/layerlab.mjs', import.meta.url));

let driver: ChildProcess | null = null;
afterEach(() => {
  if (driver && driver.exitCode === null) driver.kill('SIGKILL');
  vi.restoreAllMocks();
});

async function until<T>(probe: () => T | undefined | false, what: string, timeoutMs = 40_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function readRuns(storeDir: string): RunSummary[] {
  try {
    const s = RunStore.open(storeDir, { readonly: true });
    try {
      return s.listRuns({ sortBy: 'created', order: 'asc' });
    } finally {
      s.close();
    }
  } catch {
    return [];
  }
}

/** The trial processes whose parent is `pid` (Linux /proc; tsx may have an esbuild child too). */
function trialProcessesOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('trial-process')) found.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** Whether process `pid` still runs (a zombie waiting for its new parent to reap it does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('SIGKILL the sweep driver, then --resume', () => {
  it('keeps every finished trial, runs the rest once, and leaves no trial process behind', async () => {
    const dir = tempDir();
    const storeDir = path.join(dir, 'store');
    const spec = path.join(dir, 'spec.json');
    // Six trials of a fraction of a second each, two at a time.
    writeFileSync(spec, JSON.stringify({ name: 'resume', base: smallBase(25_000, 1000), parameters: { 'model.hidden': [[1], [2], [3], [4], [5], [6]] }, concurrency: 2 }));
    driver = spawn(process.execPath, [BIN, 'sweep', spec, '--store', storeDir, '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    driver.stdout!.on('data', (c) => (output += c));
    driver.stderr!.on('data', (c) => (output += c));

    // Kill it once two trials are done and two are running.
    await until(() => {
      const runs = readRuns(storeDir);
      return runs.filter((r) => r.status === 'completed').length >= 2 && runs.filter((r) => r.status === 'running').length === 2;
    }, `two completed and two running trials (driver said: ${output})`);
    const trialPids = trialProcessesOf(driver.pid!);
    expect(trialPids.length).toBe(2);
    driver.kill('SIGKILL');
    await new Promise((r) => driver!.once('exit', r));

    // Its trial processes see the driver gone and exit.
    await until(() => trialPids.every((p) => !alive(p)), 'the trial processes to exit');

    const before = readRuns(storeDir);
    const finished = before.filter((r) => r.status === 'completed');
    const store = RunStore.open(storeDir, { readonly: true });
    const histories = new Map(finished.map((r) => [r.id, store.history(r.id)]));
    const weights = new Map(finished.map((r) => [r.id, store.getRun(r.id).weights!.sha256]));
    const sweepId = store.listSweeps()[0].id;
    expect(store.getSweep(sweepId).status).toBe('running');
    store.close();

    // Resume in this process.
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a) => void out.push(a.join(' ')));
    const json = path.join(dir, 'resumed.json');
    expect(await main(['sweep', '--resume', sweepId, '--store', storeDir, '--json', json, '--quiet'])).toBe(0);
    expect(out.join('\n')).toContain(`${finished.length} trials already done, ${6 - finished.length} to run`);

    const after = RunStore.open(storeDir, { readonly: true });
    try {
      expect(after.getSweep(sweepId).status).toBe('completed');
      const runs = after.listRuns({ sweepId, sortBy: 'created', order: 'asc' });
      // The runs that were running when the driver died: interrupted, with why.
      const interrupted = runs.filter((r) => r.status === 'interrupted');
      const leftRunning = before.filter((r) => r.status === 'running' || r.status === 'queued').map((r) => r.id);
      expect(interrupted.map((r) => r.id).sort()).toEqual(before.filter((r) => r.status === 'running').map((r) => r.id).sort());
      expect(interrupted[0].error).toMatch(/^the process that ran it \(pid \d+\) ended without finishing it/);
      // Each trial completed exactly once; the runs finished before the kill are untouched.
      const completed = runs.filter((r) => r.status === 'completed');
      expect(completed).toHaveLength(6);
      const configs = completed.map((r) => JSON.parse(after.getRun(r.id).config).model.hidden[0]).sort();
      expect(configs).toEqual([1, 2, 3, 4, 5, 6]);
      expect(runs.length).toBe(6 + interrupted.length + runs.filter((r) => r.status === 'queued').length);
      for (const r of finished) {
        const now = after.getRun(r.id);
        expect(now.status).toBe('completed');
        expect(now.finishedAt).toBe(r.finishedAt);
        expect(after.history(r.id)).toEqual(histories.get(r.id));
        expect(now.weights!.sha256).toBe(weights.get(r.id));
      }
      const result = JSON.parse(readFileSync(json, 'utf8'));
      const reran = result.trials.filter((t: { earlier_runs: string[] }) => t.earlier_runs.length > 0);
      expect(reran.flatMap((t: { earlier_runs: string[] }) => t.earlier_runs).sort()).toEqual(interrupted.map((r) => r.id).sort());
      expect(result.trials.filter((t: { id: string }) => finished.some((r) => r.id === t.id))).toHaveLength(finished.length);
      expect(leftRunning.length).toBeGreaterThanOrEqual(2);
    } finally {
      after.close();
    }
  }, 60_000);
});
