/**
 * src-main/electron/open-file.ts: which file a launch asks to open (command line on Windows
 * and Linux, open-file on macOS), the queue that holds requests until the window is ready,
 * and opening a .llrun or .llsweep file: read, confirm, start, show. The extensions are the
 * ones the installers register (electron-builder.config.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_TYPES } from '../../electron-builder.config';
import type { RunConfig } from '../../src-core/config';
import {
  OPEN_FILE_TYPES,
  type OpenDeps,
  OpenQueue,
  type OpenRequest,
  fileFromArgv,
  kindOf,
  openLayerlabFile,
  requestFor,
} from '../../src-main/electron/open-file';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('which file a launch opens', () => {
  it('knows the two file types by extension, in any case, and the installers register the same ones', () => {
    expect(kindOf('/a/planar.llrun')).toBe('run');
    expect(kindOf('C:/Users/a/Sweep.LLSWEEP')).toBe('sweep');
    expect(kindOf('/a/planar.json')).toBeNull();
    expect(kindOf('/a/planar.llrun.json')).toBeNull();
    expect(kindOf('/a/llrun')).toBeNull();
    expect(Object.keys(OPEN_FILE_TYPES).sort()).toEqual(FILE_TYPES.map((t) => `.${t.ext}`).sort());
  });

  it('takes the file from a packaged app\'s command line, past the executable and any switches', () => {
    const cwd = '/home/ada';
    const packaged = { cwd, defaultApp: false };
    expect(fileFromArgv(['/opt/Layerlab/layerlab-workbench', '--no-sandbox', '/data/planar.llrun'], packaged)).toEqual({ kind: 'run', file: '/data/planar.llrun' });
    // The running instance gets a second launch's command line, with Chromium's switches added.
    expect(
      fileFromArgv(['/opt/Layerlab/layerlab-workbench', 'runs/hidden.llsweep', '--allow-file-access-from-files', '--original-process-start-time=1'], packaged),
    ).toEqual({ kind: 'sweep', file: '/home/ada/runs/hidden.llsweep' });
    expect(fileFromArgv(['/opt/Layerlab/layerlab-workbench'], packaged)).toBeNull();
    expect(fileFromArgv(['/opt/Layerlab/layerlab-workbench', 'notes.txt', '--inspect'], packaged)).toBeNull();
    expect(fileFromArgv(['/opt/x', 'a.llrun', 'b.llsweep'], packaged)).toEqual({ kind: 'sweep', file: '/home/ada/b.llsweep' });
  });

  it('skips the app folder when Electron runs one (development), even if it looks like a file', () => {
    const dev = { cwd: '/src/layerlab', defaultApp: true };
    expect(fileFromArgv(['/src/layerlab/node_modules/electron/dist/electron', '.', 'examples/a.llrun'], dev)).toEqual({
      kind: 'run',
      file: '/src/layerlab/examples/a.llrun',
    });
    expect(fileFromArgv(['/usr/bin/electron', '/tmp/app.llrun'], dev)).toBeNull();
  });

  it('reads the file:// URLs Linux desktop entries pass (%U)', () => {
    expect(requestFor('file:///home/ada/My%20Runs/planar.llrun', '/')).toEqual({ kind: 'run', file: '/home/ada/My Runs/planar.llrun' });
    expect(requestFor('file://remote-host/share/a.llrun', '/')).toBeNull();
    expect(requestFor('file:///home/ada/a.txt', '/')).toBeNull();
  });
});

describe('the open queue', () => {
  it('holds requests until attached, then handles them in order, one at a time, past failures', async () => {
    const queue = new OpenQueue();
    const seen: string[] = [];
    let running = 0;
    let most = 0;
    queue.push({ kind: 'run', file: '/a.llrun' });
    queue.push(null);
    queue.push({ kind: 'sweep', file: '/b.llsweep' });
    await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([]);
    queue.attach(async (request) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(request.file);
      running--;
      if (request.file === '/a.llrun') throw new Error('a dialog failed');
    });
    queue.push({ kind: 'run', file: '/c.llrun' });
    await queue.idle();
    expect(seen).toEqual(['/a.llrun', '/b.llsweep', '/c.llrun']);
    expect(most).toBe(1);
  });
});

/** Deps that record what opening a file did, answering the dialog with `answer`. */
function recorder(answer: boolean) {
  const log = {
    granted: [] as string[],
    runs: [] as RunConfig[],
    sweeps: [] as Record<string, unknown>[],
    questions: [] as { title: string; message: string; detail: string; action: string }[],
    errors: [] as [string, string][],
    shown: [] as string[],
  };
  const deps: OpenDeps = {
    grant: (file) => log.granted.push(file),
    startRun: (config) => {
      log.runs.push(config);
      return 'run 7';
    },
    startSweep: (spec) => {
      log.sweeps.push(spec);
      return { id: 'sw1', trials: 0 };
    },
    confirm: async (question) => {
      log.questions.push(question);
      return answer;
    },
    showError: (title, message) => log.errors.push([title, message]),
    show: (route) => log.shown.push(route),
  };
  return { log, deps };
}

