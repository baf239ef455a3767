/**
 * `layerlab runs`: run in-process against a temporary store, plus the real `bin/layerlab.mjs`
 * in a child process, which lists while this process holds the store's write lock.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliError } from '../../src-main/cli/command';
import { main } from '../../src-main/cli/main';
import { command, formatDuration, formatNumber, table } from '../../src-main/cli/runs';
import { RunStore, type FinalStatus } from '../../src-main/store';

const root = path.resolve(import.meta.dirname, '../..');
let dir: string;
let out: string[];
let err: string[];
let ids: Record<string, string>;

/** Runs `layerlab runs ARGS --store DIR` in-process; resolves with its stdout. */
async function runs(...args: string[]): Promise<string> {
  out = [];
  expect(await command.run([...args, '--store', dir])).toBe(0);
  return out.join('\n');
}

async function runsJson(...args: string[]): Promise<any> {
  return JSON.parse(await runs(...args, '--json'));
}

/** The CliError that `layerlab runs ARGS` fails with. */
async function failure(...args: string[]): Promise<CliError> {
  const error = await command.run([...args, '--store', dir]).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
}

function seed(): Record<string, string> {
  const store = RunStore.open(dir);
  const make = (name: string, status: FinalStatus, metrics: Record<string, number>, tags: string[] = []) => {
    const id = store.createRun({ name, config: JSON.stringify({ name, model: { hidden: [4] } }), tags });
    store.startRun(id);
    store.appendMetrics(id, Object.entries(metrics).map(([key, value]) => ({ step: 10, key, value })));
    store.finishRun(id, status, status === 'failed' ? { error: 'no such file: x.npy' } : { summary: '{"steps":10}' });
    return id;
  };
  const seeded = {
    relu: make('planar relu', 'completed', { train_cost: 0.2, test_accuracy: 0.91 }, ['baseline']),
    tanh: make('planar tanh', 'completed', { train_cost: 0.3, test_accuracy: 0.85 }),
    big: make('big lr', 'diverged', { train_cost: NaN, test_accuracy: 0.5 }),
    broken: make('missing data', 'failed', {}),
  };
  store.saveWeights(seeded.relu, new Uint8Array(2048), 'layerlab-model-json');
  store.close();
  return seeded;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-cli-runs-'));
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  ids = seed();
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

describe('runs list', () => {
  it('prints an aligned table, newest first, with the metrics the runs have', async () => {
    const lines = (await runs('list')).split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+CREATED\s+TOOK\s+TRAIN_COST\s+TEST_ACCURACY\s+TAGS$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['missing data', 'big lr', 'planar tanh', 'planar relu']);
    // Every column starts at the same place in every line.
    const statusAt = lines[0].indexOf('STATUS');
    expect(lines.slice(1).map((l) => l.slice(statusAt).split(' ')[0])).toEqual(['failed', 'diverged', 'completed', 'completed']);
    const relu = lines.find((l) => l.includes('planar relu'))!;
    expect(relu).toContain('91.00%');
    expect(relu).toMatch(/0\.2\s+91\.00%\s+baseline$/);
    expect(lines.find((l) => l.includes('big lr'))).toMatch(/NaN\s+50\.00%$/);
    expect(lines.find((l) => l.includes('missing data'))).toMatch(/-\s+-$/);
  });

  it('filters, sorts and limits', async () => {
    const names = async (...args: string[]) => (await runsJson('list', ...args)).runs.map((r: { name: string }) => r.name);
    expect(await names('--sort', 'test_accuracy', '--desc')).toEqual(['planar relu', 'planar tanh', 'big lr', 'missing data']);
    expect(await names('--sort', 'train_cost')).toEqual(['planar relu', 'planar tanh', 'big lr', 'missing data']);
    expect(await names('--sort', 'name', '--limit', '2')).toEqual(['big lr', 'missing data']);
    expect(await names('--status', 'completed')).toEqual(['planar tanh', 'planar relu']);
    expect(await names('--status', 'failed,diverged')).toEqual(['missing data', 'big lr']);
    expect(await names('--status', 'failed', '--status', 'diverged')).toEqual(['missing data', 'big lr']);
    expect(await names('--tag', 'baseline')).toEqual(['planar relu']);
    expect(await names('--search', 'PLANAR', '--sort', 'test_accuracy')).toEqual(['planar tanh', 'planar relu']);
    expect(await names('--limit', '0')).toHaveLength(4);
    // Fields the runs table sorts by: durations (all runs here started and finished) and the config's hyperparameters.
    expect((await names('--sort', 'duration', '--desc')).length).toBe(4);
    expect(await names('--sort', 'tags')).toEqual(['planar relu', 'planar tanh', 'big lr', 'missing data']);
    expect(await names('--sort', 'hp.hidden', '--limit', '1')).toEqual(['planar relu']);
  });

  it('says so when nothing matches, or the store does not exist yet', async () => {
    expect(await runs('list', '--tag', 'nothing')).toBe(`no runs match in ${dir}`);
    const empty = path.join(dir, 'no-store-here');
    out = [];
    expect(await command.run(['list', '--store', empty])).toBe(0);
    expect(out.join('\n')).toBe(`no runs in ${empty}`);
    out = [];
    expect(await command.run(['list', '--store', empty, '--json'])).toBe(0);
    expect(JSON.parse(out.join('\n'))).toEqual({ store: empty, runs: [] });
  });

  it('rejects bad options with exit code 2', async () => {
    const sort = await failure('list', '--sort', 'test_acuracy');
    expect(sort.exitCode).toBe(2);
    expect(sort.message).toBe(
      "--sort: 'test_acuracy' is neither a field (created, name, status, started, finished, updated, duration, sweep, tags, " +
        'hp.data, hp.hidden, hp.activation, hp.optimizer, hp.learning_rate, hp.steps) ' +
        'nor a metric any run has logged (test_accuracy, train_cost)',
    );
    expect((await failure('list', '--status', 'done')).message).toMatch(/^--status: 'done' is not a status/);
    expect((await failure('list', '--limit', '-3')).exitCode).toBe(2);
    expect((await failure('list', '--desc')).exitCode).toBe(2);
    expect((await failure('list', '--bogus')).message).toMatch(/^Unknown option '--bogus'/);
    expect((await failure('show')).message).toMatch(/^runs show takes 1 argument, not 0/);
    expect((await failure('frobnicate')).message).toMatch(/^unknown subcommand 'frobnicate'/);
  });
});

