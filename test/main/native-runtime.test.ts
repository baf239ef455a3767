/**
 * scripts/native-runtime.mjs: telling which runtime the better-sqlite3 binary was built
 * for, and saying what to do when it is the wrong one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Runtime,
  abiFromBinary,
  checkNativeModule,
  currentRuntime,
  describeAbi,
  electronInstall,
  expectedMessage,
  expectedRuntime,
  modulePath,
  parseAbiMismatch,
  rebuildCommand,
  rebuildPlan,
  runnerFor,
} from '../../scripts/native-runtime.mjs';

const root = path.resolve(import.meta.dirname, '../..');

/** The error Node (and Electron, which keeps Node's text) throws for a module of another ABI. */
const MISMATCH =
  "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
  'was compiled against a different Node.js version using\n' +
  'NODE_MODULE_VERSION 130. This version of Node.js requires\n' +
  'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n' +
  'the module (for instance, using `npm rebuild` or `npm install`).';

const registry = [
  { abi: '115', runtime: 'node', target: '20.0.0' },
  { abi: '130', runtime: 'electron', target: '33.0.0-alpha.1' },
  { abi: '123', runtime: 'electron', target: '30.0.0-alpha.1' },
  { abi: '123', runtime: 'electron', target: '31.0.0-alpha.1' },
];
const node20: Runtime = { name: 'node', version: '20.20.2', abi: 115, label: 'Node 20.20.2' };
const electron33: Runtime = { name: 'electron', version: '33.2.0', abi: 130, label: 'Electron 33.2.0 (its Node 20.18.1)' };

