/**
 * The trial process as plain JavaScript: an esbuild bundle of trial-process.ts and the
 * sources it imports, so that a forked trial process starts with node alone instead of
 * compiling TypeScript through tsx first (about a third of the CPU: 0.4 s against 1.2 s
 * measured here), which a sweep pays once per process.
 *
 * It is built on first use and cached in node_modules/.cache/layerlab/, beside the
 * packages it imports (they stay outside the bundle and load from node_modules as usual).
 * A manifest records the size and modification time of every source file it was made
 * from; when any of them changed, the next use builds it again, so a checkout being edited
 * never runs a stale trial process, and a clean clone needs no build step. Where it cannot
 * be built (no esbuild, node_modules read-only, LAYERLAB_TRIAL_BUNDLE=0), trial processes
 * run trial-process.ts through tsx as before.
 */
import { createRequire } from 'node:module';
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

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const MANIFEST = 'trial-process.json';
/** Bundles other than the current one older than this are removed when a new one is built. */
const KEEP_OLD_MS = 60 * 60 * 1000;

interface Manifest {
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
  if (typeof manifest.inputs !== 'object' || !existsSync(entry)) return null;
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

/** Builds the bundle into a new folder of the cache and points the manifest at it. */
function build(root: string, cache: string): string {
  const esbuild = createRequire(join(root, 'package.json'))('esbuild') as typeof import('esbuild');
  const name = `trial-process-${Date.now().toString(36)}-${process.pid}`;
  const outdir = join(cache, name);
  mkdirSync(outdir, { recursive: true });
  const result = esbuild.buildSync({
    absWorkingDir: root,
    entryPoints: [TSX_PROGRAM.entry],
    bundle: true,
    // Lazily imported modules (the file readers, HDF5's WebAssembly) stay in chunks of
    // their own, loaded only by a trial that reads a file.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'silent',
  });
  const inputs: Manifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = resolve(root, input);
    const stat = statSync(file);
    inputs[file] = [stat.size, stat.mtimeMs];
  }
  const manifest: Manifest = { entry: `${name}/trial-process.mjs`, inputs };
  // Written whole, then renamed into place: a reader sees the old manifest or the new one.
  const temporary = join(cache, `${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify(manifest));
  renameSync(temporary, join(cache, MANIFEST));
  removeOldBundles(cache, name);
  return join(cache, manifest.entry);
}

/** Removes earlier bundles (not `keep`) that no process started in the last hour can still be loading chunks from. */
function removeOldBundles(cache: string, keep: string): void {
  for (const entry of readdirSync(cache)) {
    if (!entry.startsWith('trial-process-') || entry === keep) continue;
    try {
      if (Date.now() - statSync(join(cache, entry)).mtimeMs > KEEP_OLD_MS) rmSync(join(cache, entry), { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}
