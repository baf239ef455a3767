/**
 * The trial process as plain JavaScript: an esbuild bundle of trial-process.ts, the sources
 * it imports and the packages they use, so that a forked trial process starts with node
 * alone instead of compiling TypeScript through tsx first, which a sweep pays once per
 * process.
 *
 * It is one CommonJS file. Node 20 loads that faster than the same code as ES modules
 * (0.20–0.21 s of CPU to the first message against 0.23–0.24 s, with a bare node process
 * at 0.11–0.12 s on this machine), and faster still than ES modules that import zod from
 * node_modules (0.27–0.30 s, as before): Node's ESM loader resolves, reads and compiles each
 * of zod's files on its own. h5wasm stays outside, as an ES module imported on the first
 * HDF5 file a trial reads (it is a large WebAssembly build, and ESM-only). Two parts of zod
 * that nothing in a trial process uses are left out (LEFT_OUT): its 40-odd translations of
 * its messages, a quarter of the bundle, and fromJSONSchema, whose module copies every
 * schema constructor into an object when loaded; 0.02–0.03 s of CPU a process.
 *
 * It is built on first use and cached in node_modules/.cache/layerlab/. A manifest
 * records the size and modification time of every file it was made from (the packages'
 * too, and this builder); when any of them changed, the next use builds it again, so a checkout being edited
 * never runs a stale trial process, and a clean clone needs no build step. Where it cannot
 * be built (no esbuild, node_modules read-only, LAYERLAB_TRIAL_BUNDLE=0), trial processes
 * run trial-process.ts through tsx as before.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to start a trial process: the entry module and node's flags. */
export interface TrialProgram {
  entry: string;
  execArgv: string[];
}

/** trial-process.ts, run through tsx. */
export const TSX_PROGRAM: TrialProgram = {
  entry: fileURLToPath(new URL('./trial-process.ts', import.meta.url)),
  execArgv: ['--import', 'tsx'],
};

/** This module, recorded among the bundle's inputs. */
const BUILDER = fileURLToPath(import.meta.url);
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/**
 * The manifest's file name, one per checkout: checkouts that share a node_modules folder
 * (a symlink) share the cache but never run each other's bundle.
 */
export const MANIFEST = `manifest-${createHash('sha256').update(TSX_PROGRAM.entry).digest('hex').slice(0, 12)}.json`;
/** Bumped when bundles are built differently, so that older ones are built again. */
const BUNDLE_VERSION = 4;
/** Bundles other than the current one older than this are removed when a new one is built. */
const KEEP_OLD_MS = 60 * 60 * 1000;

interface Manifest {
  version: number;
  /** The bundle's entry module, relative to the cache folder. */
  entry: string;
  /** Every source file it was built from (absolute path) → [size, mtimeMs]. */
  inputs: Record<string, [number, number]>;
}

/** The cache folder: node_modules/.cache/layerlab of this checkout or installation. */
export function bundleCacheDir(root = ROOT): string {
  return join(root, 'node_modules', '.cache', 'layerlab');
}

/**
 * The bundled trial process, built or rebuilt if needed; tsx's program if it cannot be.
 * `problems` hears why not (for tests and benchmarks; a sweep just goes on with tsx).
 */
export function trialProgram(options: { root?: string; problems?: (message: string) => void } = {}): TrialProgram {
  const root = options.root ?? ROOT;
  if (process.env.LAYERLAB_TRIAL_BUNDLE === '0') return TSX_PROGRAM;
  const cache = bundleCacheDir(root);
  try {
    const current = freshBundle(cache);
    if (current) return { entry: current, execArgv: [] };
    if (!existsSync(join(root, 'node_modules'))) throw new Error(`there is no node_modules folder in ${root}`);
    return { entry: build(root, cache), execArgv: [] };
  } catch (error) {
    options.problems?.(`the trial process runs through tsx: it could not be bundled (${(error as Error).message})`);
    return TSX_PROGRAM;
  }
}

/** The cached bundle's entry if none of its sources changed since it was built, else null. */
function freshBundle(cache: string): string | null {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(join(cache, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return null;
  }
  const entry = join(cache, manifest.entry);
  if (manifest.version !== BUNDLE_VERSION || typeof manifest.inputs !== 'object' || !existsSync(entry)) return null;
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    try {
      const stat = statSync(file);
      if (stat.size !== size || stat.mtimeMs !== mtimeMs) return null;
    } catch {
      return null;
    }
  }
  return entry;
}

/** Packages left out of the bundle: h5wasm is ESM-only and loads only when a trial reads an HDF5 file. */
const EXTERNAL = ['h5wasm'];

/**
 * Modules of zod that a trial process never uses, by the specifier zod's own files import
 * them with, and what stands in for them: `z.locales` (the translations of zod's messages;
 * English, the default, comes from locales/en.js, which stays) is empty, and
 * `z.fromJSONSchema` throws.
 */
export const LEFT_OUT: Record<string, string> = {
  '../locales/index.js': '',
  './from-json-schema.js': 'export function fromJSONSchema() { throw new Error("fromJSONSchema is left out of the trial process (trial-bundle.ts)"); }',
};

