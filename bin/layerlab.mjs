#!/usr/bin/env node
// The `layerlab` command. It runs the TypeScript sources through tsx, so a checkout
// works right after `npm install` with no build step and never runs stale code.
//
// Where the Electron binary is installed, the SQLite module is built for Electron
// (see docs/native-modules.md), so the command re-runs itself on Electron's Node.
import { spawnSync } from 'node:child_process';
import { electronInstall, expectedRuntime, runnerFor } from '../scripts/native-runtime.mjs';

const expected = expectedRuntime();
if (expected.name === 'electron' && !process.versions.electron) {
  const run = runnerFor(expected, electronInstall()?.binary ?? null, [process.argv[1], ...process.argv.slice(2)]);
  const result = spawnSync(run.command, run.args, { stdio: 'inherit', env: { ...process.env, ...run.env } });
  process.exit(result.status ?? 1);
}

const { register } = await import('tsx/esm/api');
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
