/**
 * Reading the files a run configuration names: array files (.npy, .npz, .h5,
 * .mat) and CSV. The core parses bytes; this module only finds and reads them.
 * Paths are relative to the folder of the config file that names them.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CsvSource, FileSource } from '../../src-core/config';
import type { ExperimentFiles, LoadedData } from '../../src-core/experiment';
import { readHdf5 } from '../../src-core/io/hdf5';
import { readMat } from '../../src-core/io/mat';
import { type NdArray, dropNonFinite, toDataset, toExamplesMatrix } from '../../src-core/io/ndarray';
import { readNpy } from '../../src-core/io/npy';
import { readNpz } from '../../src-core/io/npz';
import { parseCsv } from '../../src-core/io/csv';
import { Matrix } from '../../src-core/matrix';
import type { Preprocessing } from '../../src-core/preprocess';
import { modelFromJson, weightsFromTensors } from '../../src-core/model-file';
import { readSafetensors } from '../../src-core/io/safetensors';

/** An error about a file the user named: printed as is. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

/** Throws a DataFileError naming `what` unless `file` is a readable file. */
async function checkFile(file: string, what: string): Promise<void> {
  await fileOperation(file, what, async () => {
    if ((await stat(file)).isDirectory()) throw new DataFileError(`${what}: ${file} is a folder, not a file`);
  });
}

async function readBytes(file: string, what: string): Promise<Uint8Array> {
  await checkFile(file, what);
  return fileOperation(file, what, async () => new Uint8Array(await readFile(file)));
}

async function fileOperation<T>(file: string, what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataFileError(`${what}: no such file: ${file}`);
    if (code === 'EACCES') throw new DataFileError(`${what}: permission denied: ${file}`);
    throw new DataFileError(`${what}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The array `key` from a .npy, .npz, .h5 or .mat file (key optional where there is one array). */
export async function readArray(file: string, key: string | undefined, what: string): Promise<NdArray> {
  const bytes = await readBytes(file, what);
  const name = path.basename(file);
  const ext = path.extname(file).toLowerCase();
  const pick = (arrays: Map<string, NdArray>): NdArray => {
    const names = [...arrays.keys()];
    if (key === undefined) {
      if (names.length === 1) return arrays.get(names[0])!;
      throw new DataFileError(`${what}: ${name} holds ${names.length} arrays (${names.join(', ')}); name one with "key"`);
    }
    const a = arrays.get(key);
    if (!a) throw new DataFileError(`${what}: ${name} has no array '${key}'; it has ${names.join(', ') || 'none'}`);
    return a;
  };
  switch (ext) {
    case '.npy':
      return readNpy(bytes, name);
    case '.npz':
      return pick(readNpz(bytes, name));
    case '.h5':
    case '.hdf5':
      if (key === undefined) throw new DataFileError(`${what}: ${name} is HDF5; name the dataset with "key"`);
      return readHdf5(bytes, key, name);
    case '.mat':
      return pick(readMat(bytes, name));
    default:
      throw new DataFileError(`${what}: ${name}: unknown file type '${ext}' (expected .npy, .npz, .h5, .mat or .csv)`);
  }
}

/** File access for a config whose file lies in `baseDir`. */
export function filesRelativeTo(baseDir: string, options: { regression?: boolean } = {}): ExperimentFiles {
  const resolve = (file: string) => path.resolve(baseDir, file);
  return {
    async loadData(source, role) {
      return 'csv' in source ? loadCsv(source, resolve, role) : loadArrays(source, resolve, role, options.regression ?? false);
    },
    async loadWeights(file) {
      return loadWeightsFile(resolve(file));
    },
  };
}

async function loadArrays(source: FileSource, resolve: (f: string) => string, role: string, regression: boolean): Promise<LoadedData> {
  const xWhat = `data.${role}.x (${source.x.file}${source.x.key ? `: ${source.x.key}` : ''})`;
  const yWhat = `data.${role}.y (${source.y.file}${source.y.key ? `: ${source.y.key}` : ''})`;
  const x = await readArray(resolve(source.x.file), source.x.key, `data.${role}.x`);
  const y = await readArray(resolve(source.y.file), source.y.key, `data.${role}.y`);
  let X: Matrix;
  let Y: Matrix;
  if (regression) {
    // Targets are values, not class labels: read Y like X.
    const drop = source.non_finite === 'drop';
    X = toExamplesMatrix(x, { examplesAxis: source.examples_axis, scale: source.scale, what: xWhat, nonFinite: drop ? 'keep' : 'error' });
    Y = toExamplesMatrix(y, { examplesAxis: source.examples_axis, what: yWhat });
    if (X.cols !== Y.cols) throw new DataFileError(`${xWhat} has ${X.cols} examples but ${yWhat} has ${Y.cols}`);
    if (drop) ({ X, Y } = dropNonFinite(X, Y));
  } else {
    ({ X, Y } = toDataset(x, y, { examplesAxis: source.examples_axis, scale: source.scale, xWhat, yWhat, nonFinite: source.non_finite }));
  }
  let classNames: string[] | null = null;
  if (Array.isArray(source.labels)) classNames = source.labels;
  else if (source.labels) {
    const names = await readArray(resolve(source.labels.file), source.labels.key, `data.${role}.labels`);
    classNames = Array.from(names.data as ArrayLike<unknown>, String);
  }
  return { X, Y, classNames };
}

async function loadCsv(source: CsvSource, resolve: (f: string) => string, role: string): Promise<LoadedData> {
  const file = resolve(source.csv.file);
  await checkFile(file, `data.${role}.csv`);
  const chunks = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const result = await parseCsv(chunks, {
    label: source.csv.label,
    features: source.csv.features,
    header: source.csv.header,
    nonFinite: source.csv.non_finite,
    name: path.basename(file),
  });
  return { X: result.X, Y: result.Y, classNames: result.classNames };
}

/**
 * W1, b1, … from a Layerlab model JSON, a .npz or a .safetensors file (b may be
 * (n, 1) or (n,)), for init.method "file". The run's config gives the
 * architecture; Network.setParameters then names any layer whose shape differs.
 */
export async function loadWeightsFile(file: string): Promise<{ W: Matrix[]; b: Matrix[]; preprocessing?: Preprocessing }> {
  const name = path.basename(file);
  const ext = name.toLowerCase().endsWith('.safetensors') ? '.safetensors' : path.extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.npz' && ext !== '.safetensors') {
    throw new DataFileError(`init.file: ${name}: weights must be a Layerlab model .json, a .npz or a .safetensors file`);
  }
  const bytes = await readBytes(file, 'init.file');
  try {
    if (ext === '.json') {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes));
      } catch (error) {
        throw new DataFileError(`init.file: ${name} is not valid JSON: ${(error as Error).message}`);
      }
      const { network, preprocessing } = modelFromJson(value, name);
      return { W: network.W, b: network.b, preprocessing };
    }
    const tensors = ext === '.npz' ? readNpz(bytes, name) : readSafetensors(bytes, name).tensors;
    return weightsFromTensors(tensors, name);
  } catch (error) {
    if (error instanceof DataFileError) throw error;
    throw new DataFileError(`init.file: ${(error as Error).message}`);
  }
}
