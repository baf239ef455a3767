/**
 * The data importers: file bytes (or text) in, NdArrays and matrices out.
 * File access is injected: nothing here opens a path. See README.md.
 */

export {
  DTYPES,
  ImportError,
  dropNonFinite,
  findNonFinite,
  fromMatrix,
  ndarray,
  scaler,
  shapeText,
  sizeOf,
  toDataset,
  toExamplesMatrix,
  toLabels,
  type DType,
  type DatasetOptions,
  type ExamplesOptions,
  type NdArray,
  type NdData,
  type NonFinitePolicy,
  type NonFiniteValue,
} from './ndarray.js';
export { readNpy, readNpyHeader, writeNpy, type NpyHeader } from './npy.js';
export { readNpz, writeNpz } from './npz.js';
export { listHdf5, readHdf5, type Hdf5DatasetInfo } from './hdf5.js';
export { listMat, readMat, type MatVariable } from './mat.js';
export { parseCsv, parseNumber, type CsvInput, type CsvOptions, type CsvResult } from './csv.js';
export { MAX_HEADER_BYTES as SAFETENSORS_MAX_HEADER_BYTES, readSafetensors, writeSafetensors, type Safetensors } from './safetensors.js';

/** Reads a whole async iterable of byte chunks (such as a file stream) into one Uint8Array. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) {
    parts.push(c);
    total += c.length;
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
