#!/usr/bin/env node
// Which runtime the installed better-sqlite3 native module was built for, and whether the
// runtime running this script can load it. A native module is built against one ABI
// (NODE_MODULE_VERSION): Node 20 is 115, Node 22 is 127, and every Electron major has its
// own. Built for one, it fails to load in another, with an error naming both numbers.
//
//   node scripts/native-runtime.mjs             prints a one-line verdict; exit 0 loads, 1 not
//   node scripts/native-runtime.mjs --expected  exit 0 if it is built for the runtime this
//                                               machine should use (below), 1 if not
//   node scripts/native-runtime.mjs --json      the report as JSON
//   node scripts/native-runtime.mjs --ensure    rebuild it for that runtime if it is not (postinstall)
//   node scripts/native-runtime.mjs --exec S …  run Node script S on that runtime (npm test)
//
// The runtime a machine should use: Electron where the electron package's binary is
// present, Node where it is absent (as in CI, which skips the download).
//
// Under Electron, run it as `ELECTRON_RUN_AS_NODE=1 electron scripts/native-runtime.mjs`.
// See docs/native-modules.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** Node majors by ABI, for when node-abi's registry cannot be read. */
const KNOWN_NODE_ABIS = { 108: 'Node 18', 115: 'Node 20', 120: 'Node 21', 127: 'Node 22', 131: 'Node 23', 137: 'Node 24' };

/**
 * The two ABIs in a "compiled against a different Node.js version" load error, or null
 * if `message` is some other error.
 * @param {string} message
 * @returns {{ builtFor: number, needs: number } | null}
 */
export function parseAbiMismatch(message) {
  const match = /NODE_MODULE_VERSION (\d+)[\s\S]*?requires\s+NODE_MODULE_VERSION (\d+)/.exec(message);
  return match ? { builtFor: Number(match[1]), needs: Number(match[2]) } : null;
}

/**
 * The ABI a native module was built for, read from its exported
 * `node_register_module_v<ABI>` symbol, without loading it; null if it has none
 * (a Node-API module, or not a Node module at all).
 * @param {Uint8Array} bytes the .node file
 * @returns {number | null}
 */
export function abiFromBinary(bytes) {
  const marker = Buffer.from('node_register_module_v');
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = buffer.indexOf(marker);
  if (at < 0) return null;
  let end = at + marker.length;
  while (end < buffer.length && buffer[end] >= 0x30 && buffer[end] <= 0x39) end++;
  return end > at + marker.length ? Number(buffer.toString('latin1', at + marker.length, end)) : null;
}

