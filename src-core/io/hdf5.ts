/**
 * HDF5 files (.h5, .hdf5) through h5wasm, the HDF5 C library compiled to
 * WebAssembly: readHdf5 reads one numeric dataset, listHdf5 lists them all.
 *
 * h5wasm's default ESM build runs unchanged in Node, Electron and browsers: its
 * WebAssembly is embedded in the module, and it keeps files in Emscripten's
 * in-memory file system. So the caller passes the file's bytes; we write them to
 * a virtual file, open it, read, close it and unlink it. Nothing here touches the
 * real file system. h5wasm is imported lazily, on first use, since instantiating
 * its 4 MB of WebAssembly takes ~100 ms that callers who never open HDF5 should not pay.
 *
 * HDF5 reports errors on damaged files to stderr (h5wasm gives no way to silence
 * them); we check the HDF5 signature first so that files that are not HDF5 at all
 * fail here, with our message, before HDF5 sees them. Data is read through
 * h5wasm's get_dataset_data with its status checked, not Dataset.value, which
 * returns garbage when a read fails (as it does for h5py's lzf compression).
 */

import { DTYPES, ImportError, shapeText, type DType, type NdArray, type NdData } from './ndarray.js';
import { HOST_LITTLE_ENDIAN, getter, readInt64 } from './npy.js';

type H5 = typeof import('h5wasm');
type H5Dataset = InstanceType<H5['Dataset']>;
type H5File = InstanceType<H5['File']>;

let loading: Promise<H5> | null = null;

/** h5wasm, loaded and ready (once per process). */
function h5(): Promise<H5> {
  loading ??= import('h5wasm').then(async (mod) => {
    await mod.ready;
    return mod;
  });
  return loading;
}

/** One dataset of an HDF5 file, as listHdf5 reports it. */
export interface Hdf5DatasetInfo {
  /** The path without the leading '/', e.g. "train_set_x" or "group/x". */
  key: string;
  shape: number[];
  /** The NdArray dtype it reads as, or null when readHdf5 cannot read it. */
  dtype: DType | null;
  /** What kind of data it holds, for the UI: 'uint8', 'strings', 'compound', … */
  type: string;
}

/** Every dataset in the file, depth-first in HDF5's (alphabetical) order. */
export async function listHdf5(bytes: Uint8Array, name = 'the HDF5 data'): Promise<Hdf5DatasetInfo[]> {
  return withFile(bytes, name, (file, mod) => datasets(file, mod).map(([key, ds]) => describe(key, ds)));
}

/**
 * One numeric dataset as an NdArray. `key` is its path ("train_set_x" or
 * "/group/x"). A missing key is an error that lists the datasets there are.
 */
export async function readHdf5(bytes: Uint8Array, key: string, name = 'the HDF5 data'): Promise<NdArray> {
  return withFile(bytes, name, (file, mod) => {
    const all = datasets(file, mod);
    const path = key.replace(/^\/+/, '');
    const found = all.find(([k]) => k === path);
    if (!found) {
      const list = all.map(([k]) => k).join(', ') || '(none)';
      const isGroup = path !== '' && file.get(path) instanceof mod.Group;
      throw new ImportError(
        `${name}: ${isGroup ? `'${key}' is a group, not a dataset` : `no dataset '${key}'`}; datasets are: ${list}`,
      );
    }
    const ds = found[1];
    const dtype = dtypeOf(ds.metadata);
    if (!dtype) {
      throw new ImportError(`${name}: dataset '${path}' holds ${describe(path, ds).type}, not numbers`);
    }
    return readDataset(mod, ds, dtype, `${name}: dataset '${path}'`);
  });
}

let fileCounter = 0;

