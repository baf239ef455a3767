/**
 * scripts/dist-hooks.ts: keeping npm's nodedir out of electron-builder's rebuild, and the
 * afterPack check that refuses a packaged native module not built for the packaged
 * Electron. The binaries here are written byte by byte from the ELF, Mach-O and PE
 * specifications, and the real better-sqlite3 build is read as it is on disk.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import config from '../../electron-builder.config';
import {
  REQUIRED_NATIVE_MODULES,
  afterPack,
  beforeBuild,
  binaryInfo,
  checkPackagedNativeModules,
  electronAbi,
  nodedirKeys,
  withoutNodedir,
} from '../../scripts/dist-hooks';
import { modulePath } from '../../scripts/native-runtime.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const electronPackage = JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string };

/** An ELF shared object's first 64 bytes: e_machine at offset 18 (0x3e x86-64, 0xb7 AArch64). */
function elf(machine: number, symbol = ''): Buffer {
  const header = Buffer.alloc(64);
  header.write('\x7fELF', 0, 'latin1');
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1; // version
  header.writeUInt16LE(3, 16); // ET_DYN
  header.writeUInt16LE(machine, 18);
  return Buffer.concat([header, Buffer.from(`\0${symbol}\0`, 'latin1')]);
}

/** A 64-bit Mach-O header: magic 0xfeedfacf little-endian, then cputype. */
function machO(cpu: number, symbol = ''): Buffer {
  const header = Buffer.alloc(32);
  header.writeUInt32LE(0xfeedfacf, 0);
  header.writeInt32LE(cpu, 4);
  return Buffer.concat([header, Buffer.from(`\0_${symbol}\0`, 'latin1')]);
}

/** A universal ("fat") Mach-O: big-endian 0xcafebabe, the count, then 20-byte entries starting with cputype. */
function fat(cpus: number[], symbol = ''): Buffer {
  const header = Buffer.alloc(8 + 20 * cpus.length);
  header.writeUInt32BE(0xcafebabe, 0);
  header.writeUInt32BE(cpus.length, 4);
  cpus.forEach((cpu, i) => header.writeInt32BE(cpu, 8 + 20 * i));
  return Buffer.concat([header, Buffer.from(`\0_${symbol}\0`, 'latin1')]);
}

