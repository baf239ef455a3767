/**
 * The packaged app, built offline: electron-vite builds the app into a temporary folder,
 * and electron-builder packs it with the project's configuration (electron-builder.config.ts)
 * into an unpacked Linux app, using a stand-in for the Electron binary (`electronDist`),
 * which cannot be downloaded here, and without rebuilding native modules (`npmRebuild:
 * false`), which needs Electron's headers from the internet. The AppImage and deb targets
 * run up to the point where they would call their tools (mksquashfs and fpm, downloaded
 * from GitHub): electron-builder's `effectiveOptionComputed` hook hands over the desktop
 * entry, the MIME types and fpm's arguments, and stops there. No installer is made.
 * Then the result is read as Electron would read it:
 *
 * - app.asar holds the built main, preload and renderer and package.json pointing at the main
 *   bundle, and nothing else of ours: no sources, tests or dev dependencies;
 * - every package the bundles import is in it, and loads from the extracted app;
 * - better-sqlite3's binary is where its `bindings` lookup, started from inside app.asar,
 *   ends up: a path Electron serves from app.asar.unpacked; the afterPack check reads its ABI;
 * - there is no .wasm file to unpack: h5wasm embeds its WebAssembly in its JavaScript, and
 *   so does the training core (src-core/wasm/kernels-binary.ts), whose kernels the training
 *   bundles must contain;
 * - the sizes are reported.
 *
 * Linux only: a stand-in for Electron.app (macOS) would need its whole bundle layout.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { extractAll, extractFile, listPackage, statFile } from '@electron/asar';
import { Arch, Platform, build } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_NAME, FILE_TYPES, PLACEHOLDER_HOMEPAGE, layerlabBuilderConfig } from '../../electron-builder.config';
import { fileFromArgv } from '../../src-main/electron/open-file';
import { afterPack, checkPackagedNativeModules, electronAbi } from '../../scripts/dist-hooks';
import { abiFromBinary, modulePath } from '../../scripts/native-runtime.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const arch = process.arch === 'arm64' ? Arch.arm64 : Arch.x64;

let work = '';
let buildDir = '';
let appOutDir = '';
let resourcesDir = '';
let asarPath = '';
/** Every path in app.asar, without the leading slash. */
let entries = new Set<string>();
const seconds: Record<string, number> = {};
/** What the deb target would pass to fpm, and the files it names. */
let deb: { args: string[]; desktop: string; mime: string } | null = null;
/** The AppImage's desktop entry. */
let appImage: { desktop: string; desktopFileName: string } | null = null;

/** A folder shaped like an unpacked Electron for Linux: the `electron` executable and resources/. */
function standInElectron(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\necho "stand-in for the Electron binary, which cannot be downloaded here" >&2\nexit 1\n');
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'LICENSE'), 'stand-in for Electron\'s license file\n');
}

function timed<T>(name: string, start: number, value: T): T {
  seconds[name] = (Date.now() - start) / 1000;
  return value;
}

/** The [Desktop Entry] group of a .desktop file as key → value. */
function desktopEntry(text: string): Record<string, string> {
  const lines = text.split('\n');
  expect(lines[0]).toBe('[Desktop Entry]');
  const entry: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (line.startsWith('[')) break;
    const at = line.indexOf('=');
    if (at > 0) entry[line.slice(0, at)] = line.slice(at + 1);
  }
  return entry;
}

/** Every file under `dir`, relative, with forward slashes. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(full).isDirectory() ? walk(full, rel) : [rel];
  });
}

function sizeOf(dir: string): number {
  return walk(dir).reduce((sum, file) => sum + statSync(path.join(dir, file)).size, 0);
}

/** The package names in a node_modules path: "node_modules/a/node_modules/@b/c/x.js" → ["a", "@b/c"]. */
function packagesIn(file: string): string[] {
  const parts = file.split('/');
  const names: string[] = [];
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i] !== 'node_modules' || !parts[i + 1]) continue;
    names.push(parts[i + 1].startsWith('@') && parts[i + 2] ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]);
  }
  return names;
}

/** The production dependencies and everything they depend on, found the way Node resolves them. */
function productionClosure(): Set<string> {
  const seen = new Set<string>();
  const queue: [string, string][] = Object.keys(pkg.dependencies).map((name) => [name, root]);
  while (queue.length > 0) {
    const [name, from] = queue.shift()!;
    let dir = from;
    let found: string | null = null;
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) {
        found = candidate;
        break;
      }
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    if (!found || seen.has(`${name}@${found}`)) continue;
    seen.add(`${name}@${found}`);
    const meta = JSON.parse(readFileSync(found, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) queue.push([dep, path.dirname(found)]);
  }
  return new Set([...seen].map((key) => key.slice(0, key.lastIndexOf('@'))));
}

