/** Starts `layerlab ui` on a temporary store for an end-to-end test, and stops it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface RunningUi {
  url: string;
  origin: string;
  store: string;
  stop(): Promise<void>;
}

const root = resolve(import.meta.dirname, '../..');

export async function startUi(options: { store?: string } = {}): Promise<RunningUi> {
  const store = options.store ?? mkdtempSync(join(tmpdir(), 'layerlab-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin/layerlab.mjs'), 'ui', '--store', store, '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`layerlab ui did not start in 60 s:\n${output}`)), 60_000);
    const on = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Layerlab is running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        res(match[1]);
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => rej(new Error(`layerlab ui exited with ${code}:\n${output}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    store,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGINT');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      if (!options.store) rmSync(store, { recursive: true, force: true });
    },
  };
}
