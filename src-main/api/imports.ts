/**
 * Data files brought into the workbench: saved as `<store>/imports/<content hash>/<name>`
 * (importing a file twice keeps one copy), and inspected so the form can offer the
 * columns of a CSV or the arrays of a .npy/.npz/.h5/.mat file to pick from.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readSync, closeSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import Papa from 'papaparse';
import { listHdf5 } from '../../src-core/io/hdf5';
import { listMat } from '../../src-core/io/mat';
import { readNpyHeader } from '../../src-core/io/npy';
import { readNpz } from '../../src-core/io/npz';
import type { FileInfo } from '../../src-api/schemas';
import { IMPORTS_DIR } from './file-access';

export const IMPORT_TYPES = ['.csv', '.npy', '.npz', '.h5', '.hdf5', '.mat'] as const;
/** Largest file the workbench imports. */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/** A file name safe on every OS: letters, digits, dot, dash, underscore. */
export function safeName(name: string): string {
  const base = basename(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100);
  return base || 'data';
}

/** Saves imported bytes; returns the file's absolute path. Refuses unknown types. */
export function saveImport(storeDir: string, name: string, bytes: Uint8Array): string {
  const clean = safeName(name);
  const ext = extname(clean).toLowerCase();
  if (!(IMPORT_TYPES as readonly string[]).includes(ext)) {
    throw new Error(`${name}: Layerlab imports ${IMPORT_TYPES.join(', ')} files; this is '${ext || 'no extension'}'`);
  }
  // One folder per content hash keeps the file's own name (runs are named after it).
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const dir = join(storeDir, IMPORTS_DIR, hash);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, clean);
  try {
    if (statSync(file).size === bytes.length) return file;
  } catch {
    // Not there yet.
  }
  writeFileSync(`${file}.tmp`, bytes);
  renameSync(`${file}.tmp`, file);
  return file;
}

function head(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** What a data file holds: a CSV's columns, or the arrays of an array file. */
export async function inspectFile(file: string): Promise<FileInfo> {
  const name = basename(file);
  const ext = extname(file).toLowerCase();
  const size = statSync(file).size;
  if (ext === '.csv') {
    const text = head(file, 256 * 1024).replace(/^\uFEFF/, '');
    const lines = text.split(/\r?\n/).slice(0, 6).join('\n');
    const parsed = Papa.parse<string[]>(lines, { preview: 6, skipEmptyLines: true });
    const rows = parsed.data;
    const first = rows[0] ?? [];
    const numeric = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));
    const header = first.length > 0 && !first.every(numeric);
    const columns = header ? first.map((c) => c.trim()) : first.map((_, i) => String(i));
    return { name, file, bytes: size, kind: 'csv', columns, header, sample: rows.slice(header ? 1 : 0, 6), arrays: [] };
  }
  const bytes = new Uint8Array(readFileSync(file));
  let arrays: FileInfo['arrays'];
  if (ext === '.npy') {
    const h = readNpyHeader(bytes, name);
    arrays = [{ key: '', shape: h.shape, dtype: h.dtype }];
  } else if (ext === '.npz') {
    arrays = [...readNpz(bytes, name)].map(([key, a]) => ({ key, shape: a.shape, dtype: a.dtype }));
  } else if (ext === '.h5' || ext === '.hdf5') {
    arrays = (await listHdf5(bytes, name)).filter((d) => d.dtype !== null).map((d) => ({ key: d.key, shape: d.shape, dtype: d.dtype! }));
  } else if (ext === '.mat') {
    arrays = listMat(bytes, name).filter((v) => v.dtype !== null).map((v) => ({ key: v.name, shape: v.shape, dtype: v.dtype! }));
  } else {
    throw new Error(`${name}: unknown file type '${ext}'`);
  }
  return { name, file, bytes: size, kind: 'arrays', columns: [], header: false, sample: [], arrays };
}