function write(name: string, text: string): OpenRequest {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return requestFor(file, '/')!;
}

describe('opening a file', () => {
  it('asks, then starts the run in a .llrun file and shows it', async () => {
    const request = write('planar.llrun', readFileSync(path.join(root, 'examples/planar.json'), 'utf8'));
    const { log, deps } = recorder(true);
    await expect(openLayerlabFile(request, deps)).resolves.toEqual({ started: 'run', id: 'run 7' });
    expect(log.questions).toEqual([
      {
        title: 'Open planar.llrun',
        message: 'Start training the run in planar.llrun ("planar flower, 4 tanh units")?',
        detail: 'It reads no data files.',
        action: 'Start run',
      },
    ]);
    expect(log.runs).toHaveLength(1);
    expect(log.runs[0].model.hidden).toEqual([4]);
    expect(log.runs[0].train.learning_rate).toBe(1.2);
    expect(log.shown).toEqual(['/run/run%207']);
    expect(log.errors).toEqual([]);
  });

  it('takes data files from the file\'s folder, shows them in the question, and lets the run read them', async () => {
    const config = {
      data: { train: { csv: { file: 'data/points.csv', label: 'y' } }, test: null },
      model: { hidden: [3] },
      train: { learning_rate: 0.1, iterations: 10 },
    };
    const request = write('from-csv.llrun', JSON.stringify(config));
    const { log, deps } = recorder(true);
    await expect(openLayerlabFile(request, deps)).resolves.toEqual({ started: 'run', id: 'run 7' });
    const csv = path.join(dir, 'data/points.csv');
    expect(log.questions[0].detail).toBe(`It reads this data file:\n  ${csv}`);
    expect(log.granted).toEqual([csv]);
    expect((log.runs[0].data.train as { csv: { file: string } }).csv.file).toBe(csv);
  });

  it('asks, then starts the sweep in a .llsweep file with its folder as base_dir, and shows it', async () => {
    const text = readFileSync(path.join(root, 'examples/sweep-planar-hidden.json'), 'utf8');
    const request = write('hidden.llsweep', text);
    const { log, deps } = recorder(true);
    await expect(openLayerlabFile(request, deps)).resolves.toEqual({ started: 'sweep', id: 'sw1' });
    // The example's grid has one parameter with seven values.
    const trials = (JSON.parse(text) as { parameters: Record<string, unknown[]> }).parameters['model.hidden'].length;
    expect(trials).toBe(7);
    expect(log.questions[0].message).toBe(`Start the sweep in hidden.llsweep: ${trials} trials?`);
    expect(log.sweeps).toHaveLength(1);
    expect(log.sweeps[0]).toMatchObject({ name: 'planar flower: hidden layer size', method: 'grid', base_dir: dir });
    expect(log.shown).toEqual(['/sweep/sw1']);
  });

  it('starts nothing when the user says no', async () => {
    const request = write('no.llrun', readFileSync(path.join(root, 'examples/planar.json'), 'utf8'));
    const { log, deps } = recorder(false);
    await expect(openLayerlabFile(request, deps)).resolves.toEqual({ cancelled: true });
    expect([log.runs, log.granted, log.shown, log.errors]).toEqual([[], [], [], []]);
  });

  it('says what is wrong with a bad file, naming it, and never throws', async () => {
    const cases: [OpenRequest, RegExp][] = [
      [write('broken.llrun', '{\n  "model": {\n    "hidden": [4,]\n  }\n}\n'), /^broken\.llrun: not valid JSON: value expected at line 3, column 18$/],
      [write('wrong.llrun', JSON.stringify({ data: { train: { generator: 'planar', m: 10 } }, model: { hidden: 'four' } })), /wrong\.llrun.*model\.hidden/],
      [write('empty.llsweep', '{"base": {}, "parameters": {}}'), /empty\.llsweep/],
      [{ kind: 'run', file: path.join(dir, 'gone.llrun') }, /no such config file: .*gone\.llrun/],
    ];
    for (const [request, pattern] of cases) {
      const { log, deps } = recorder(true);
      const outcome = await openLayerlabFile(request, deps);
      expect(outcome).toHaveProperty('error');
      expect(log.errors).toHaveLength(1);
      expect(log.errors[0][0]).toBe(`Cannot open ${path.basename(request.file)}`);
      expect(log.errors[0][1]).toMatch(pattern);
      expect([log.questions, log.runs, log.sweeps]).toEqual([[], [], []]);
    }
  });

  it('opens a file given as a file:// URL', async () => {
    const request = write('url.llrun', readFileSync(path.join(root, 'examples/planar.json'), 'utf8'));
    const viaUrl = requestFor(pathToFileURL(request.file).href, '/')!;
    expect(viaUrl).toEqual(request);
  });
});