describe('runs list --json', () => {
  it('prints the documented shape, with non-finite values as strings', async () => {
    const json = await runsJson('list', '--sort', 'test_accuracy', '--desc');
    expect(json.store).toBe(dir);
    const [relu, , big, broken] = json.runs;
    expect(relu).toEqual({
      id: ids.relu,
      name: 'planar relu',
      status: 'completed',
      sweepId: null,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      startedAt: expect.any(String),
      finishedAt: expect.any(String),
      updatedAt: expect.any(String),
      durationMs: expect.any(Number),
      error: null,
      notes: '',
      tags: ['baseline'],
      deletedAt: null,
      metrics: { train_cost: { value: 0.2, step: 10 }, test_accuracy: { value: 0.91, step: 10 } },
    });
    expect(big.metrics.train_cost).toEqual({ value: 'NaN', step: 10 });
    expect(broken).toMatchObject({ status: 'failed', error: 'no such file: x.npy', metrics: {} });
  });
});

describe('runs show', () => {
  it('prints status, times, weights, latest metrics, summary and config', async () => {
    const text = await runs('show', ids.relu);
    expect(text).toContain(`run       ${ids.relu}`);
    expect(text).toContain('name      planar relu');
    expect(text).toContain('status    completed');
    expect(text).toContain('tags      baseline');
    expect(text).toMatch(/finished  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}\(took [\d.]+ s\)/);
    expect(text).toContain('weights   layerlab-model-json, 2.0 KB, saved');
    expect(text).toMatch(/latest metrics\n {2}KEY\s+STEP\s+VALUE\n {2}test_accuracy\s+10\s+0\.91\n {2}train_cost\s+10\s+0\.2/);
    expect(text).toContain('summary\n  {\n    "steps": 10\n  }');
    expect(text).toContain('config\n  {\n    "name": "planar relu",');
    expect(await runs('show', ids.broken)).toContain('error     no such file: x.npy');
  });

  it('accepts a unique prefix of the id and prints JSON with the config parsed and, on request, the history', async () => {
    const { run } = await runsJson('show', ids.big.slice(0, 12), '--history');
    expect(run.id).toBe(ids.big);
    expect(run.config).toEqual({ name: 'big lr', model: { hidden: [4] } });
    expect(run.summary).toEqual({ steps: 10 });
    expect(run.owner.pid).toBe(process.pid);
    expect(run.weights).toBeNull();
    expect(run.history).toEqual({ test_accuracy: [[10, 0.5]], train_cost: [[10, 'NaN']] });
    const { run: relu } = await runsJson('show', ids.relu);
    expect(relu.weights).toMatchObject({ format: 'layerlab-model-json', bytes: 2048, file: expect.stringContaining(dir) });
  });

  it('fails with exit code 1 for an unknown run', async () => {
    const error = await failure('show', 'nosuchrun');
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`there is no run 'nosuchrun' in ${dir}`);
  });
});

