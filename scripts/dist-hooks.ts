/**
 * electron-builder hooks for the installers (see electron-builder.config.ts and
 * docs/packaging.md):
 *
 * - beforeBuild strips npm's `nodedir` setting from the environment before electron-builder
 *   rebuilds better-sqlite3 for the packaged Electron. With it set (npm sets it to /usr on
 *   our machines, and `npm run` exports it as npm_config_nodedir), node-gyp builds against
 *   the installed Node's headers instead of Electron's and reports success.
 * - afterPack reads every native module in the packaged app and fails the build unless each
 *   is built for the packaged Electron: its ABI (NODE_MODULE_VERSION), its binary format
 *   and its CPU architecture, all read from the file's bytes. So a rebuild that silently
 *   used Node's headers, or a prebuilt binary for the wrong platform, never ships.
 *
 * Plain functions of the packaged folder, so test/packaging tests them without a build.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { abiFromBinary, describeAbi, electronInstall } from './native-runtime.mjs';

/** The environment keys that carry npm's `nodedir` setting (npm exports its config lowercased; users may set it in capitals). */
export function nodedirKeys(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env).filter((key) => key.toLowerCase() === 'npm_config_nodedir');
}

/** `env` without npm's `nodedir` setting. */
export function withoutNodedir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const key of nodedirKeys(copy)) delete copy[key];
  return copy;
}

/**
 * electron-builder's beforeBuild hook: removes `nodedir` from this process's environment,
 * which the rebuild (@electron/rebuild, forked by electron-builder) and its node-gyp
 * inherit. Returns true: electron-builder should go on and rebuild.
 */
export async function beforeBuild(): Promise<boolean> {
  const removed = nodedirKeys(process.env);
  for (const key of removed) delete process.env[key];
  if (removed.length > 0) console.log(`  • removed ${removed.join(', ')} from the rebuild's environment, so node-gyp uses Electron's headers`);
  return true;
}

/** A native binary's container format and the CPU architectures it holds (several for a macOS universal binary). */
export interface BinaryInfo {
  format: 'elf' | 'mach-o' | 'pe';
  arches: string[];
}

const ELF_MACHINES: Record<number, string> = { 0x03: 'ia32', 0x28: 'armv7l', 0x3e: 'x64', 0xb7: 'arm64' };
const MACHO_CPUS: Record<number, string> = { 0x7: 'ia32', 0xc: 'armv7l', 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, string> = { 0x014c: 'ia32', 0x01c4: 'armv7l', 0x8664: 'x64', 0xaa64: 'arm64' };

/**
 * The format and architectures of a shared library, from its header: ELF's e_machine,
 * Mach-O's cputype (each slice of a universal "fat" file), PE's COFF Machine field. Null
 * if it is none of these. Architectures use Node's names (x64, arm64, ia32, armv7l).
 */
export function binaryInfo(bytes: Uint8Array): BinaryInfo | null {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const name = (table: Record<number, string>, code: number) => table[code] ?? `unknown (0x${code.toString(16)})`;
  if (buffer.length >= 20 && buffer.readUInt32BE(0) === 0x7f454c46) {
    const littleEndian = buffer[5] !== 2;
    const machine = littleEndian ? buffer.readUInt16LE(18) : buffer.readUInt16BE(18);
    return { format: 'elf', arches: [name(ELF_MACHINES, machine)] };
  }
  if (buffer.length >= 8) {
    const magic = buffer.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) return { format: 'mach-o', arches: [name(MACHO_CPUS, buffer.readInt32LE(4))] };
    if (buffer.readUInt32BE(0) === 0xcafebabe) {
      const count = buffer.readUInt32BE(4);
      if (count > 0 && count < 16 && buffer.length >= 8 + count * 20) {
        const arches = Array.from({ length: count }, (_, i) => name(MACHO_CPUS, buffer.readInt32BE(8 + i * 20)));
        return { format: 'mach-o', arches };
      }
    }
  }
  if (buffer.length >= 0x40 && buffer.toString('latin1', 0, 2) === 'MZ') {
    const pe = buffer.readUInt32LE(0x3c);
    if (pe + 6 <= buffer.length && buffer.toString('latin1', pe, pe + 4) === 'PE\0\0') {
      return { format: 'pe', arches: [name(PE_MACHINES, buffer.readUInt16LE(pe + 4))] };
    }
  }
  return null;
}

/** The binary format each platform loads (electron-builder's platform names). */
export const PLATFORM_FORMATS: Record<string, BinaryInfo['format']> = { linux: 'elf', darwin: 'mach-o', mas: 'mach-o', win32: 'pe' };

/**
 * The ABI (NODE_MODULE_VERSION) of an Electron version: the electron package's own
 * abi_version file when that package is this version, else node-abi's table as
 * electron-builder's rebuild (@electron/rebuild) uses it. Throws if neither knows it.
 */
export function electronAbi(version: string): number {
  const installed = electronInstall();
  if (installed && installed.version === version && installed.abi !== null) return installed.abi;
  try {
    const require = createRequire(import.meta.url);
    const rebuild = createRequire(require.resolve('app-builder-lib/package.json')).resolve('@electron/rebuild');
    const abi = Number(createRequire(rebuild)('node-abi').getAbi(version, 'electron'));
    if (Number.isInteger(abi) && abi > 0) return abi;
  } catch {
    // Below.
  }
  throw new Error(`cannot tell the ABI (NODE_MODULE_VERSION) of Electron ${version}: neither the electron package nor node-abi knows it`);
}