/** Bare module specifiers a bundle imports (static, dynamic, require), without Node's built-ins and electron. */
function externalImports(code: string): string[] {
  const specs = new Set<string>();
  const patterns = [
    /^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const [, spec] of code.matchAll(pattern)) {
      if (!/^(@[\w.-]+\/)?[\w.-]+(\/[\w./-]+)?$/.test(spec) || spec.startsWith('.')) continue;
      if (spec.startsWith('node:') || spec === 'electron' || builtinModules.includes(spec.split('/')[0])) continue;
      specs.add(spec);
    }
  }
  return [...specs];
}

/** The text of a bundle in app.asar and of every chunk it imports, transitively. */
function bundleGraph(entry: string): Map<string, string> {
  const texts = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (texts.has(file)) continue;
    const text = extractFile(asarPath, file).toString('utf8');
    texts.set(file, text);
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
      queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1])));
    }
  }
  return texts;
}

const mainBundles = ['out/main/index.js', 'out/main/train-worker.js', 'out/main/trial-process.js'];

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'layerlab-package-'));
  buildDir = path.join(work, 'out');
  let start = Date.now();
  const vite = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', buildDir, '--logLevel', 'warn'], {
    cwd: root,
    encoding: 'utf8',
  });
  timed('electron-vite build', start, null);
  if (vite.status !== 0) throw new Error(`electron-vite build failed:\n${vite.stdout}\n${vite.stderr}`);

  const electronDist = path.join(work, 'electron-dist');
  standInElectron(electronDist);
  const base = layerlabBuilderConfig({ buildDir });
  start = Date.now();
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget(['AppImage', 'deb'], arch),
    publish: 'never',
    // What the targets would hand to their tools; true = stop before running them.
    effectiveOptionComputed: async (options: unknown) => {
      if (Array.isArray(options)) {
        const [args, desktopFile] = options as [string[], string];
        const mimeArg = args.find((a) => a.includes('=/usr/share/mime/packages/'));
        deb = { args, desktop: readFileSync(desktopFile, 'utf8'), mime: mimeArg ? readFileSync(mimeArg.split('=')[0], 'utf8') : '' };
      } else {
        appImage = options as { desktop: string; desktopFileName: string };
      }
      return true;
    },
    config: {
      ...base,
      electronDist,
      npmRebuild: false,
      // The check runs below, on the result, so that the build's output stays to be read.
      afterPack: null,
      directories: { ...base.directories, output: path.join(work, 'dist') },
    },
  });
  timed('electron-builder (AppImage and deb up to their tools)', start, null);
  appOutDir = path.join(work, 'dist', arch === Arch.arm64 ? 'linux-arm64-unpacked' : 'linux-unpacked');
  resourcesDir = path.join(appOutDir, 'resources');
  asarPath = path.join(resourcesDir, 'app.asar');
  entries = new Set(listPackage(asarPath, { isPack: false }).map((p) => p.replace(/^[/\\]/, '').split(path.sep).join('/')));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged app (electron-builder for Linux, offline)', () => {
  it('is laid out as an Electron app for Linux, under the configured executable name', () => {
    const config = layerlabBuilderConfig();
    expect(statSync(path.join(appOutDir, config.linux!.executableName!)).mode & 0o111).not.toBe(0);
    expect(existsSync(asarPath)).toBe(true);
    expect(existsSync(path.join(resourcesDir, 'app.asar.unpacked'))).toBe(true);
  });

  it('holds the built main, preload and renderer, unchanged, and a package.json that starts the main bundle', () => {
    const built = walk(buildDir).filter((file) => !file.endsWith('.map'));
    for (const required of [...mainBundles, 'preload/index.cjs', 'renderer/index.html'].map((f) => f.replace(/^out\//, ''))) {
      expect(built).toContain(required);
    }
    for (const file of built) {
      expect(entries, `out/${file} is missing from app.asar`).toContain(`out/${file}`);
      expect(extractFile(asarPath, `out/${file}`).equals(readFileSync(path.join(buildDir, file))), `out/${file} differs`).toBe(true);
    }
    const ours = [...entries].filter((e) => e.startsWith('out/') && !('files' in statFile(asarPath, e)));
    expect(ours.sort()).toEqual(built.map((f) => `out/${f}`).sort());
    const meta = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8')) as { main: string; devDependencies?: unknown; type: string };
    expect(meta.main).toBe('out/main/index.js');
    expect(meta.type).toBe('module');
    expect(meta.devDependencies).toBeUndefined();
  });

  it('holds no sources, tests, source maps or dev dependencies', () => {
    const topLevel = new Set([...entries].map((e) => e.split('/')[0]));
    expect([...topLevel].sort()).toEqual(['node_modules', 'out', 'package.json']);
    const ourFiles = [...entries].filter((e) => !e.startsWith('node_modules/'));
    expect(ourFiles.filter((e) => /\.(ts|svelte|map)$/.test(e) || /(^|\/)(src-\w+|test|bench|scripts|docs)\//.test(e))).toEqual([]);
    const packaged = new Set([...entries].flatMap(packagesIn));
    const production = productionClosure();
    expect([...packaged].filter((name) => !production.has(name))).toEqual([]);
    for (const dev of ['electron', 'electron-builder', 'electron-vite', 'vite', 'vitest', 'typescript', 'svelte', 'onnxruntime-node', '@playwright/test']) {
      expect(Object.keys(pkg.devDependencies)).toContain(dev);
      expect(packaged.has(dev), `${dev} is packaged`).toBe(false);
    }
    // The CLI's TypeScript runner is a production dependency, but the app runs bundles.
    for (const trimmed of ['tsx', 'esbuild']) expect(packaged.has(trimmed), `${trimmed} is packaged`).toBe(false);
    expect([...entries].filter((e) => e.startsWith('node_modules/better-sqlite3/') && /\/(deps|src)\//.test(e))).toEqual([]);
  });

  it('holds every package the bundles import, at the file Node resolves, and each loads from the extracted app', () => {
    const specs = new Set<string>();
    for (const entry of [...mainBundles, 'out/preload/index.cjs']) {
      for (const text of bundleGraph(entry).values()) for (const spec of externalImports(text)) specs.add(spec);
    }
    // What the main process needs today; onnxruntime-node (ONNX prediction) is CLI-only.
    expect([...specs]).toEqual(expect.arrayContaining(['better-sqlite3', 'zod', 'h5wasm']));
    expect([...specs].filter((s) => s.startsWith('onnxruntime'))).toEqual([]);
    const list = [...specs].sort();
    console.log(`the bundles import: ${list.join(', ')}`);
    // Resolve with ESM conditions (the main bundles are ES modules), in this project.
    const resolved = spawnSync(process.execPath, ['--input-type=module', '-e', `console.log(JSON.stringify(${JSON.stringify(list)}.map((s) => import.meta.resolve(s))))`], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(resolved.status, resolved.stderr).toBe(0);
    const files = (JSON.parse(resolved.stdout) as string[]).map((url) => path.relative(root, new URL(url).pathname).split(path.sep).join('/'));
    for (const [i, file] of files.entries()) expect(entries, `${list[i]} resolves to ${file}, which is not packaged`).toContain(file);

    // Load each one from an extracted copy of the app (unpacked files included), as the main process would.
    const extracted = path.join(work, 'extracted');
    extractAll(asarPath, extracted);
    const packagedAbi = abiFromBinary(readFileSync(path.join(extracted, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
    const script = `
      const loaded = {};
      for (const spec of ${JSON.stringify(list)}) {
        const mod = await import(spec);
        if (spec === 'h5wasm') await mod.ready;
        loaded[spec] = Object.keys(mod).length;
      }
      const Database = (await import('better-sqlite3')).default;
      if (${packagedAbi} === Number(process.versions.modules)) {
        loaded.sqlite = new Database(':memory:').prepare('select sqlite_version() as v').get().v;
      }
      console.log(JSON.stringify(loaded));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: extracted, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const loaded = JSON.parse(run.stdout) as Record<string, number | string>;
    for (const spec of list) expect(loaded[spec], spec).toBeGreaterThan(0);
    // The SQLite check runs where the packaged binary is built for this runtime (Node here, without Electron).
    if (packagedAbi === Number(process.versions.modules)) expect(loaded.sqlite).toMatch(/^3\.\d+\.\d+$/);
  });

  it('puts better-sqlite3\'s binary where its bindings lookup from inside app.asar leads, unpacked', () => {
    // The lookup better-sqlite3 makes: require('bindings')('better_sqlite3.node'), called from lib/database.js.
    const caller = 'node_modules/better-sqlite3/lib/database.js';
    expect(entries).toContain(caller);
    expect(extractFile(asarPath, caller).toString('utf8')).toContain("require('bindings')('better_sqlite3.node')");
    // bindings' module root: the nearest folder up from the caller with a package.json.
    let moduleRoot = path.posix.dirname(caller);
    while (!entries.has(`${moduleRoot}/package.json`)) moduleRoot = path.posix.dirname(moduleRoot);
    expect(moduleRoot).toBe('node_modules/better-sqlite3');
    // The candidates bindings tries, in order: asked of the installed bindings itself, which
    // lists them in its error when none exists.
    const bindings = createRequire(require.resolve('better-sqlite3/package.json'))('bindings') as (o: object) => unknown;
    const fakeRoot = path.join(work, 'no-such-module');
    let tries: string[] = [];
    try {
      bindings({ bindings: 'better_sqlite3.node', module_root: fakeRoot });
    } catch (error) {
      tries = (error as { tries: string[] }).tries;
    }
    expect(tries.length).toBeGreaterThan(3);
    const candidates = tries.map((t) => `${moduleRoot}/${path.relative(fakeRoot, t).split(path.sep).join('/')}`);
    const found = candidates.find((c) => entries.has(c));
    expect(found).toBe('node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    // Electron opens an entry marked unpacked from app.asar.unpacked, at the same relative path.
    expect(statFile(asarPath, found!)).toMatchObject({ unpacked: true });
    const onDisk = path.join(resourcesDir, 'app.asar.unpacked', found!);
    expect(readFileSync(onDisk).equals(readFileSync(modulePath()))).toBe(true);
    // Every native module in the app is unpacked, none left inside the archive.
    const natives = [...entries].filter((e) => e.endsWith('.node'));
    expect(natives.filter((e) => !(statFile(asarPath, e) as { unpacked?: boolean }).unpacked)).toEqual([]);
  });

  it('afterPack reads the packaged binary\'s ABI: it passes an Electron build and refuses anything else', async () => {
    const abi = electronAbi(electronVersion);
    const packagedAbi = abiFromBinary(readFileSync(path.join(resourcesDir, 'app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node')));
    // Without the rebuild, the package has the build in node_modules: Node's here, Electron's where its binary is installed.
    expect(packagedAbi).toBe(abiFromBinary(readFileSync(modulePath())));
    const result = checkPackagedNativeModules({ resourcesDir, platform: 'linux', arch: Arch[arch], electronVersion });
    expect(result.modules.map((m) => m.file)).toEqual(['node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
    const context = {
      appOutDir,
      electronPlatformName: 'linux',
      arch,
      packager: { getResourcesDir: (dir: string) => path.join(dir, 'resources'), info: { framework: { version: electronVersion } } },
    };
    if (packagedAbi === abi) {
      expect(result.problems).toEqual([]);
      await expect(afterPack(context)).resolves.toBeUndefined();
    } else {
      expect(result.problems).toHaveLength(1);
      await expect(afterPack(context)).rejects.toThrow(`built for NODE_MODULE_VERSION ${packagedAbi}`);
      await expect(afterPack(context)).rejects.toThrow(`needs ${abi}`);
    }
  });

  it('has no .wasm file to unpack: h5wasm and the training core embed their WebAssembly in JavaScript', () => {
    const wasm = [...entries].filter((e) => e.endsWith('.wasm'));
    expect(wasm.filter((e) => !(statFile(asarPath, e) as { unpacked?: boolean }).unpacked)).toEqual([]);
    expect(wasm).toEqual([]);
    // h5wasm's module carries the binary itself: the WebAssembly magic number and version.
    const util = extractFile(asarPath, 'node_modules/h5wasm/dist/esm/hdf5_util.js');
    expect(util.includes(Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]))).toBe(true);
  });

  // The core's kernels (base64 in src-core/wasm/kernels-binary.ts) reach the bundles once
  // the core imports them; until then there is nothing to find.
  const kernelsSource = readFileSync(path.join(root, 'src-core/wasm/kernels-binary.ts'), 'utf8');
  const kernelsUsed = walk(path.join(root, 'src-core'))
    .filter((f) => f.endsWith('.ts') && !f.startsWith('wasm/'))
    .some((f) => /from\s+['"](?:\.\.?\/)+wasm\/(engine|kernels-binary)/.test(readFileSync(path.join(root, 'src-core', f), 'utf8')));
  it.runIf(kernelsUsed)('carries the training core\'s WebAssembly kernels inside the training bundles', () => {
    const blobs = [...kernelsSource.matchAll(/'([A-Za-z0-9+/=]{16,})'/g)].map((m) => m[1]);
    expect(blobs.length).toBeGreaterThanOrEqual(2);
    for (const entry of ['out/main/train-worker.js', 'out/main/trial-process.js']) {
      const text = [...bundleGraph(entry).values()].join('\n');
      for (const blob of blobs) expect(text.includes(blob), `${entry} lacks a kernel module`).toBe(true);
    }
  });

  it('makes the deb: the app in /opt, the icon at every size, the file types, a launcher that passes files', () => {
    expect(deb).not.toBeNull();
    const { args, desktop, mime } = deb!;
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect(option('--name')).toBe('layerlab');
    expect(option('--maintainer')).toBe('Layerlab contributors');
    expect(option('--url')).toBe(PLACEHOLDER_HOMEPAGE);
    expect(args).toContain(`${appOutDir}/=/opt/Layerlab`);
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      expect(args).toContain(`${path.join(root, 'resources/icons', `${size}x${size}.png`)}=/usr/share/icons/hicolor/${size}x${size}/apps/layerlab-workbench.png`);
    }
    expect(args.some((a) => a.endsWith(`=/usr/share/applications/${DESKTOP_NAME}`))).toBe(true);
    expect(args.some((a) => a.endsWith('=/usr/share/mime/packages/layerlab-workbench.xml'))).toBe(true);
    // shared-mime-info: one glob per file type, so file managers know .llrun and .llsweep files.
    for (const type of FILE_TYPES) expect(mime).toContain(`<mime-type type="${type.mimeType}">\n  <glob pattern="*.${type.ext}"/>`);
    const entry = desktopEntry(desktop);
    expect(entry).toMatchObject({
      Name: 'Layerlab',
      Exec: '/opt/Layerlab/layerlab-workbench %U',
      Icon: 'layerlab-workbench',
      StartupWMClass: DESKTOP_NAME.replace(/\.desktop$/, ''),
      Categories: 'Science;',
      MimeType: `${FILE_TYPES.map((t) => t.mimeType).join(';')};`,
    });
    // The launcher's %U hands files over as file:// URLs; the app reads them (open-file.ts).
    expect(fileFromArgv(['/opt/Layerlab/layerlab-workbench', 'file:///home/ada/planar.llrun'], { cwd: '/', defaultApp: false })).toEqual({
      kind: 'run',
      file: '/home/ada/planar.llrun',
    });
    // Electron takes its Wayland app_id / X11 WM_CLASS from desktopName in the packaged package.json.
    expect(JSON.parse(extractFile(asarPath, 'package.json').toString('utf8'))).toMatchObject({ desktopName: DESKTOP_NAME });
  });

  it('makes the AppImage\'s launcher with the same file types', () => {
    expect(appImage).not.toBeNull();
    expect(appImage!.desktopFileName).toBe(DESKTOP_NAME);
    const entry = desktopEntry(appImage!.desktop);
    expect(entry.Exec).toBe('AppRun --no-sandbox %U');
    expect(entry.MimeType).toBe(`${FILE_TYPES.map((t) => t.mimeType).join(';')};`);
    expect(fileFromArgv(['/tmp/.mount_Layerl/layerlab-workbench', '--no-sandbox', 'file:///home/ada/hidden.llsweep'], { cwd: '/', defaultApp: false })).toEqual({
      kind: 'sweep',
      file: '/home/ada/hidden.llsweep',
    });
  });

  it('registers the Layerlab file types and reports its size', () => {
    const config = layerlabBuilderConfig();
    expect(config.fileAssociations).toEqual(FILE_TYPES.map((t) => expect.objectContaining({ ext: t.ext, mimeType: t.mimeType })));
    const sizes = {
      'app.asar': statSync(asarPath).size,
      'app.asar.unpacked': sizeOf(path.join(resourcesDir, 'app.asar.unpacked')),
      'app folder (with a stand-in Electron)': sizeOf(appOutDir),
    };
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    console.log(
      `packaged app: ${Object.entries(sizes).map(([k, v]) => `${k} ${mb(v)}`).join(', ')}; ${entries.size} entries in app.asar; ` +
        `seconds: ${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
    );
    // A budget that catches a stray dev dependency or an untrimmed build (tsx + esbuild alone are ~22 MB).
    expect(sizes['app.asar']).toBeLessThan(25 * 1024 * 1024);
  });
});