describe('editing runs', () => {
  it('tags and untags', async () => {
    expect(await runs('tag', ids.tanh, 'adam')).toBe(`${ids.tanh} tags: adam`);
    expect((await runsJson('tag', ids.tanh, 'good')).run.tags).toEqual(['adam', 'good']);
    expect(await runs('tag', ids.tanh, 'adam', '--remove')).toBe(`${ids.tanh} tags: good`);
  });

  it('writes notes and renames', async () => {
    expect(await runs('note', ids.tanh, 'try a lower learning rate')).toBe(`${ids.tanh} notes:\n  try a lower learning rate`);
    expect(await runs('note', ids.tanh, '')).toBe(`${ids.tanh} notes cleared`);
    expect(await runs('rename', ids.tanh, 'tanh, 4 units')).toBe(`${ids.tanh} is now 'tanh, 4 units'`);
    const { run } = await runsJson('rename', ids.tanh, 'tanh again');
    expect(run).toMatchObject({ name: 'tanh again', notes: '' });
    expect((await failure('rename', ids.tanh, '  ')).message).toBe('a run name must not be empty');
  });

  it('rm hides runs, restore brings them back, rm --purge removes them for good', async () => {
    expect(await runs('rm', ids.big, ids.broken)).toBe(
      `deleted ${ids.big}\ndeleted ${ids.broken}\n('layerlab runs restore ID' brings a run back; 'rm --purge' removes it for good)`,
    );
    expect((await runsJson('list')).runs).toHaveLength(2);
    expect((await runsJson('list', '--deleted')).runs.map((r: { id: string }) => r.id)).toEqual([ids.broken, ids.big]);
    expect(await runsJson('restore', ids.big)).toEqual({ store: dir, restored: [ids.big] });
    expect((await runsJson('list')).runs).toHaveLength(3);
    expect(await runsJson('rm', ids.broken, '--purge')).toEqual({ store: dir, purged: [ids.broken] });
    expect((await runsJson('list', '--deleted')).runs).toEqual([]);
    expect((await failure('show', ids.broken)).exitCode).toBe(1);
  });

  it('is registered as `layerlab runs`', async () => {
    out = [];
    expect(await main(['runs', 'list', '--store', dir, '--status', 'failed'])).toBe(0);
    expect(out.join('\n')).toContain('missing data');
    expect(await main(['runs', 'list', '--store', dir, '--sort', 'nope'])).toBe(2);
    expect(err.join('\n')).toContain("layerlab runs: --sort: 'nope' is neither a field");
  });
});

describe('bin/layerlab.mjs runs', () => {
  it('lists as JSON while this process writes the store, and refuses to write beside it', () => {
    const store = RunStore.open(dir);
    try {
      const bin = (...args: string[]) =>
        spawnSync(process.execPath, [path.join(root, 'bin', 'layerlab.mjs'), 'runs', ...args, '--store', dir], {
          cwd: root,
          encoding: 'utf8',
        });
      const list = bin('list', '--json');
      expect(list.status, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout).runs.map((r: { name: string }) => r.name)).toEqual([
        'missing data',
        'big lr',
        'planar tanh',
        'planar relu',
      ]);
      const tag = bin('tag', ids.relu, 'x');
      expect(tag.status).toBe(1);
      expect(tag.stderr.trim()).toBe(`layerlab runs: the store ${dir} is in use by another Layerlab process (pid ${process.pid})`);
    } finally {
      store.close();
    }
  });
});

describe('formatting', () => {
  it('aligns table columns, numbers to the right', () => {
    expect(table(['A', 'NUMBER', 'Z'], [['xx', '1', 'last'], ['y', '100', '']], new Set([1]))).toBe(
      ['A   NUMBER  Z', 'xx       1  last', 'y      100'].join('\n'),
    );
  });

  it('prints durations and numbers compactly', () => {
    expect(formatDuration(420)).toBe('0.42 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4m05s');
    expect(formatDuration(7_380_000)).toBe('2h03m');
    expect(formatNumber(0.28808312)).toBe('0.288083');
    expect(formatNumber(1234567)).toBe('1.235e+6');
    expect(formatNumber(0.00001)).toBe('1.000e-5');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });
});
