/**
 * Data files brought into the workbench: saved as `<store>/imports/<content hash>/<name>`
 * (importing a file twice keeps one copy), and inspected so the form can offer the
 * columns of a CSV or the arrays of a .npy/.npz/.h5/.mat file to pick from.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, openSync, readSync, closeSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import Papa from 'papaparse';
import { looksLikeHeader, parseNumber } from '../../src-core/io/csv';
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

/** Bytes of a CSV read to show its columns and first rows. */
const CSV_HEAD_BYTES = 256 * 1024;

function head(file: string, bytes: number): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  } finally {
    closeSync(fd);
  }
}

/** The line (1-based) of `text` that position `at` is on. */
function lineAt(text: string, at: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * A CSV's first bytes as text, or an error naming what makes it no CSV: nothing in it, a
 * NUL byte (a binary file named .csv), or bytes that are not UTF-8 (the reader would turn
 * them into U+FFFD, so column names and numbers would come out mangled).
 */
function csvText(name: string, bytes: Uint8Array, size: number): string {
  if (size === 0) throw new Error(`${name} is empty (0 bytes): a CSV needs a header row or data rows`);
  // Streaming, so that a character cut at the end of the head is not an error.
  const loose = new TextDecoder('utf-8').decode(bytes, { stream: true });
  const nul = loose.indexOf('\0');
  if (nul !== -1) {
    throw new Error(`${name} is not a text file: line ${lineAt(loose, nul)} holds a NUL byte; Layerlab reads CSV files as UTF-8 text with one example per line`);
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
  } catch {
    const bad = loose.indexOf('\uFFFD');
    throw new Error(`${name} line ${lineAt(loose, bad)} is not UTF-8 text: save the file as UTF-8 (in a spreadsheet, "CSV UTF-8")`);
  }
  return loose.replace(/^\uFEFF/, '');
}

/** Different values of a column past which it is not listed in FileInfo.values. */
const MAX_LISTED_VALUES = 20;

/**
 * What the rows of a CSV's head (its last, maybe cut, line left out unless the file was
 * read whole) say of each column: its first NaN, ±inf or empty field, which training would
 * stop at unless told to drop such rows; and its values when there are few (a label's classes).
 */
function scanColumns(text: string, whole: boolean, columns: string[], header: boolean): Pick<FileInfo, 'missing' | 'values'> {
  const end = whole ? text.length : text.lastIndexOf('\n');
  const parsed = Papa.parse<string[]>(text.slice(0, Math.max(0, end)));
  const found = new Map<number, { line: number; column: string; value: string }>();
  const distinct = columns.map(() => new Set<string>() as Set<string> | null);
  for (let r = header ? 1 : 0; r < parsed.data.length; r++) {
    const row = parsed.data[r];
    if (row.length === 1 && row[0].trim() === '') continue;
    for (let c = 0; c < row.length && c < columns.length; c++) {
      const v = row[c].trim();
      const seen = distinct[c];
      if (seen && v !== '' && !seen.has(v)) {
        if (seen.size === MAX_LISTED_VALUES) distinct[c] = null;
        else seen.add(v);
      }
      if (found.has(c)) continue;
      const n = parseNumber(v);
      // Text (a class name) is the reader's to judge; NaN, ±inf and empty fields are what drop leaves out.
      if (v === '' || (n !== undefined && !Number.isFinite(n))) found.set(c, { line: r + 1, column: columns[c], value: v });
    }
  }
  const values: Record<string, string[]> = {};
  distinct.forEach((seen, c) => {
    if (seen && seen.size > 0) values[columns[c]] = [...seen].sort((a, b) => (Number(a) - Number(b)) || a.localeCompare(b));
  });
  const missing = [...found.entries()].sort((a, b) => a[1].line - b[1].line || a[0] - b[0]).map(([, m]) => m);
  return { missing, values };
}

/** What a data file holds: a CSV's columns, or the arrays of an array file. */
export async function inspectFile(file: string): Promise<FileInfo> {
  const name = basename(file);
  const ext = extname(file).toLowerCase();
  const size = statSync(file).size;
  if (ext === '.csv') {
    const text = csvText(name, head(file, CSV_HEAD_BYTES), size);
    const whole = size <= CSV_HEAD_BYTES;
    const lines = text.split(/\r?\n/).slice(0, 6).join('\n');
    const parsed = Papa.parse<string[]>(lines, { preview: 6 });
    // Each row with its line, empty lines left out.
    const kept = parsed.data.map((r, i) => ({ r, line: i + 1 })).filter(({ r }) => !(r.length === 1 && r[0].trim() === ''));
    const rows = kept.map((k) => k.r);
    const first = rows[0] ?? [];
    // The core reader's rule, so that the form shows the columns training will read.
    const header = looksLikeHeader(first, rows[1] ?? null);
    if (rows.length === 0) throw new Error(`${name} has no rows: only empty lines`);
    if (header && rows.length === 1 && whole && text.split(/\r?\n/).slice(kept[0].line).every((l) => l.trim() === '')) {
      throw new Error(`${name} has a header but no data rows`);
    }
    // A quote left open runs to the end of the file: only certain when the whole file was read.
    const quote = parsed.errors.find((e) => e.code === 'MissingQuotes');
    if (quote && whole) {
      throw new Error(`${name} line ${(quote.row ?? 0) + 1}: a quoted field is never closed (or text follows its closing quote)`);
    }
    const ragged = rows.findIndex((r) => r.length !== first.length);
    if (ragged > 0) throw new Error(`${name} line ${kept[ragged].line}: ${rows[ragged].length} fields, expected ${first.length}`);
    const columns = header ? first.map((c) => c.trim()) : first.map((_, i) => String(i));
    const twice = columns.findIndex((c, i) => columns.indexOf(c) !== i);
    if (twice !== -1) {
      const c = columns[twice];
      throw new Error(`${name} line 1: the column name '${c}' appears more than once (columns ${columns.indexOf(c) + 1} and ${twice + 1}); give each column its own name`);
    }
    return { name, file, bytes: size, kind: 'csv', columns, header, sample: rows.slice(header ? 1 : 0, 6), arrays: [], ...scanColumns(text, whole, columns, header) };
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
