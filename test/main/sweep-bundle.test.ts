/**
 * The bundled trial process (trial-bundle.ts): built on first use into a node_modules
 * cache, reused while its sources are unchanged, rebuilt when one changed, and runnable
 * as a trial process, HDF5 files included (h5wasm stays outside the bundle); tsx where it
 * cannot be built. Each test builds into a temporary root whose node_modules links to
 * esbuild and h5wasm, so the checkout's own cache is left alone.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatIssues, parseRunConfig } from '../../src-core/config';
import { forkHosts } from '../../src-main/sweep/fork-host';
import { TrialPool } from '../../src-main/sweep/pool';
import { bundleCacheDir, LEFT_OUT, MANIFEST, trialProgram, TSX_PROGRAM } from '../../src-main/sweep/trial-bundle';
import { smallBase } from '../fixtures/sweep/helpers';

const checkout = path.resolve(import.meta.dirname, '../..');
let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'layerlab-bundle-'));
  mkdirSync(path.join(root, 'node_modules'));
  // What building needs (esbuild) and the one package the bundle leaves outside (h5wasm).
  for (const name of ['esbuild', 'h5wasm']) symlinkSync(path.join(checkout, 'node_modules', name), path.join(root, 'node_modules', name));
});
afterEach(() => {
  delete process.env.LAYERLAB_TRIAL_BUNDLE;
  rmSync(root, { recursive: true, force: true });
});

function manifest(): { entry: string; inputs: Record<string, [number, number]> } {
  return JSON.parse(readFileSync(path.join(bundleCacheDir(root), MANIFEST), 'utf8'));
}

describe('the bundled trial process', () => {
  it('is built once into the node_modules cache, from the sources it records, and reused while they are unchanged', () => {
    const problems: string[] = [];
    const first = trialProgram({ root, problems: (p) => problems.push(p) });
    expect(problems).toEqual([]);
    expect(first.execArgv).toEqual([]);
    expect(first.entry.startsWith(bundleCacheDir(root))).toBe(true);
    expect(first.entry.endsWith('trial-process.cjs')).toBe(true);
    const inputs = Object.keys(manifest().inputs);
    expect(inputs).toContain(TSX_PROGRAM.entry);
    expect(inputs).toContain(path.join(checkout, 'src-core', 'config.ts'));
    // zod is inside the bundle, so its files count as inputs; so does the builder.
    expect(inputs.some((f) => f.startsWith(path.join(checkout, 'node_modules', 'zod') + path.sep))).toBe(true);
    expect(inputs).toContain(path.join(checkout, 'src-main', 'sweep', 'trial-bundle.ts'));
    expect(inputs.every((f) => path.isAbsolute(f) && existsSync(f))).toBe(true);
    expect(trialProgram({ root })).toEqual(first);
  });

  it('is ASCII only, so that V8 holds it as a one-byte string, though our sources have math in their comments', () => {
    const program = trialProgram({ root });
    const text = readFileSync(program.entry, 'utf8');
    const nonAscii = /[^\x00-\x7f]/;
    expect(nonAscii.test(text)).toBe(false);
    // esbuild escapes the code's non-ASCII characters itself; these are the comments' (σ, Σ, ·, −).
    const withMath = Object.keys(manifest().inputs).filter((f) => f.startsWith(path.join(checkout, 'src-core')) && nonAscii.test(readFileSync(f, 'utf8')));
    expect(withMath.length).toBeGreaterThan(0);
    expect(text).toMatch(/\/\/.*\\u\{[0-9a-f]+\}/);
  });

  it("leaves out zod's translations and fromJSONSchema, and keeps its English messages", async () => {
    const program = trialProgram({ root });
    const text = readFileSync(program.entry, 'utf8');
    const inputs = Object.keys(manifest().inputs);
    // The German translation's "invalid input", and the modules themselves, are not in it.
    expect(text).not.toContain('Ung\\xFCltige Eingabe');
    expect(inputs.some((f) => f.includes(`${path.sep}locales${path.sep}de.js`))).toBe(false);
    expect(inputs.some((f) => f.endsWith(`${path.sep}from-json-schema.js`))).toBe(false);
    expect(inputs.some((f) => f.endsWith(`${path.sep}locales${path.sep}en.js`))).toBe(true);
    expect(Object.keys(LEFT_OUT).length).toBe(2);
    // A config the trial process checks itself gets the same messages as here, where zod is whole.
    const pool = new TrialPool({ hosts: forkHosts({ entry: program.entry, execArgv: program.execArgv }), size: 1 });
    try {
      const parsed = parseRunConfig(smallBase(300, 100));
      if (!parsed.ok) throw new Error('bad config');
      const bad = { ...parsed.config, train: { ...parsed.config.train, learning_rate: 'fast' } };
      const here = parseRunConfig(bad);
      expect(here.ok).toBe(false);
      const messages = here.ok ? '' : formatIssues(here.issues);
      expect(messages).toContain('train.learning_rate');
      expect(await runTrial(pool, 'bad', bad)).toBe(`failed: the trial's config is not valid:\n${messages}`);
    } finally {
      await pool.close();
    }
  });

  it('is built again when a source it was made from changed since', () => {
    const first = trialProgram({ root });
    // As if trial-service.ts had been edited: its recorded modification time no longer matches.
    const m = manifest();
    const source = path.join(checkout, 'src-main', 'sweep', 'trial-service.ts');
    m.inputs[source] = [m.inputs[source][0], m.inputs[source][1] - 1000];
    writeFileSync(path.join(bundleCacheDir(root), MANIFEST), JSON.stringify(m));
    const second = trialProgram({ root });
    expect(second.entry).not.toBe(first.entry);
    expect(manifest().inputs[source]).toEqual([statSync(source).size, statSync(source).mtimeMs]);
    expect(existsSync(second.entry)).toBe(true);
  });

  it('runs trials as a forked process, HDF5 files included', async () => {
    const program = trialProgram({ root });
    const pool = new TrialPool({ hosts: forkHosts({ entry: program.entry, execArgv: program.execArgv }), size: 1 });
    try {
      const parsed = parseRunConfig(smallBase(300, 100));
      if (!parsed.ok) throw new Error('bad config');
      expect(await runTrial(pool, 'bundled', parsed.config)).toBe('completed 0,100,200,299');
      // Reading an HDF5 file imports h5wasm from node_modules: its answer about the file's
      // datasets shows that it loaded.
      const h5 = path.join(checkout, 'test', 'fixtures', 'broken', 'h5_without_key.h5');
      const fromFile = { ...parsed.config, data: { train: { x: { file: h5, key: 'X' }, y: { file: h5, key: 'train_set_y' } } } };
      expect(await runTrial(pool, 'hdf5', fromFile)).toBe(`failed: h5_without_key.h5: no dataset 'X'; datasets are: list_classes, train_set_x, train_set_y`);
      expect(pool.processesStarted).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("checks a trial's request and config without compiling code: zod is jitless before its first schema is built", async () => {
    const program = trialProgram({ root });
    // The bundle, inside a wrapper that counts the functions made with `new Function` (which
    // zod uses for its compiled fast paths, and to probe whether it may) until the process exits.
    const counted = path.join(root, 'functions-made.txt');
    const wrapper = path.join(root, 'count-functions.cjs');
    writeFileSync(
      wrapper,
      `let made = 0;
globalThis.Function = new Proxy(Function, { construct: (target, args) => (made++, Reflect.construct(target, args)) });
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(counted)}, String(made)));
require(${JSON.stringify(program.entry)});
`,
    );
    const pool = new TrialPool({ hosts: forkHosts({ entry: wrapper, execArgv: [] }), size: 1 });
    try {
      const parsed = parseRunConfig(smallBase(300, 100));
      if (!parsed.ok) throw new Error('bad config');
      expect(await runTrial(pool, 'first', parsed.config)).toBe('completed 0,100,200,299');
      expect(await runTrial(pool, 'second', parsed.config)).toBe('completed 0,100,200,299');
    } finally {
      await pool.close();
    }
    expect(readFileSync(counted, 'utf8')).toBe('0');
  });

  it('falls back to tsx where it cannot be built, or when told to', () => {
    process.env.LAYERLAB_TRIAL_BUNDLE = '0';
    expect(trialProgram({ root })).toEqual(TSX_PROGRAM);
    delete process.env.LAYERLAB_TRIAL_BUNDLE;
    const bare = mkdtempSync(path.join(tmpdir(), 'layerlab-bundle-bare-'));
    try {
      const problems: string[] = [];
      expect(trialProgram({ root: bare, problems: (p) => problems.push(p) })).toEqual(TSX_PROGRAM);
      expect(problems).toEqual([`the trial process runs through tsx: it could not be bundled (there is no node_modules folder in ${bare})`]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

/** Runs one trial on `pool`: its status and logged cost steps, or its error. */
function runTrial(pool: TrialPool, runId: string, config: unknown): Promise<string> {
  return new Promise((resolve) => {
    const points: number[] = [];
    pool.start(
      { type: 'run', runId, config, batchMs: 50, progressEvery: 10 },
      {
        started: () => {},
        progress: (m) => points.push(...m.points.filter((p) => p.key === 'train_cost').map((p) => p.step)),
        weights: () => {},
        finished: (m) => resolve(m.status === 'completed' ? `${m.status} ${points.join(',')}` : `${m.status}: ${m.error}`),
        crashed: (reason) => resolve(`crashed: ${reason}`),
      },
    );
  });
}