describe('native runtime detection', () => {
  it('reads both ABIs from a load error, and nothing from other errors', () => {
    expect(parseAbiMismatch(MISMATCH)).toEqual({ builtFor: 130, needs: 115 });
    expect(parseAbiMismatch('Module did not self-register')).toBeNull();
    expect(parseAbiMismatch('invalid ELF header')).toBeNull();
  });

  it('reads the ABI a binary was built for from its registration symbol', () => {
    expect(abiFromBinary(Buffer.from('\0\0node_register_module_v127\0more'))).toBe(127);
    expect(abiFromBinary(Buffer.from('napi_register_module_v1'))).toBeNull();
    expect(abiFromBinary(readFileSync(modulePath()))).toBe(Number(process.versions.modules));
  });

  it('names the runtimes of an ABI', () => {
    expect(describeAbi(115, registry)).toBe('Node 20');
    expect(describeAbi(130, registry)).toBe('Electron 33');
    expect(describeAbi(123, registry)).toBe('Electron 30 or Electron 31');
    expect(describeAbi(9999, registry)).toBe('ABI 9999');
    expect(describeAbi(127, null)).toBe('Node 22'); // without node-abi's registry
    expect(describeAbi(Number(process.versions.modules))).toContain('Node');
  });

  it('tells Node from Electron and suggests the matching rebuild', () => {
    expect(currentRuntime({ ...process.versions, node: '20.20.2', modules: '115' })).toEqual(node20);
    expect(currentRuntime({ ...process.versions, electron: '33.2.0', node: '20.18.1', modules: '130' })).toEqual(electron33);
    expect(rebuildCommand(node20)).toBe('npm rebuild better-sqlite3');
    expect(rebuildCommand(electron33)).toBe('npm_config_runtime=electron npm_config_target=33.2.0 npm_config_disturl=https://electronjs.org/headers npm_config_build_from_source=true npm_config_nodedir= npm rebuild better-sqlite3');
  });

  it('rebuilds for Electron with npm pointed at its headers and nodedir cleared', () => {
    expect(rebuildPlan(node20)).toEqual({ command: 'npm', args: ['rebuild', 'better-sqlite3'], env: {} });
    const plan = rebuildPlan(electron33);
    expect(plan.env).toMatchObject({ npm_config_runtime: 'electron', npm_config_target: '33.2.0', npm_config_nodedir: '' });
  });

  it('runs scripts on Electron\'s Node where the module is built for Electron, else on this Node', () => {
    const electron = { name: 'electron', version: '41.7.1', abi: 145, label: 'Electron 41.7.1' } as const;
    expect(runnerFor(electron, '/e/electron', ['vitest.mjs', 'run'], '/usr/bin/node')).toEqual({
      command: '/e/electron',
      args: ['vitest.mjs', 'run'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(runnerFor(node20, null, ['vitest.mjs'], '/usr/bin/node')).toEqual({ command: '/usr/bin/node', args: ['vitest.mjs'], env: {} });
    // Electron expected but its binary gone: fall back to Node rather than fail to start.
    expect(runnerFor(electron, null, ['x.mjs'], '/usr/bin/node').command).toBe('/usr/bin/node');
  });

  it('--ensure leaves a module that is built for this machine alone', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'native-runtime.mjs'), '--ensure'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
  });

  it('says the installed module loads here', () => {
    const report = checkNativeModule();
    expect(report.loads).toBe(true);
    expect(report.builtFor?.abi).toBe(Number(process.versions.modules));
    expect(report.message).toBe(
      `better-sqlite3 is built for NODE_MODULE_VERSION ${process.versions.modules} and loads in Node ${process.versions.node}`,
    );
  });

  it('says what to run when the module was built for another runtime', () => {
    const mismatched = (runtime: Runtime, error: string) =>
      checkNativeModule({
        runtime,
        load: () => {
          throw new Error(error);
        },
      });
    const onNode = mismatched(node20, MISMATCH);
    expect(onNode.loads).toBe(false);
    expect(onNode.builtFor?.abi).toBe(130);
    expect(onNode.message).toMatch(
      /^better-sqlite3 was built for NODE_MODULE_VERSION 130 \(Electron 33\) but this runtime, Node 20\.20\.2, needs 115; run npm rebuild better-sqlite3$/,
    );
    const onElectron = mismatched(electron33, MISMATCH.replace('130', '115').replace('requires\nNODE_MODULE_VERSION 115', 'requires\nNODE_MODULE_VERSION 130'));
    expect(onElectron.message).toBe(
      'better-sqlite3 was built for NODE_MODULE_VERSION 115 (Node 20) but this runtime, Electron 33.2.0 (its Node 20.18.1), ' +
        'needs 130; run npm_config_runtime=electron npm_config_target=33.2.0 npm_config_disturl=https://electronjs.org/headers npm_config_build_from_source=true npm_config_nodedir= npm rebuild better-sqlite3',
    );
    expect(mismatched(node20, 'libsqlite.so: cannot open shared object file').message).toBe(
      'better-sqlite3 does not load in Node 20.20.2: libsqlite.so: cannot open shared object file; run npm rebuild better-sqlite3',
    );
    expect(checkNativeModule({ file: path.join(root, 'no-such.node'), runtime: node20 }).message).toBe(
      `better-sqlite3 is not built (${path.join(root, 'no-such.node')} is missing); run npm rebuild better-sqlite3`,
    );
  });

  it('finds the electron package, its ABI, and whether its binary was downloaded', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-electron-'));
    try {
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '41.7.1' }));
      writeFileSync(path.join(dir, 'abi_version'), '145\n');
      // As installed with its download skipped: no path.txt, no dist/.
      const skipped = electronInstall(dir);
      expect(skipped).toEqual({ version: '41.7.1', abi: 145, binary: null });
      expect(expectedRuntime(skipped, node20)).toEqual(node20);

      mkdirSync(path.join(dir, 'dist'));
      writeFileSync(path.join(dir, 'dist', 'electron'), '');
      writeFileSync(path.join(dir, 'path.txt'), 'electron');
      const present = electronInstall(dir);
      expect(present?.binary).toBe(path.join(dir, 'dist', 'electron'));
      const expected = expectedRuntime(present, node20);
      expect(expected).toEqual({ name: 'electron', version: '41.7.1', abi: 145, label: 'Electron 41.7.1' });

      // Built for Node where the Electron binary is present: not what this machine should have.
      const report = checkNativeModule({ runtime: node20, expected, load: () => {} });
      expect(report.builtForExpected).toBe(false);
      expect(expectedMessage(report)).toBe(
        `better-sqlite3 is built for NODE_MODULE_VERSION ${process.versions.modules} (${describeAbi(Number(process.versions.modules))}), ` +
          'but the Electron binary is installed, so it should be built for Electron 41.7.1 (NODE_MODULE_VERSION 145); ' +
          'run npm_config_runtime=electron npm_config_target=41.7.1 npm_config_disturl=https://electronjs.org/headers npm_config_build_from_source=true npm_config_nodedir= npm rebuild better-sqlite3',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(electronInstall(path.join(root, 'no-such-folder'))).toBeNull();
  });

  it('runs as a script: exit 0 and a one-line verdict', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'native-runtime.mjs')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^better-sqlite3 is built for NODE_MODULE_VERSION \d+ and loads in Node /);
    const expected = spawnSync(process.execPath, [path.join(root, 'scripts', 'native-runtime.mjs'), '--expected'], { encoding: 'utf8' });
    expect(expected.status).toBe(checkNativeModule().builtForExpected ? 0 : 1);
  });
});