/** node-abi's registry (a dependency of better-sqlite3's installer), if it can be found. */
function readAbiRegistry() {
  try {
    const fromSqlite = createRequire(require.resolve('better-sqlite3/package.json'));
    const fromPrebuild = createRequire(fromSqlite.resolve('prebuild-install/package.json'));
    return JSON.parse(readFileSync(fromPrebuild.resolve('node-abi/abi_registry.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Which runtimes use an ABI: "Node 20", "Electron 33", "Electron 30 or 31"; "ABI n" if unknown.
 * @param {number} abi
 * @param {{ abi: string, runtime: string, target: string }[] | null} [registry]
 * @returns {string}
 */
export function describeAbi(abi, registry = readAbiRegistry()) {
  const names = new Set();
  for (const entry of registry ?? []) {
    if (Number(entry.abi) !== abi) continue;
    const runtime = entry.runtime === 'electron' ? 'Electron' : entry.runtime === 'node' ? 'Node' : entry.runtime;
    names.add(`${runtime} ${entry.target.split('.')[0]}`);
  }
  if (names.size === 0 && KNOWN_NODE_ABIS[abi]) names.add(KNOWN_NODE_ABIS[abi]);
  if (names.size === 0) return `ABI ${abi}`;
  const list = [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** The runtime running this script. */
export function currentRuntime(versions = process.versions) {
  const electron = versions.electron;
  return {
    name: electron ? 'electron' : 'node',
    version: electron ?? versions.node,
    abi: Number(versions.modules),
    label: electron ? `Electron ${electron} (its Node ${versions.node})` : `Node ${versions.node}`,
  };
}

/**
 * How to rebuild the module for `runtime`: `npm rebuild better-sqlite3`, for Electron
 * with npm's settings pointed at Electron's headers, as Electron's docs describe
 * ("Using npm"). (@electron/rebuild would do the same, but its installer fetches a
 * fork of node-gyp from GitHub, which not every machine can reach.) npm's `nodedir`
 * is cleared: left set (this machine sets it to /usr), node-gyp would quietly build
 * against Node's headers and report success, so the result is checked afterwards.
 * @returns {{ command: string, args: string[], env: Record<string, string> }}
 */
export function rebuildPlan(runtime) {
  if (runtime.name !== 'electron') return { command: 'npm', args: ['rebuild', 'better-sqlite3'], env: {} };
  return {
    command: 'npm',
    args: ['rebuild', 'better-sqlite3'],
    env: {
      npm_config_runtime: 'electron',
      npm_config_target: runtime.version,
      npm_config_disturl: 'https://electronjs.org/headers',
      npm_config_build_from_source: 'true',
      npm_config_nodedir: '',
    },
  };
}

/** The rebuild as one line for messages. */
export function rebuildCommand(runtime) {
  const plan = rebuildPlan(runtime);
  const env = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
  return [...env, plan.command, ...plan.args].join(' ');
}

/**
 * How to run a Node script on the runtime this machine should use: under the
 * Electron binary with ELECTRON_RUN_AS_NODE where the module is built for it, else
 * with this Node. `npm test` and the `layerlab` command go through it.
 * @param {ReturnType<typeof expectedRuntime>} expected
 * @param {string | null} electronBinary
 * @param {string[]} argv the script and its arguments
 */
export function runnerFor(expected, electronBinary, argv, execPath = process.execPath) {
  if (expected.name === 'electron' && electronBinary) {
    return { command: electronBinary, args: argv, env: { ELECTRON_RUN_AS_NODE: '1' } };
  }
  return { command: execPath, args: argv, env: {} };
}

/**
 * The electron package, if installed: its version, its ABI (the package's abi_version
 * file), and its binary if that was downloaded (null otherwise).
 * @param {string} [dir] the package folder; found from here by default
 * @returns {{ version: string, abi: number | null, binary: string | null } | null}
 */
export function electronInstall(dir) {
  try {
    const folder = dir ?? dirname(require.resolve('electron/package.json'));
    const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    const abiFile = join(folder, 'abi_version');
    const abi = existsSync(abiFile) ? Number(readFileSync(abiFile, 'utf8').trim()) || null : null;
    const pathFile = join(folder, 'path.txt');
    const binary = existsSync(pathFile) ? join(folder, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
    return { version, abi, binary: binary && existsSync(binary) ? binary : null };
  } catch {
    return null;
  }
}

/**
 * The runtime better-sqlite3 should be built for here: Electron where its binary is
 * present, else the Node running this script.
 */
export function expectedRuntime(electron = electronInstall(), node = currentRuntime()) {
  if (electron?.binary && electron.abi !== null) {
    return { name: 'electron', version: electron.version, abi: electron.abi, label: `Electron ${electron.version}` };
  }
  return node.name === 'node' ? node : { name: 'node', version: 'unknown', abi: null, label: 'Node' };
}

/** The installed module: better-sqlite3's build/Release/better_sqlite3.node. */
export function modulePath() {
  return join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');
}

/**
 * Checks the installed module against this runtime.
 * @param {{ file?: string, runtime?: ReturnType<typeof currentRuntime>, expected?: ReturnType<typeof expectedRuntime>, load?: (file: string) => void }} [options]
 *   `load` loads the module (throws as process.dlopen does); replaceable for tests.
 */
export function checkNativeModule(options = {}) {
  const runtime = options.runtime ?? currentRuntime();
  const file = options.file ?? modulePath();
  const load = options.load ?? ((path) => process.dlopen({ exports: {} }, path));
  const expected = options.expected ?? expectedRuntime(undefined, runtime);
  const report = { module: file, runtime, expected, builtFor: null, loads: false, builtForExpected: false, message: '' };
  if (!existsSync(file)) {
    report.message = `better-sqlite3 is not built (${file} is missing); run ${rebuildCommand(runtime)}`;
    return report;
  }
  const staticAbi = abiFromBinary(readFileSync(file));
  const builtFor = (abi) => ({ abi, runtimes: describeAbi(abi) });
  if (staticAbi !== null) report.builtFor = builtFor(staticAbi);
  try {
    load(file);
    report.loads = true;
    report.builtFor ??= builtFor(runtime.abi);
    report.message = `better-sqlite3 is built for NODE_MODULE_VERSION ${report.builtFor.abi} and loads in ${runtime.label}`;
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    const mismatch = parseAbiMismatch(text);
    if (mismatch) {
      report.builtFor = builtFor(mismatch.builtFor);
      report.message =
        `better-sqlite3 was built for NODE_MODULE_VERSION ${mismatch.builtFor} (${report.builtFor.runtimes}) ` +
        `but this runtime, ${runtime.label}, needs ${mismatch.needs}; run ${rebuildCommand(runtime)}`;
    } else {
      report.message = `better-sqlite3 does not load in ${runtime.label}: ${text.split('\n')[0]}; run ${rebuildCommand(runtime)}`;
    }
  }
  report.builtForExpected = report.builtFor !== null && report.builtFor.abi === expected.abi;
  return report;
}

/** The verdict for --expected: is the module built for the runtime this machine should use? */
export function expectedMessage(report) {
  const { builtFor, expected } = report;
  if (report.builtForExpected) return `better-sqlite3 is built for ${expected.label} (NODE_MODULE_VERSION ${expected.abi}), as it should be here`;
  const why = expected.name === 'electron' ? 'the Electron binary is installed' : 'there is no Electron binary';
  const built = builtFor ? `NODE_MODULE_VERSION ${builtFor.abi} (${builtFor.runtimes})` : 'nothing (it is not built)';
  return `better-sqlite3 is built for ${built}, but ${why}, so it should be built for ${expected.label} (NODE_MODULE_VERSION ${expected.abi}); run ${rebuildCommand(expected)}`;
}

/** --ensure (npm's postinstall): rebuild when the module is built for the wrong runtime. */
function ensure() {
  const report = checkNativeModule();
  if (report.builtForExpected) return 0;
  const plan = rebuildPlan(report.expected);
  console.log(`${expectedMessage(report)}\nrebuilding: ${rebuildCommand(report.expected)}`);
  const result = spawnSync(plan.command, plan.args, { stdio: 'inherit', env: { ...process.env, ...plan.env }, shell: process.platform === 'win32' });
  const after = checkNativeModule();
  if (result.status === 0 && after.builtForExpected) return 0;
  console.error(`the rebuild did not give a module for ${after.expected.label}: ${expectedMessage(after)}`);
  return 1;
}

/** --exec SCRIPT ARGS…: run a Node script on the runtime the module is built for. */
function exec(argv) {
  const expected = expectedRuntime();
  const run = runnerFor(expected, electronInstall()?.binary ?? null, argv);
  const result = spawnSync(run.command, run.args, { stdio: 'inherit', env: { ...process.env, ...run.env } });
  return result.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--exec');
  if (at >= 0) process.exit(exec(process.argv.slice(at + 1)));
  if (process.argv.includes('--ensure')) process.exit(ensure());
  const report = checkNativeModule();
  const byExpected = process.argv.includes('--expected');
  const ok = byExpected ? report.builtForExpected : report.loads;
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else (ok ? console.log : console.error)(byExpected ? expectedMessage(report) : report.message);
  process.exitCode = ok ? 0 : 1;
}