async function withFile<T>(bytes: Uint8Array, name: string, use: (f: H5File, mod: H5) => T): Promise<T> {
  if (!hasSignature(bytes)) {
    throw new ImportError(`${name}: not an HDF5 file (no HDF5 signature at offset 0, 512, 1024, …)`);
  }
  const mod = await h5();
  const fs = mod.FS as unknown as { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void };
  const path = `/layerlab-import-${++fileCounter}.h5`;
  fs.writeFile(path, bytes);
  let file: H5File | null = null;
  try {
    try {
      file = new mod.File(path, 'r');
      if (file.file_id < 0n) throw new Error('H5Fopen failed');
      file.keys();
    } catch (e) {
      throw new ImportError(`${name}: HDF5 cannot open it (damaged or truncated?): ${messageOf(e)}`);
    }
    try {
      return use(file, mod);
    } catch (e) {
      if (e instanceof ImportError) throw e;
      throw new ImportError(`${name}: HDF5 failed reading it (damaged or truncated?): ${messageOf(e)}`);
    }
  } finally {
    try {
      file?.close();
    } finally {
      fs.unlink(path);
    }
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The HDF5 superblock signature sits at 0 or at 512 × 2^k (after a user block). */
function hasSignature(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (let at = 0; at + 8 <= bytes.length; at = at === 0 ? 512 : at * 2) {
    if (sig.every((b, i) => bytes[at + i] === b)) return true;
  }
  return false;
}

/** [key, dataset] for every dataset under the root, recursively. */
function datasets(file: H5File, mod: H5): [string, H5Dataset][] {
  const out: [string, H5Dataset][] = [];
  const walk = (group: InstanceType<H5['Group']>, prefix: string, depth: number): void => {
    if (depth > 32) return; // guards against link cycles
    for (const k of group.keys()) {
      const e = group.get(k);
      if (e instanceof mod.Dataset) out.push([prefix + k, e]);
      else if (e instanceof mod.Group) walk(e, `${prefix}${k}/`, depth + 1);
    }
  };
  walk(file, '', 0);
  return out;
}

// H5T classes (H5Tpublic.h).
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_ENUM = 8;
const H5T_NAMES: Record<number, string> = {
  2: 'times',
  3: 'strings',
  4: 'bit fields',
  5: 'opaque data',
  6: 'compound records',
  7: 'references',
  8: 'an enumeration',
  9: 'variable-length data',
  10: 'array-typed elements',
};

function describe(key: string, ds: H5Dataset): Hdf5DatasetInfo {
  const md = ds.metadata;
  const shape = md.shape ?? [];
  const dtype = dtypeOf(md);
  const type = dtype ?? H5T_NAMES[md.type] ?? (md.type === H5T_FLOAT ? `${md.size * 8}-bit floats` : `HDF5 type class ${md.type}`);
  const why = dtype ? unreadable(ds) : null;
  return why ? { key, shape, dtype: null, type: `${type}, unreadable: it ${why}` } : { key, shape, dtype, type };
}

function dtypeOf(md: H5Dataset['metadata']): DType | null {
  if (md.type === H5T_INTEGER) {
    const bits = md.size * 8;
    const name = `${md.signed ? 'int' : 'uint'}${bits}`;
    return name in DTYPES ? (name as DType) : null;
  }
  if (md.type === H5T_FLOAT) return md.size === 4 ? 'float32' : md.size === 8 ? 'float64' : null;
  if (md.type === H5T_ENUM && isBoolEnum(md.enum_type)) return 'bool';
  return null;
}

/** h5py stores NumPy bools as an int8 enum {FALSE: 0, TRUE: 1}. */
function isBoolEnum(e: H5Dataset['metadata']['enum_type']): boolean {
  if (!e || e.nmembers !== 2) return false;
  const m = e.members;
  return m.FALSE === 0 && m.TRUE === 1;
}

/** Filters HDF5 itself implements (deflate, shuffle, fletcher32, nbit, scaleoffset). */
const BUILT_IN_FILTERS = new Set([1, 2, 3, 5, 6]);

/** Why a dataset cannot be read though its type is numeric, or null. */
function unreadable(ds: H5Dataset): string | null {
  const missing = ds.filters.filter((f) => !BUILT_IN_FILTERS.has(f.id));
  if (missing.length === 0) return null;
  const names = missing.map((f) => `'${f.name || 'unknown'}' (filter id ${f.id})`).join(', ');
  return `is compressed with ${names}, which this HDF5 reader lacks; save it with gzip or no compression`;
}

/**
 * Reads the whole dataset through h5wasm's get_dataset_data, checking HDF5's
 * status: Dataset.value ignores it and returns whatever was in the buffer when a
 * read fails (for example, lzf-compressed data comes back as garbage).
 */
function readDataset(mod: H5, ds: H5Dataset, dtype: DType, what: string): NdArray {
  const why = unreadable(ds);
  if (why) throw new ImportError(`${what} ${why}`);
  const md = ds.metadata;
  const shape = md.shape ?? [];
  const n = md.total_size;
  const size = md.size;
  const storage: DType = dtype === 'bool' ? 'uint8' : dtype;
  if (size !== DTYPES[storage].bytes || n !== shape.reduce((a, b) => a * b, 1)) {
    throw new ImportError(`${what}: unexpected element size ${size} or count ${n} for shape ${shapeText(shape)}`);
  }
  const M = mod.Module;
  const nbytes = n * size;
  if (nbytes > M.MAXIMUM_MEMORY) {
    throw new ImportError(`${what}: shape ${shapeText(shape)} needs ${nbytes} bytes, more than h5wasm can hold`);
  }
  const ptr = nbytes > 0 ? M._malloc(nbytes) : 0;
  if (nbytes > 0 && ptr === 0) {
    throw new ImportError(`${what}: shape ${shapeText(shape)} needs ${nbytes} bytes, which h5wasm could not allocate`);
  }
  let raw: Uint8Array;
  try {
    const status = nbytes > 0 ? M.get_dataset_data(ds.file_id, ds.path, null, null, null, BigInt(ptr)) : 0;
    if (status < 0) {
      throw new ImportError(`${what}: HDF5 could not read its data (damaged, or compressed in a way this reader lacks)`);
    }
    raw = M.HEAPU8.slice(ptr, ptr + nbytes);
  } finally {
    if (ptr) M._free(ptr);
  }
  const out: NdData = DTYPES[dtype].make(n);
  // h5wasm asks HDF5 for little-endian data whatever the file's byte order.
  const le = true;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (dtype === 'int64' || dtype === 'uint64') {
    for (let i = 0; i < n; i++) {
      const v = readInt64(view, i * 8, le, dtype === 'int64');
      if (Number.isNaN(v)) {
        throw new ImportError(`${what}: a 64-bit integer at flat index ${i} exceeds 2^53 in magnitude`);
      }
      out[i] = v;
    }
  } else if (dtype !== 'bool' && le === HOST_LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(raw);
  } else {
    const get = getter(view, storage, le);
    if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = get(i) ? 1 : 0;
    else for (let i = 0; i < n; i++) out[i] = get(i * size);
  }
  return { dtype, shape, data: out };
}