/** The namespace of the stand-ins in esbuild's metafile ("layerlab-left-out:../locales/index.js"). */
const LEFT_OUT_NAMESPACE = 'layerlab-left-out';

/**
 * Builds with esbuild in a child node process and waits for it: trialProgram is synchronous
 * (a pool starts a host synchronously), and esbuild runs plugins, which LEFT_OUT needs, only
 * in its asynchronous build. Reads { root, options, leftOut, namespace } on stdin and
 * writes the metafile on stdout.
 */
const BUILD_SCRIPT = `
const { createRequire } = require('node:module');
const { sep } = require('node:path');
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const { root, options, leftOut, namespace } = JSON.parse(input);
  const esbuild = createRequire(root + sep + 'package.json')('esbuild');
  const zod = sep + 'node_modules' + sep + 'zod' + sep;
  const leaveOut = {
    name: 'layerlab-leave-out',
    setup(build) {
      build.onResolve({ filter: /^\\.\\.?\\// }, (args) =>
        args.importer.includes(zod) && Object.hasOwn(leftOut, args.path) ? { path: args.path, namespace } : undefined);
      build.onLoad({ filter: /.*/, namespace }, (args) => ({ contents: leftOut[args.path], loader: 'js' }));
    },
  };
  const result = await esbuild.build({ ...options, plugins: [leaveOut] });
  asciiOnly(esbuild, options.outfile);
  process.stdout.write(JSON.stringify(result.metafile));
});
// esbuild escapes every non-ASCII character of the code, not of the comments it keeps (our
// sources' math: σ, Σ, ·, …). One such character makes V8 hold and scan the whole bundle as
// a two-byte string, and Node decode it from UTF-8: about 4 ms more of every process's
// start. They are written as \\u{...} instead, if that leaves the code the same, as
// esbuild sees it with the comments stripped. Anything going wrong here leaves the bundle as built.
function asciiOnly(esbuild, file) {
  try {
    const fs = require('node:fs');
    const text = fs.readFileSync(file, 'utf8');
    const ascii = text.replace(/[^\\x00-\\x7f]/gu, (c) => '\\\\u{' + c.codePointAt(0).toString(16) + '}');
    if (ascii === text) return;
    const code = (source) => esbuild.transformSync(source, { minifyWhitespace: true, legalComments: 'none', loader: 'js' }).code;
    if (code(ascii) === code(text)) fs.writeFileSync(file, ascii);
  } catch {
    // A bundle with non-ASCII comments works the same, a few ms slower to load.
  }
}
`;

/** Builds the bundle into a new folder of the cache and points the manifest at it. */
function build(root: string, cache: string): string {
  const name = `trial-process-${Date.now().toString(36)}-${process.pid}`;
  const outdir = join(cache, name);
  mkdirSync(outdir, { recursive: true });
  const options = {
    absWorkingDir: root,
    entryPoints: [TSX_PROGRAM.entry],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    outfile: join(outdir, 'trial-process.cjs'),
    metafile: true,
    logLevel: 'silent',
  };
  let output: string;
  try {
    output = execFileSync(process.execPath, ['-e', BUILD_SCRIPT], {
      input: JSON.stringify({ root, options, leftOut: LEFT_OUT, namespace: LEFT_OUT_NAMESPACE }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Electron's binary, when the CLI runs on it (docs/native-modules.md), as node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`esbuild failed: ${stderr.split('\n').slice(0, 5).join(' ') || (error as Error).message.split('\n')[0]}`);
  }
  const built = Object.keys((JSON.parse(output) as { inputs: Record<string, unknown> }).inputs);
  const inputs: Manifest['inputs'] = {};
  // This file too: a change to how the bundle is built builds it again.
  for (const input of [BUILDER, ...built.filter((input) => !input.startsWith(`${LEFT_OUT_NAMESPACE}:`))]) {
    const file = resolve(root, input);
    const stat = statSync(file);
    inputs[file] = [stat.size, stat.mtimeMs];
  }
  const manifest: Manifest = { version: BUNDLE_VERSION, entry: `${name}/trial-process.cjs`, inputs };
  // Written whole, then renamed into place: a reader sees the old manifest or the new one.
  const temporary = join(cache, `${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, join(cache, MANIFEST));
  removeOldBundles(cache, name);
  return join(cache, manifest.entry);
}

/**
 * Removes bundles older than an hour (no process started since can still be loading
 * them) that no manifest points to: this checkout's earlier ones, and any other's that
 * it has replaced.
 */
function removeOldBundles(cache: string, keep: string): void {
  const current = new Set([keep]);
  for (const entry of readdirSync(cache)) {
    if (!/^manifest-.*\.json$/.test(entry)) continue;
    try {
      current.add((JSON.parse(readFileSync(join(cache, entry), 'utf8')) as Manifest).entry.split('/')[0]);
    } catch {
      // Being written, or not ours to read: its bundle stays.
    }
  }
  for (const entry of readdirSync(cache)) {
    if (!entry.startsWith('trial-process-') || current.has(entry)) continue;
    try {
      if (Date.now() - statSync(join(cache, entry)).mtimeMs > KEEP_OLD_MS) rmSync(join(cache, entry), { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