/** One native module of a packaged app, as read from its bytes. */
export interface NativeModuleReport {
  /** Path relative to the unpacked folder (app.asar.unpacked), with forward slashes. */
  file: string;
  /** The NODE_MODULE_VERSION it was built for; null for a Node-API module (or no Node module at all). */
  abi: number | null;
  /** True if it registers through Node-API, whose binaries load in every runtime. */
  nodeApi: boolean;
  binary: BinaryInfo | null;
  /** What is wrong with it; empty if it loads in the packaged Electron. */
  problems: string[];
}

/** Every `.node` file under `dir`, relative to it. */
function nodeFiles(dir: string, prefix = ''): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry);
    const rel = prefix ? `${prefix}/${entry}` : entry;
    if (statSync(full).isDirectory()) found.push(...nodeFiles(full, rel));
    else if (entry.endsWith('.node')) found.push(rel);
  }
  return found;
}

/** The native modules the app cannot start without, relative to app.asar.unpacked. */
export const REQUIRED_NATIVE_MODULES = ['node_modules/better-sqlite3/build/Release/better_sqlite3.node'];

export interface PackagedCheck {
  electronVersion: string;
  electronAbi: number;
  modules: NativeModuleReport[];
  /** Every problem, each naming its file; empty if the package is good. */
  problems: string[];
}

/**
 * Checks the native modules of a packaged app against the Electron it ships: each
 * `.node` file under `resourcesDir`/app.asar.unpacked must be a Node-API module or built
 * for `electronAbi`, in `platform`'s binary format, for `arch`; and better-sqlite3's must
 * be there.
 */
export function checkPackagedNativeModules(options: {
  resourcesDir: string;
  platform: string;
  arch: string;
  electronVersion: string;
  electronAbi?: number;
}): PackagedCheck {
  const { resourcesDir, platform, arch, electronVersion } = options;
  const abi = options.electronAbi ?? electronAbi(electronVersion);
  const unpacked = path.join(resourcesDir, 'app.asar.unpacked');
  const format = PLATFORM_FORMATS[platform];
  const wantedArches = arch === 'universal' ? ['x64', 'arm64'] : [arch];
  const problems: string[] = [];
  const modules = nodeFiles(unpacked).map((file): NativeModuleReport => {
    const bytes = readFileSync(path.join(unpacked, file));
    const moduleAbi = abiFromBinary(bytes);
    const nodeApi = moduleAbi === null && bytes.includes('napi_register_module_v1');
    const binary = binaryInfo(bytes);
    const own: string[] = [];
    if (moduleAbi !== null && moduleAbi !== abi) {
      own.push(
        `built for NODE_MODULE_VERSION ${moduleAbi} (${describeAbi(moduleAbi)}), but the packaged Electron ${electronVersion} needs ${abi}; ` +
          'was it rebuilt against Node\'s headers (npm\'s nodedir setting), or not rebuilt at all?',
      );
    }
    if (moduleAbi === null && !nodeApi) own.push('registers no Node module (neither node_register_module_v<ABI> nor napi_register_module_v1)');
    if (binary === null) own.push('is not an ELF, Mach-O or PE shared library');
    else {
      if (format && binary.format !== format) own.push(`is a ${binary.format} file, but ${platform} loads ${format}`);
      const missing = wantedArches.filter((a) => !binary.arches.includes(a));
      if (missing.length > 0) own.push(`is built for ${binary.arches.join(' and ')}, not ${missing.join(' and ')}`);
    }
    problems.push(...own.map((problem) => `${file} ${problem}`));
    return { file, abi: moduleAbi, nodeApi, binary, problems: own };
  });
  for (const required of REQUIRED_NATIVE_MODULES) {
    if (!modules.some((m) => m.file === required)) problems.push(`${required} is missing from ${unpacked}: the run store cannot open without it`);
  }
  return { electronVersion, electronAbi: abi, modules, problems };
}

/** The parts of electron-builder's AfterPackContext the check uses. */
export interface AfterPackLike {
  appOutDir: string;
  electronPlatformName: string;
  arch: number;
  packager: { getResourcesDir(appOutDir: string): string; info: { framework: { version: string } } };
}

/** Node's name for electron-builder's Arch enum (ia32 = 0 … universal = 4). */
export const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** electron-builder's afterPack hook: throws, listing every problem, unless the native modules fit the packaged Electron. */
export async function afterPack(context: AfterPackLike): Promise<void> {
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const result = checkPackagedNativeModules({
    resourcesDir: context.packager.getResourcesDir(context.appOutDir),
    platform: context.electronPlatformName,
    arch,
    electronVersion: context.packager.info.framework.version,
  });
  if (result.problems.length > 0) {
    throw new Error(
      `the packaged app's native modules do not fit Electron ${result.electronVersion} (NODE_MODULE_VERSION ${result.electronAbi}, ${context.electronPlatformName} ${arch}):\n` +
        result.problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  for (const m of result.modules) {
    const how = m.abi !== null ? `NODE_MODULE_VERSION ${m.abi}` : 'Node-API';
    console.log(`  • ${m.file}: ${how}, ${m.binary?.format} ${m.binary?.arches.join('+')}, fits Electron ${result.electronVersion}`);
  }
}
