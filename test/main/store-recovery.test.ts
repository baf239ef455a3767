/**
 * The store when things go wrong: a process that dies mid-run, two processes on one store,
 * files that are not (or no longer) a Layerlab database, and a full disk. Other processes
 * are real child processes; "dead" pids are those of children that have exited.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, LOCK_FILE, RunStore, StoreError, type WriteOperation } from '../../src-main/store';
import { processStartToken } from '../../src-main/store/owner';

const root = path.resolve(import.meta.dirname, '../..');
const storeModule = pathToFileURL(path.join(root, 'src-main/store/index.ts')).href;

let dir: string;
let file: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'layerlab-recovery-'));
  file = path.join(dir, DB_FILE);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StoreError);
    return error as StoreError;
  }
  throw new Error('expected a StoreError');
}

/** The pid of a process that has run and exited: no process has it now (pids are not reused this fast). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

/**
 * Starts a node process running `code` (an async module body with `RunStore` and `dir`
 * in scope) and resolves with its first line of output.
 */
function startChild(code: string): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `const { RunStore } = await import(${JSON.stringify(storeModule)});\nconst dir = process.env.STORE_DIR;\n${code}`],
    { cwd: root, env: { ...process.env, STORE_DIR: dir }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve({ child, firstLine: out.slice(0, newline) });
    });
    child.stderr!.on('data', (d) => (err += d));
    child.on('exit', (code) => reject(new Error(`child exited ${code} before printing: ${out}${err}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

/** Rewrites run rows directly in the database, as another process would have left them. */
function setOwner(id: string, pid: number, token: string | null): void {
  const db = new Database(file);
  db.prepare("UPDATE runs SET status = 'running', owner_pid = ?, owner_token = ?, finished_at = NULL, error = NULL WHERE id = ?").run(
    pid,
    token,
    id,
  );
  db.close();
}

/** A store with one completed run (with history) and one queued run; both ids. */
function seed(): { done: string; other: string } {
  const store = RunStore.open(dir);
  const done = store.createRun({ name: 'done', config: '{}' });
  store.startRun(done);
  store.appendMetrics(done, [
    { step: 0, key: 'train_cost', value: 0.7 },
    { step: 1, key: 'train_cost', value: 0.3 },
  ]);
  store.finishRun(done, 'completed');
  const other = store.createRun({ name: 'other', config: '{}' });
  store.close();
  return { done, other };
}

function expectDoneRunIntact(store: RunStore, id: string): void {
  const run = store.getRun(id);
  expect(run.status).toBe('completed');
  expect(run.metrics.train_cost).toEqual({ value: 0.3, step: 1 });
  expect(store.history(id).map((p) => p.value)).toEqual([0.7, 0.3]);
}

describe('runs of a process that is gone', () => {
  it('marks a run interrupted when its process was killed mid-run, keeping what it logged', async () => {
    const { child, firstLine } = await startChild(`
      const store = RunStore.open(dir);
      const id = store.createRun({ name: 'killed', config: '{}' });
      store.startRun(id);
      store.appendMetrics(id, [{ step: 0, key: 'train_cost', value: 0.69 }]);
      console.log(id);
      setInterval(() => {}, 1000);
    `);
    const id = firstLine.trim();
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true); // the lock it could not release

    const store = RunStore.open(dir);
    try {
      const run = store.getRun(id);
      expect(run.status).toBe('interrupted');
      expect(run.error).toContain(`the process that ran it (pid ${child.pid}) ended without finishing it`);
      // It ended, as far as anyone can tell, at its last write.
      expect(run.finishedAt).not.toBeNull();
      expect(run.finishedAt!).toBeLessThanOrEqual(run.updatedAt);
      expect(store.history(id)).toEqual([{ key: 'train_cost', step: 0, value: 0.69 }]);
    } finally {
      store.close();
    }
  });

  it('marks a run interrupted whose recorded owner pid no longer exists', () => {
    const { done, other } = seed();
    const pid = deadPid();
    setOwner(other, pid, null);
    const store = RunStore.open(dir);
    try {
      expect(store.getRun(other).status).toBe('interrupted');
      expect(store.getRun(other).error).toContain(`pid ${pid}`);
      expectDoneRunIntact(store, done);
    } finally {
      store.close();
    }
  });

  it('leaves alone a run whose owner is another live process, unless the pid now names another process', async () => {
    const { other } = seed();
    const { child } = await startChild(`console.log('up'); setInterval(() => {}, 1000);`);
    const token = processStartToken(child.pid!);
    setOwner(other, child.pid!, token);
    let store = RunStore.open(dir);
    expect(store.getRun(other).status).toBe('running');
    store.close();

    if (token !== null) {
      // Same pid, another start token: the recorded process died and its pid was reused.
      setOwner(other, child.pid!, `${token}-earlier`);
      store = RunStore.open(dir);
      expect(store.getRun(other).status).toBe('interrupted');
      store.close();
    }
  });

  it('marks the runs it started interrupted when the store is closed before they finish', () => {
    let store = RunStore.open(dir);
    const id = store.createRun({ name: 'abandoned', config: '{}' });
    store.startRun(id);
    store.close();
    store = RunStore.open(dir, { readonly: true });
    expect(store.getRun(id)).toMatchObject({ status: 'interrupted', error: 'the store was closed while it was running' });
    store.close();
  });
});

describe('weights files left by a crash', () => {
  it('removes, at the next open, weight files that no run points to', () => {
    const store = RunStore.open(dir);
    const id = store.createRun({ name: 'w', config: '{}' });
    const { file } = store.saveWeights(id, new Uint8Array([1, 2, 3]), 'raw');
    store.close();
    const weights = path.join(dir, 'weights');
    // A save cut short, and a save whose database commit never happened.
    writeFileSync(path.join(weights, `${id}-zzzz.bin.tmp`), 'half');
    writeFileSync(path.join(weights, `${id}-zzzz.bin`), 'never committed');
    RunStore.open(dir).close();
    expect(readdirSync(weights)).toEqual([path.basename(file)]);
    // A reader never deletes anything.
    writeFileSync(path.join(weights, 'stray.bin'), 'x');
    RunStore.open(dir, { readonly: true }).close();
    expect(readdirSync(weights)).toHaveLength(2);
  });
});

describe('one writer at a time', () => {
  it('refuses a second process while this one writes, naming this pid', () => {
    const store = RunStore.open(dir);
    try {
      const child = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          `const { RunStore } = await import(${JSON.stringify(storeModule)});
           try { RunStore.open(process.env.STORE_DIR); } catch (e) { console.error(e.message); process.exit(1); }`,
        ],
        { cwd: root, env: { ...process.env, STORE_DIR: dir }, encoding: 'utf8' },
      );
      expect(child.status).toBe(1);
      expect(child.stderr.trim()).toBe(`the store ${dir} is in use by another Layerlab process (pid ${process.pid})`);
    } finally {
      store.close();
    }
  });

  it('refuses this process while another one writes, and lets it in once that one is done', async () => {
    const { child } = await startChild(`
      const store = RunStore.open(dir);
      console.log('holding');
      process.stdin.resume();
      process.stdin.on('end', () => { store.close(); process.exit(0); });
    `);
    const error = storeError(() => RunStore.open(dir));
    expect(error.code).toBe('locked');
    expect(error.message).toBe(`the store ${dir} is in use by another Layerlab process (pid ${child.pid})`);

    // Readers need no lock.
    const reader = RunStore.open(dir, { readonly: true });
    expect(reader.listRuns()).toEqual([]);
    reader.close();

    child.stdin!.end();
    expect(await exited(child)).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    RunStore.open(dir).close();
  });

  it('takes over a stale lock whose pid is dead, or that is unreadable and old', () => {
    seed();
    const lock = path.join(dir, LOCK_FILE);
    writeFileSync(lock, JSON.stringify({ pid: deadPid(), token: null, hostname: 'x', since: '2020-01-01T00:00:00Z' }));
    let store = RunStore.open(dir);
    expect(JSON.parse(readFileSync(lock, 'utf8')).pid).toBe(process.pid);
    store.close();
    expect(existsSync(lock)).toBe(false);

    writeFileSync(lock, 'garbage');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    store = RunStore.open(dir);
    store.close();
    expect(readdirSync(dir).filter((f) => f.includes('.lock'))).toEqual([]);
  });

  it('refuses a second open in the same process', () => {
    const store = RunStore.open(dir);
    try {
      expect(storeError(() => RunStore.open(dir)).message).toBe(`the store ${dir} is already open in this process`);
    } finally {
      store.close();
    }
  });
});

describe('files that are not a Layerlab store', () => {
  function expectUntouched(before: Buffer, message: RegExp): void {
    for (const readonly of [false, true]) {
      const error = storeError(() => RunStore.open(dir, { readonly }));
      expect(error.code).toBe('foreign');
      expect(error.file).toBe(file);
      expect(error.message).toMatch(message);
    }
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([DB_FILE]); // no journal, WAL or lock left behind
  }

  it('refuses random bytes, naming the file, and never writes it', () => {
    const bytes = randomBytes(8192);
    writeFileSync(file, bytes);
    expectUntouched(bytes, new RegExp(`^${file.replace(/[.]/g, '\\.')} is not a Layerlab store: it is not a SQLite database\\.`));
  });

  it('refuses a short file', () => {
    writeFileSync(file, 'SQLite format 3\0 but short');
    expectUntouched(readFileSync(file), /is not a SQLite database/);
  });

  it('refuses the SQLite database of another application', () => {
    const db = new Database(file);
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('mine');");
    db.close();
    expectUntouched(readFileSync(file), /it is the SQLite database of another application \(application_id 0x00000000\)/);
  });

  it('reports a damaged Layerlab store as corrupt, naming it, and leaves it as it was', () => {
    const { done } = seed();
    const bytes = readFileSync(file);
    // Keep page 1 (header and schema); fill every later page with noise.
    const damaged = Buffer.concat([bytes.subarray(0, 4096), randomBytes(bytes.length - 4096)]);
    writeFileSync(file, damaged);
    const error = storeError(() => {
      const store = RunStore.open(dir);
      try {
        store.getRun(done);
        store.listRuns();
      } finally {
        store.close();
      }
    });
    expect(error.code).toBe('corrupt');
    expect(error.message).toContain(`${file} is damaged`);
    expect(readFileSync(file).equals(damaged)).toBe(true);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a store from a newer Layerlab without changing it', () => {
    seed();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const before = readFileSync(file);
    const error = storeError(() => RunStore.open(dir));
    expect(error.code).toBe('newer-schema');
    expect(error.message).toContain('was written by a newer Layerlab (schema version 99');
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('makes a store in an empty file (a crash before the first write)', () => {
    writeFileSync(file, '');
    const store = RunStore.open(dir);
    store.createRun({ name: 'x', config: '{}' });
    store.close();
  });
});

describe('a full disk', () => {
  const full = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');

  it('fails the run being appended to, with the reason, and keeps earlier runs intact', () => {
    const { done } = seed();
    let failNext: WriteOperation | null = null;
    const store = RunStore.open(dir, {
      testHooks: {
        beforeWrite(operation) {
          if (operation === failNext) {
            failNext = null;
            throw full();
          }
        },
      },
    });
    const id = store.createRun({ name: 'filling the disk', config: '{}' });
    store.startRun(id);
    store.appendMetrics(id, [{ step: 0, key: 'train_cost', value: 0.69 }]);
    failNext = 'appendMetrics';
    const error = storeError(() => store.appendMetrics(id, [{ step: 1, key: 'train_cost', value: 0.5 }]));
    expect(error.code).toBe('full');
    expect(error.message).toBe(`${file}: the disk is full while appending metrics to run ${id} (database or disk is full)`);
    expect(store.getRun(id)).toMatchObject({ status: 'failed', error: `the store could not be written: ${error.message}` });
    // The run is over: later appends and a second finish are refused.
    expect(storeError(() => store.appendMetrics(id, [{ step: 2, key: 'train_cost', value: 0.4 }])).code).toBe('invalid-transition');
    store.close();

    const reopened = RunStore.open(dir);
    try {
      expectDoneRunIntact(reopened, done);
      expect(reopened.getRun(id).status).toBe('failed');
      expect(reopened.history(id)).toEqual([{ key: 'train_cost', step: 0, value: 0.69 }]);
    } finally {
      reopened.close();
    }
  });

  it('fails every run of a batch appended in one transaction, and writes none of the batch', () => {
    let failNext = false;
    const store = RunStore.open(dir, {
      testHooks: {
        beforeWrite(operation) {
          if (failNext && operation === 'appendMetrics') {
            failNext = false;
            throw full();
          }
        },
      },
    });
    try {
      const [a, b] = ['trial a', 'trial b'].map((name) => {
        const id = store.createRun({ name, config: '{}' });
        store.startRun(id);
        return id;
      });
      store.appendMetricsMany([
        { id: a, points: [{ step: 0, key: 'train_cost', value: 0.7 }] },
        { id: b, points: [{ step: 0, key: 'train_cost', value: 0.6 }] },
      ]);
      failNext = true;
      const error = storeError(() =>
        store.appendMetricsMany([
          { id: a, points: [{ step: 1, key: 'train_cost', value: 0.5 }] },
          { id: b, points: [{ step: 1, key: 'train_cost', value: 0.4 }] },
        ]),
      );
      expect(error.code).toBe('full');
      expect(error.message).toBe(`${file}: the disk is full while appending metrics to runs ${a}, ${b} (database or disk is full)`);
      for (const [id, value] of [[a, 0.7], [b, 0.6]] as const) {
        expect(store.getRun(id)).toMatchObject({ status: 'failed', error: `the store could not be written: ${error.message}` });
        expect(store.history(id)).toEqual([{ key: 'train_cost', step: 0, value }]);
      }
    } finally {
      store.close();
    }
  });

  it('leaves a run to be marked interrupted when even marking it failed cannot be written', () => {
    const { done } = seed();
    let diskFull = false;
    const store = RunStore.open(dir, {
      testHooks: {
        beforeWrite() {
          if (diskFull) throw full();
        },
      },
    });
    const id = store.createRun({ name: 'x', config: '{}' });
    store.startRun(id);
    diskFull = true;
    expect(storeError(() => store.appendMetrics(id, [{ step: 0, key: 'train_cost', value: 1 }])).code).toBe('full');
    store.close();

    const reopened = RunStore.open(dir);
    try {
      expect(reopened.getRun(id).status).toBe('interrupted');
      expectDoneRunIntact(reopened, done);
    } finally {
      reopened.close();
    }
  });

  it('fails the run when its weights cannot be written, leaving no partial file and the old weights', () => {
    seed();
    let failWeights = false;
    const store = RunStore.open(dir, {
      testHooks: {
        beforeWrite(operation) {
          // Halfway through the file: a partial temporary file exists and must go.
          if (failWeights && operation === 'weightsFile') {
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
        },
      },
    });
    try {
      const id = store.createRun({ name: 'w', config: '{}' });
      store.startRun(id);
      store.saveWeights(id, new Uint8Array([1, 2, 3]), 'raw');
      failWeights = true;
      const error = storeError(() => store.saveWeights(id, new Uint8Array(1000), 'raw'));
      expect(error.code).toBe('full');
      expect(readdirSync(path.join(dir, 'weights'))).toHaveLength(1);
      expect(Array.from(store.loadWeights(id)!.bytes)).toEqual([1, 2, 3]);
      expect(store.getRun(id).status).toBe('failed');
    } finally {
      store.close();
    }
  });
});
