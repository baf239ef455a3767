/** `layerlab sweep`: --dry-run, spec errors, a real sweep with --json, and --resume of a finished one. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src-main/cli/main';
import { RunStore } from '../../src-main/store';
import { smallBase } from '../fixtures/sweep/helpers';

let dir: string;
let out: string[];
let err: string[];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-sweep-cli-'));
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(...a.join(' ').split('\n')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk).replace(/\n$/, ''));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function writeSpec(name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

describe('layerlab sweep --dry-run', () => {
  it('prints the trial count and the table of trials, and runs nothing', async () => {
    const file = writeSpec('spec.json', {
      name: 'lr and hidden',
      base: smallBase(),
      parameters: { 'model.hidden': [[1], [2]], 'train.learning_rate': [0.1, 1.2, 0.1] },
      repeats: 2,
    });
    const store = path.join(dir, 'store');
    expect(await main(['sweep', file, '--dry-run', '--store', store])).toBe(0);
    expect(out.join('\n')).toBe(
      [
        '8 trials (grid of 6 points × 2 repeats; 4 duplicates dropped); ranked by train_cost (minimize)',
        'trial  hidden  learning_rate  repeat  init.seed  shuffle_seed',
        '    0  [1]     0.1            0       2          0',
        '    1  [1]     1.2            0       2          0',
        '    2  [2]     0.1            0       2          0',
        '    3  [2]     1.2            0       2          0',
        '    4  [1]     0.1            1       3          1',
        '    5  [1]     1.2            1       3          1',
        '    6  [2]     0.1            1       3          1',
        '    7  [2]     1.2            1       3          1',
      ].join('\n'),
    );
    expect(existsSync(store)).toBe(false);
  });

  it('prints the example sweep: seven hidden layer sizes', async () => {
    expect(await main(['sweep', 'examples/sweep-planar-hidden.json', '--dry-run'])).toBe(0);
    expect(out[0]).toBe('7 trials (grid of 7 points × 1 repeat); ranked by train_accuracy (maximize)');
    expect(out.slice(2).map((l) => l.trim().split(/\s+/)[1])).toEqual(['[1]', '[2]', '[3]', '[4]', '[5]', '[20]', '[50]']);
  });
});

describe('layerlab sweep on a bad spec', () => {
  it('reports every problem with its path and exits 2', async () => {
    const file = writeSpec('bad.json', {
      base: { ...smallBase(), train: { ...smallBase().train, iterations: 0 } },
      method: 'grid',
      parameters: { 'train.learning_rate': [0.5, 1, -1], 'model.hiden': [[1]] },
      concurrency: 0,
    });
    expect(await main(['sweep', file, '--dry-run'])).toBe(2);
    expect(err.join('\n')).toBe(
      [
        'layerlab sweep: bad.json: concurrency: must be >= 1',
        'bad.json: parameters["train.learning_rate"][2]: must be > 0',
        'bad.json: parameters["model.hiden"]: is not a field of the run configuration; did you mean model.hidden?',
      ].join('\n'),
    );
  });

  it('names the line of a JSON syntax error, and a missing file', async () => {
    expect(await main(['sweep', writeSpec('broken.json', '{\n  "base": {},\n  "parameters": ,\n}')])).toBe(2);
    expect(err.join('\n')).toBe('layerlab sweep: broken.json: not valid JSON: value expected at line 3, column 17');
    expect(await main(['sweep', path.join(dir, 'nope.json')])).toBe(2);
    expect(err[1]).toBe(`layerlab sweep: no such sweep spec: ${path.join(dir, 'nope.json')}`);
  });

  it('checks its flags', async () => {
    expect(await main(['sweep'])).toBe(2);
    expect(await main(['sweep', 'a.json', '--concurrency', 'two'])).toBe(2);
    expect(err[1]).toBe("layerlab sweep: --concurrency must be a whole number ≥ 1; got 'two'");
    expect(await main(['sweep', '--resume', 'nosuch', '--store', path.join(dir, 's')])).toBe(2);
    expect(err[2]).toBe(`layerlab sweep: there is no sweep 'nosuch' in ${path.join(dir, 's')}`);
    expect(await main(['sweep', 'a.json', '--memory', '0'])).toBe(2);
    expect(err[3]).toBe("layerlab sweep: --memory must be a whole number ≥ 1; got '0'");
  });
});

describe('layerlab sweep', () => {
  it('runs the trials, prints a line per trial and the ranked table, and writes --json', async () => {
    const file = writeSpec('spec.json', { name: 'hidden', base: smallBase(300, 100), parameters: { 'model.hidden': [[1], [3], [8]] } });
    const store = path.join(dir, 'store');
    const json = path.join(dir, 'out.json');
    expect(await main(['sweep', file, '--store', store, '--concurrency', '2', '--json', json])).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/^running sweep \w+ \(hidden\): 3 trials \(grid of 3 points × 1 repeat\); ranked by train_cost \(minimize\)$/m);
    expect(text).toMatch(/^2 at a time; Ctrl-C stops it/m);
    expect(out.filter((l) => /^\[\d\/3\] trial \d completed in [\d.]+ s {2}hidden=\[\d\] {2}train_cost 0\.\d{6}$/.test(l))).toHaveLength(3);
    expect(text).toMatch(/^rank {2}trial {2}hidden {2}status {5}train_cost {2}train_accuracy {2}run$/m);
    expect(text).toMatch(/^ {3}1 {6}2 {2}\[8\] {5}completed/m);

    const result = JSON.parse(readFileSync(json, 'utf8'));
    expect(Object.keys(result)).toEqual(['id', 'name', 'status', 'error', 'metric', 'trials']);
    expect(result).toMatchObject({ name: 'hidden', status: 'completed', error: null, metric: { name: 'train_cost', goal: 'minimize' } });
    expect(result.trials.map((t: { params: unknown }) => t.params)).toEqual([{ 'model.hidden': [1] }, { 'model.hidden': [3] }, { 'model.hidden': [8] }]);
    for (const t of result.trials) {
      expect(Object.keys(t)).toEqual(['id', 'index', 'name', 'params', 'repeat', 'status', 'rank', 'final', 'reason', 'earlier_runs']);
      expect(t.status).toBe('completed');
      expect(Object.keys(t.final).sort()).toEqual(['test_accuracy', 'test_cost', 'train_accuracy', 'train_cost']);
    }
    expect(result.trials.map((t: { rank: number }) => t.rank)).toEqual([3, 2, 1]);

    const s = RunStore.open(store, { readonly: true });
    expect(s.getSweep(result.id).status).toBe('completed');
    expect(s.listRuns({ sweepId: result.id }).map((r) => r.id).sort()).toEqual(result.trials.map((t: { id: string }) => t.id).sort());
    s.close();

    // Resuming a finished sweep runs nothing.
    out.length = 0;
    expect(await main(['sweep', '--resume', result.id.slice(0, 9), '--store', store, '--json', json])).toBe(0);
    expect(out).toContain('3 trials already done, 0 to run');
    const again = JSON.parse(readFileSync(json, 'utf8'));
    expect(again.trials.map((t: { id: string }) => t.id)).toEqual(result.trials.map((t: { id: string }) => t.id));
    const s2 = RunStore.open(store, { readonly: true });
    expect(s2.listRuns({ sweepId: result.id })).toHaveLength(3);
    s2.close();
  });
});