/** A PE/COFF DLL: "MZ", e_lfanew at 0x3c, then "PE\0\0" and the Machine field. */
function pe(machine: number, symbol = ''): Buffer {
  const header = Buffer.alloc(0x80);
  header.write('MZ', 0, 'latin1');
  header.writeUInt32LE(0x40, 0x3c);
  header.write('PE\0\0', 0x40, 'latin1');
  header.writeUInt16LE(machine, 0x44);
  return Buffer.concat([header, Buffer.from(`\0${symbol}\0`, 'latin1')]);
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A packaged app's resources folder holding `files` (path under app.asar.unpacked → bytes). */
function resources(files: Record<string, Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layerlab-native-'));
  temps.push(dir);
  for (const [file, bytes] of Object.entries(files)) {
    const full = path.join(dir, 'app.asar.unpacked', file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, bytes);
  }
  return dir;
}

const SQLITE = REQUIRED_NATIVE_MODULES[0];

describe('reading a native binary', () => {
  it('tells the format and architecture from the header', () => {
    expect(binaryInfo(elf(0x3e))).toEqual({ format: 'elf', arches: ['x64'] });
    expect(binaryInfo(elf(0xb7))).toEqual({ format: 'elf', arches: ['arm64'] });
    expect(binaryInfo(machO(0x0100000c))).toEqual({ format: 'mach-o', arches: ['arm64'] });
    expect(binaryInfo(fat([0x01000007, 0x0100000c]))).toEqual({ format: 'mach-o', arches: ['x64', 'arm64'] });
    expect(binaryInfo(pe(0x8664))).toEqual({ format: 'pe', arches: ['x64'] });
    expect(binaryInfo(pe(0xaa64))).toEqual({ format: 'pe', arches: ['arm64'] });
    expect(binaryInfo(elf(0x99))?.arches).toEqual(['unknown (0x99)']);
    expect(binaryInfo(Buffer.from('#!/bin/sh\necho not a library\n'))).toBeNull();
    expect(binaryInfo(Buffer.alloc(0))).toBeNull();
  });

  it('reads the installed better-sqlite3 build as a library for this machine', () => {
    const format = { linux: 'elf', darwin: 'mach-o', win32: 'pe' }[process.platform as string];
    expect(binaryInfo(readFileSync(modulePath()))).toEqual({ format, arches: [process.arch] });
  });
});

describe('the packaged native modules check', () => {
  const linux = { platform: 'linux', arch: 'x64', electronVersion: '41.7.1', electronAbi: 145 };

  it('passes a module built for the packaged Electron, and a Node-API module', () => {
    const dir = resources({
      [SQLITE]: elf(0x3e, 'node_register_module_v145'),
      'node_modules/other/bin/addon.node': elf(0x3e, 'napi_register_module_v1'),
    });
    const result = checkPackagedNativeModules({ resourcesDir: dir, ...linux });
    expect(result.problems).toEqual([]);
    expect(result.modules.map((m) => [m.file, m.abi, m.nodeApi])).toEqual([
      [SQLITE, 145, false],
      ['node_modules/other/bin/addon.node', null, true],
    ]);
  });

  it('refuses a module built against Node\'s headers, naming both ABIs', () => {
    const dir = resources({ [SQLITE]: elf(0x3e, 'node_register_module_v115') });
    const { problems } = checkPackagedNativeModules({ resourcesDir: dir, ...linux });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${SQLITE} built for NODE_MODULE_VERSION 115 (Node 20)`);
    expect(problems[0]).toContain('Electron 41.7.1 needs 145');
    expect(problems[0]).toContain('nodedir');
  });

  it('refuses the wrong format or architecture, and a missing better-sqlite3', () => {
    const abi = 'node_register_module_v145';
    const wrongArch = checkPackagedNativeModules({ resourcesDir: resources({ [SQLITE]: elf(0xb7, abi) }), ...linux }).problems;
    expect(wrongArch).toEqual([`${SQLITE} is built for arm64, not x64`]);
    const wrongFormat = checkPackagedNativeModules({ resourcesDir: resources({ [SQLITE]: pe(0x8664, abi) }), ...linux }).problems;
    expect(wrongFormat).toEqual([`${SQLITE} is a pe file, but linux loads elf`]);
    const universal = { ...linux, platform: 'darwin', arch: 'universal' };
    expect(checkPackagedNativeModules({ resourcesDir: resources({ [SQLITE]: fat([0x01000007, 0x0100000c], abi) }), ...universal }).problems).toEqual([]);
    expect(checkPackagedNativeModules({ resourcesDir: resources({ [SQLITE]: machO(0x01000007, abi) }), ...universal }).problems).toEqual([
      `${SQLITE} is built for x64, not arm64`,
    ]);
    const missing = checkPackagedNativeModules({ resourcesDir: resources({}), ...linux }).problems;
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/better_sqlite3\.node is missing/);
  });

  it('fails electron-builder\'s afterPack with every problem, and passes a good package', async () => {
    const context = (dir: string) => ({
      appOutDir: dir,
      electronPlatformName: 'linux',
      arch: 1, // electron-builder's Arch.x64
      packager: { getResourcesDir: (out: string) => out, info: { framework: { version: electronPackage.version } } },
    });
    const abi = electronAbi(electronPackage.version);
    const good = resources({ [SQLITE]: elf(0x3e, `node_register_module_v${abi}`) });
    if (process.arch === 'x64') await expect(afterPack(context(good))).resolves.toBeUndefined();
    const bad = resources({ [SQLITE]: elf(0x3e, 'node_register_module_v115'), 'node_modules/x/x.node': Buffer.from('junk') });
    const error = await afterPack(context(bad)).then(
      () => null,
      (e: Error) => e.message,
    );
    expect(error).toMatch(new RegExp(`do not fit Electron ${electronPackage.version.replace(/\./g, '\\.')} \\(NODE_MODULE_VERSION ${abi}, linux x64\\)`));
    expect(error).toContain('NODE_MODULE_VERSION 115');
    expect(error).toContain('node_modules/x/x.node registers no Node module');
    expect(error).toContain('node_modules/x/x.node is not an ELF, Mach-O or PE shared library');
  });

  it('knows the installed Electron\'s ABI, as the electron package and node-abi state it', () => {
    // Electron 41 is NODE_MODULE_VERSION 145 (node-abi's registry; the electron package's abi_version file).
    expect(electronPackage.version.split('.')[0]).toBe('41');
    expect(electronAbi(electronPackage.version)).toBe(145);
    expect(electronAbi('41.0.0')).toBe(145);
    expect(() => electronAbi('999.0.0')).toThrow(/cannot tell the ABI .* Electron 999\.0\.0/);
  });
});

describe('npm\'s nodedir and the rebuild', () => {
  it('finds the setting under any case, and leaves the rest of the environment alone', () => {
    const env = { PATH: '/usr/bin', npm_config_nodedir: '/usr', NPM_CONFIG_NODEDIR: '/opt/node', npm_config_target: '41.7.1' };
    expect(nodedirKeys(env).sort()).toEqual(['NPM_CONFIG_NODEDIR', 'npm_config_nodedir']);
    expect(withoutNodedir(env)).toEqual({ PATH: '/usr/bin', npm_config_target: '41.7.1' });
    expect(env.npm_config_nodedir).toBe('/usr');
  });

  it('beforeBuild strips it from the process environment the rebuild inherits, and lets the rebuild go on', async () => {
    const saved = process.env.npm_config_nodedir;
    process.env.npm_config_nodedir = '/usr';
    try {
      await expect(beforeBuild()).resolves.toBe(true);
      expect('npm_config_nodedir' in process.env).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.npm_config_nodedir;
      else process.env.npm_config_nodedir = saved;
    }
  });

  it('is wired into the configuration: rebuild on, nodedir stripped before it, the check after packing', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.beforeBuild).toBe(beforeBuild);
    expect(config.afterPack).toBe(afterPack);
  });
});
